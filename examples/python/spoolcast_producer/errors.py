"""What both publishers share about failing: how they describe an error, how they report a
failed publish, and the one exception they raise (only when the caller asks for it)."""

from __future__ import annotations

import logging
from typing import Any


class PublishError(Exception):
    """Raised only with ``raise_on_failure=True``; ``result`` is what would have been returned."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.reason)
        self.result = result


def describe_error(error: object) -> str:
    """``Type: message``, or the type alone when the message is empty."""
    text = str(error)
    name = type(error).__name__
    return f"{name}: {text}" if text else name


def report_failure(
    log: logging.Logger, result: Any, raise_on_failure: bool, message: str, *args: Any
) -> None:
    """Reports a result that is not ``ok``: a warning (``message % args``), then
    ``PublishError`` carrying the result when ``raise_on_failure`` is set."""
    if result.ok:
        return
    log.warning(message, *args)
    if raise_on_failure:
        raise PublishError(result)
