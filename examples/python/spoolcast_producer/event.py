"""The spool event as the shop-floor backend builds it (docs/contract.md §1.1).

One flat JSON object: ``event_type``, ``tag_spool``, ``worker_nombre``, ``estado_detalle``,
``timestamp`` (``DD-MM-YYYY HH:MM:SS``, plant local time), then the additional data merged in
flat. The same recipe as the TypeScript ``RedisEventService.publishSpoolUpdate`` in
src/bus/redis-event-service.ts, so the Python and TypeScript producers send the same bytes.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional

from zoneinfo import ZoneInfo

#: The gateway's default ``PLANT_TIME_ZONE``; producer timestamps are read in it.
PLANT_TIME_ZONE = "America/Santiago"

#: A clock: returns the current instant as a timezone-aware datetime.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant (aware, UTC)."""
    return datetime.now(timezone.utc)


def plant_timestamp(instant: datetime, time_zone: str = PLANT_TIME_ZONE) -> str:
    """``instant`` as the plant's wall clock, ``DD-MM-YYYY HH:MM:SS``.

    ``instant`` must be timezone-aware: a naive datetime names no instant (Python would read
    it in this machine's zone, which need not be the plant's), so it is refused.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("the clock returned a naive datetime; give it a timezone")
    local = instant.astimezone(ZoneInfo(time_zone))
    return (
        f"{local.day:02d}-{local.month:02d}-{local.year:04d} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )


def build_spool_update(
    event_type: str,
    tag_spool: str,
    worker_nombre: Optional[str],
    estado_detalle: str,
    additional_data: Optional[Mapping[str, Any]] = None,
    *,
    now: Clock = utc_now,
    time_zone: str = PLANT_TIME_ZONE,
) -> dict:
    """The flat event: the five fields, then ``additional_data`` merged in.

    As in the TypeScript spread ``{...fields, ...additionalData}``, an additional key that
    repeats a field replaces its value and keeps its place.
    """
    event = {
        "event_type": event_type,
        "tag_spool": tag_spool,
        "worker_nombre": worker_nombre,
        "estado_detalle": estado_detalle,
        "timestamp": plant_timestamp(now(), time_zone),
    }
    event.update(additional_data or {})
    return event


def encode_event(event: Mapping[str, Any]) -> bytes:
    """The event as compact UTF-8 JSON, the bytes ``JSON.stringify`` would give.

    No spaces and non-ASCII kept as is (the gateway streams the producer's text byte for
    byte, so both producers' events look the same on the wire). Raises ``ValueError`` for
    NaN or infinity (not JSON) and for a lone surrogate (not UTF-8; the gateway would refuse
    it as ``invalid_unicode``), ``TypeError`` for a value JSON cannot hold.
    """
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError(f"the event holds a string that is not valid Unicode: {error}") from None
