#!/usr/bin/env python3
"""Publish one spool event with a plain Redis PUBLISH, as the shop-floor backend does.

At-most-once: Redis pub/sub keeps nothing, so an event published while no gateway is
subscribed is lost (the result says so when nobody at all heard it: "receivers": 0), and an
event a gateway refuses is only dead-lettered. Use publish_durable.py when it must arrive.

Prints the result as one JSON line, e.g. {"ok": true, "receivers": 1, "reason": null}.
Exit codes: 0 heard by at least one subscriber, 1 not delivered, 2 bad usage. Needs
redis-py: run it with Debian's /usr/bin/python3 (apt-get install python3-redis).
Prefer REDIS_URL in the environment to --redis-url when the URL holds a password (the
arguments of a process are visible to every local user).

  publish_plain.py TOMAR SPOOL-001 --worker 'MR(93)' --estado 'ARM: En Progreso' \\
      --extra '{"operacion": "ARM"}'
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from spoolcast_producer import cli

try:
    from spoolcast_producer.plain import DEFAULT_CHANNEL, RedisEventService, connect
except ImportError as error:
    print(
        f"{error}: the plain publisher needs redis-py, which {sys.executable} does not have; "
        "run it with Debian's /usr/bin/python3 (apt-get install python3-redis) "
        "or pip install redis",
        file=sys.stderr,
    )
    sys.exit(2)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", "redis://localhost:6379"),
        help="the Redis the gateways use (env REDIS_URL; default %(default)s)",
    )
    parser.add_argument(
        "--channel",
        default=os.environ.get("SPOOLS_CHANNEL", DEFAULT_CHANNEL),
        help="the gateways' SPOOLS_CHANNEL (env SPOOLS_CHANNEL; default %(default)s)",
    )
    parser.add_argument(
        "--timeout", type=float, default=2.0, help="seconds to wait for Redis (default 2)"
    )
    cli.add_event_arguments(parser)
    args = parser.parse_args(argv)
    cli.configure_logging(args)
    try:
        client = connect(args.redis_url, args.timeout)
    except ValueError as error:
        parser.error(f"--redis-url: {error}")
    try:
        service = RedisEventService(
            client, args.channel, time_zone=args.time_zone, now=cli.clock(args)
        )
        result = service.publish_spool_update(
            args.event_type, args.tag_spool, args.worker, args.estado, args.extra
        )
    finally:
        client.close()
    return cli.report(result)


if __name__ == "__main__":
    sys.exit(main())
