"""Python producers for spoolcast: the shop-floor backend's way to publish a spool event.

* ``spoolcast_producer.plain.RedisEventService``: a plain Redis PUBLISH on
  ``spools:updates``, as the backend publishes today (needs redis-py; at-most-once).

It builds its event with ``spoolcast_producer.event.build_spool_update``. This package does
not import ``plain`` itself, so the parts that need no redis-py run without it.
"""

from .errors import PublishError
from .event import PLANT_TIME_ZONE, build_spool_update, encode_event, plant_timestamp

__all__ = [
    "PLANT_TIME_ZONE",
    "PublishError",
    "build_spool_update",
    "encode_event",
    "plant_timestamp",
]
