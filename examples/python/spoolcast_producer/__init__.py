"""Python producers for spoolcast: the shop-floor backend's two ways to publish a spool event.

* ``spoolcast_producer.plain.RedisEventService``: a plain Redis PUBLISH on
  ``spools:updates``, as the backend publishes today (needs redis-py; at-most-once).
* ``spoolcast_producer.durable.DurableEventService``: ``POST /api/events`` with an
  ``Idempotency-Key``, retried until stored or a deadline (standard library only; stored
  exactly once).

Both build the same flat event (``spoolcast_producer.event.build_spool_update``). This
package does not import ``plain`` itself, so the durable variant runs without redis-py.
"""

from .durable import DurableEventService, DurablePublishResult
from .errors import PublishError
from .event import PLANT_TIME_ZONE, build_spool_update, encode_event, plant_timestamp

__all__ = [
    "PLANT_TIME_ZONE",
    "DurableEventService",
    "DurablePublishResult",
    "PublishError",
    "build_spool_update",
    "encode_event",
    "plant_timestamp",
]
