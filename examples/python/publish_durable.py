#!/usr/bin/env python3
"""Store one spool event through the gateway: POST /api/events with an Idempotency-Key.

Every attempt carries the same key, so the event is stored once however many attempts it
takes. Retries 503 (honouring Retry-After), other 5xx, 408, 429, connection errors and
timeouts, with capped exponential backoff and jitter, until --deadline; never retries a
400, 413 or 415 (the gateway's reasons are in the result). Standard library only.

A bearer token, if the gateway needs one, comes from the environment variable
SPOOLCAST_TOKEN only (never an argument: the arguments of a process are visible to every
local user); it is sent as Authorization: Bearer … and never printed.

Prints the result as one JSON line, e.g. {"ok": true, "outcome": "stored", "id":
"1795805709843-0", "replayed": false, …, "idempotency_key": "…"}. Exit codes: 0 stored;
1 refused (do not retry as is); 2 bad usage; 3 gave up at the deadline (it may be stored:
run again with --key set to the printed idempotency_key to find out).

  publish_durable.py --url http://localhost:8000 --key completar-SPOOL-001-ARM \\
      COMPLETAR SPOOL-001 --worker 'MR(93)' --estado 'ARM: Completado'
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from spoolcast_producer import cli
from spoolcast_producer.durable import DEFAULT_URL, DurableEventService


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("SPOOLCAST_URL", DEFAULT_URL),
        help="the gateway (env SPOOLCAST_URL; default %(default)s)",
    )
    parser.add_argument(
        "--key",
        help="the Idempotency-Key, one per logical event (default: a new UUID, printed in "
        "the result)",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=30.0,
        help="seconds before giving up (default 30)",
    )
    parser.add_argument(
        "--attempt-timeout",
        type=float,
        default=5.0,
        help="seconds one attempt may wait for the gateway (default 5)",
    )
    cli.add_event_arguments(parser)
    args = parser.parse_args(argv)
    cli.configure_logging(args)
    try:
        service = DurableEventService(
            args.url,
            deadline_s=args.deadline,
            attempt_timeout_s=args.attempt_timeout,
            time_zone=args.time_zone,
            now=cli.clock(args),
        )
    except ValueError as error:
        parser.error(str(error))
    result = service.publish_spool_update(
        args.event_type,
        args.tag_spool,
        args.worker,
        args.estado,
        args.extra,
        idempotency_key=args.key,
    )
    return cli.report(result)


if __name__ == "__main__":
    sys.exit(main())
