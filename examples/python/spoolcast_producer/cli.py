"""What the two command-line scripts share: the event's arguments and the result's output.

Exit codes: 0 stored (durable) or heard by a subscriber (plain); 1 not stored, and trying
again as is will not help (refused, or a plain PUBLISH nobody heard or Redis refused);
2 bad usage; 3 gave up at the deadline (durable: may be stored; run again with the
printed ``idempotency_key`` as ``--key`` to find out).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
from datetime import datetime
from typing import Any

from .event import PLANT_TIME_ZONE, Clock, utc_now


def add_event_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``publish_spool_update``, in its order."""
    parser.add_argument("event_type", help="TOMAR, PAUSAR, COMPLETAR, STATE_CHANGE, …")
    parser.add_argument("tag_spool", help="the spool, e.g. SPOOL-001")
    parser.add_argument(
        "--worker", metavar="WORKER_NOMBRE", help='worker_nombre, e.g. "MR(93)" (default: null)'
    )
    parser.add_argument(
        "--estado",
        metavar="ESTADO_DETALLE",
        required=True,
        help='estado_detalle, e.g. "ARM: En Progreso"',
    )
    parser.add_argument(
        "--extra",
        metavar="JSON",
        type=_json_object,
        help='additional data merged in flat, a JSON object, e.g. \'{"operacion": "ARM"}\'',
    )
    parser.add_argument(
        "--at",
        metavar="ISO8601",
        type=_instant,
        help="the instant written as timestamp (default: now), with its offset, "
        "e.g. 2026-11-27T17:30:05Z",
    )
    parser.add_argument(
        "--time-zone",
        default=os.environ.get("PLANT_TIME_ZONE", PLANT_TIME_ZONE),
        help="the plant's zone for timestamp (env PLANT_TIME_ZONE; default %(default)s)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log each retry and failure on stderr"
    )


def configure_logging(args: argparse.Namespace) -> None:
    """Failures (and with -v every retry) on stderr; the result alone on stdout."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(name)s: %(message)s",
    )


def clock(args: argparse.Namespace) -> Clock:
    """The clock for ``--at``: that instant, or now."""
    at = args.at
    return (lambda: at) if at is not None else utc_now


def report(result: Any) -> int:
    """Prints the result as one JSON line on stdout and returns the exit code."""
    print(json.dumps(dataclasses.asdict(result), ensure_ascii=False), flush=True)
    if result.ok:
        return 0
    return 3 if getattr(result, "outcome", None) == "gave_up" else 1


def _json_object(text: str) -> dict:
    def refuse_duplicates(pairs: list) -> dict:
        keys = [key for key, _ in pairs]
        repeated = sorted({key for key in keys if keys.count(key) > 1})
        if repeated:
            # The gateway refuses a repeated key (duplicate_key); json.loads would keep the last.
            raise argparse.ArgumentTypeError(f"repeated key(s): {', '.join(repeated)}")
        return dict(pairs)

    try:
        value = json.loads(text, object_pairs_hook=refuse_duplicates)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not JSON: {error}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object")
    return value


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("give the offset (Z or ±HH:MM): a bare time is ambiguous")
    return value
