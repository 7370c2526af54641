"""The one exception the publishers raise, and only when the caller asks for it."""

from __future__ import annotations

from typing import Any


class PublishError(Exception):
    """Raised only with ``raise_on_failure=True``; ``result`` is what would have been returned."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.reason)
        self.result = result
