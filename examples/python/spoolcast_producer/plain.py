"""The shop-floor backend's ``RedisEventService``: a plain PUBLISH, as it publishes today.

One flat JSON object per event, published with ``PUBLISH spools:updates <json>``
(docs/contract.md §1.1). The gateways subscribed to the channel validate, store and stream
it. What this path guarantees, and what it does not:

* **A PUBLISH heard by no gateway is lost.** Redis pub/sub keeps nothing: a message
  published while no gateway is subscribed, or while no gateway can reach Redis to claim
  it, is gone (contract §4: at-most-once until a gateway claims it; exactly once across
  replicas after that). PUBLISH answers how many subscribers heard it: 0 proves nobody did;
  more than 0 does not prove a gateway did (any ``SUBSCRIBE`` counts). Events that must not
  be lost go through the durable variant (``durable.py``: HTTP with an Idempotency-Key).
* **A rejected event is silent.** An event the gateway refuses (bad ``event_type``, too
  large, …) is dead-lettered in the Redis stream ``<prefix>deadletters``; the producer
  never hears about it. Over HTTP the same rules answer 400 with the reasons.
* **Do not retry a PUBLISH that failed with a timeout.** Redis may have delivered it; the
  gateways store a deliberate repeat as a second event.
* **Redis ACLs are the only protection.** The gateway cannot tell who published: anyone who
  may PUBLISH on the channel can announce any spool's state. Give the backend its own
  Redis user that may publish on this channel and nothing else, e.g.
  ``ACL SETUSER shopfloor on >PASSWORD resetchannels &spools:updates -@all +publish``, and
  connect with ``redis://shopfloor:PASSWORD@host:6379/0``.

Standard library plus redis-py (Debian's ``python3-redis``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import redis

from .errors import describe_error, report_failure
from .event import PLANT_TIME_ZONE, Clock, build_spool_update, encode_event, utc_now

#: The gateways' default ``SPOOLS_CHANNEL``.
DEFAULT_CHANNEL = "spools:updates"

log = logging.getLogger("spoolcast_producer.plain")


@dataclass(frozen=True)
class PlainPublishResult:
    """What a plain PUBLISH achieved. Errors are values, as in the TypeScript service."""

    #: True when Redis took the PUBLISH and at least one subscriber heard it.
    ok: bool
    #: Subscribers that heard it (gateways and any other listener); 0 means lost.
    receivers: int
    #: Why it is not ok; None when ok.
    reason: Optional[str] = None


class RedisEventService:
    """Publishes spool updates the way the shop-floor backend does: one plain PUBLISH each.

    ``redis_client`` is a ``redis.Redis`` (give it ``socket_timeout`` and
    ``socket_connect_timeout``, as ``connect`` below does, so a publish never hangs).
    ``now`` is the clock, for tests; ``time_zone`` the plant's zone for ``timestamp``.
    """

    def __init__(
        self,
        redis_client: "redis.Redis",
        channel: str = DEFAULT_CHANNEL,
        *,
        time_zone: str = PLANT_TIME_ZONE,
        now: Clock = utc_now,
    ) -> None:
        self._redis = redis_client
        self.channel = channel
        self._time_zone = time_zone
        self._now = now

    def publish_spool_update(
        self,
        event_type: str,
        tag_spool: str,
        worker_nombre: Optional[str],
        estado_detalle: str,
        additional_data: Optional[Mapping[str, Any]] = None,
        *,
        raise_on_failure: bool = False,
    ) -> PlainPublishResult:
        """Builds the flat event (``event.build_spool_update``) and PUBLISHes it once.

        Never raises (a failure is logged and returned) unless ``raise_on_failure`` is set,
        then ``PublishError`` carries the result.
        """
        result = self._publish(
            event_type, tag_spool, worker_nombre, estado_detalle, additional_data
        )
        report_failure(
            log,
            result,
            raise_on_failure,
            "%s %s not delivered: %s",
            event_type,
            tag_spool,
            result.reason,
        )
        return result

    def _publish(
        self,
        event_type: str,
        tag_spool: str,
        worker_nombre: Optional[str],
        estado_detalle: str,
        additional_data: Optional[Mapping[str, Any]],
    ) -> PlainPublishResult:
        try:
            event = build_spool_update(
                event_type,
                tag_spool,
                worker_nombre,
                estado_detalle,
                additional_data,
                now=self._now,
                time_zone=self._time_zone,
            )
            payload = encode_event(event)
        except Exception as error:  # a bad clock, zone or value: nothing was sent
            return PlainPublishResult(False, 0, f"not published: {describe_error(error)}")
        try:
            receivers = int(self._redis.publish(self.channel, payload))
        except redis.exceptions.RedisError as error:
            # A timeout is "unknown": Redis may have delivered it. Connection refused,
            # authentication and ACL (NOPERM) errors mean it was not sent.
            return PlainPublishResult(False, 0, f"redis: {describe_error(error)}")
        if receivers == 0:
            return PlainPublishResult(
                False, 0, f"no subscriber on {self.channel!r} heard it: the event is lost"
            )
        return PlainPublishResult(True, receivers)


def connect(url: str, timeout_s: float = 2.0) -> "redis.Redis":
    """A redis-py client that fails within ``timeout_s`` instead of hanging (the TS default)."""
    return redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
