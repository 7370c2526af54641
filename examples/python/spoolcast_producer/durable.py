"""The durable variant: ``POST /api/events`` with an ``Idempotency-Key``, retried until stored.

What it guarantees (docs/contract.md §1.3, §3, §4): once ``ok`` is True the gateway has
stored the event (answered ``202 {"id": …}``), and it is streamed to every client exactly
once, however many attempts it took. That rests on the key: every attempt of one logical
event carries the same ``Idempotency-Key``, so an attempt whose answer was lost (a dropped
connection, a timeout, a ``503`` after Redis got the command) and that did store the event
is answered with the first id (``Idempotent-Replayed: true``) and stores nothing.

* One key per logical event, never per producer: the key alone decides, so a reused key
  silently drops the second event. Without a key one is generated per call (a UUID) and
  returned in the result; pass your own (e.g. derived from the business record the event
  describes) to make a retry after a crash or a later re-run safe as well.
* Retried: ``503`` (``Retry-After`` honoured), other 5xx, ``408``, ``429``, connection
  errors, timeouts and an unreadable ``2xx``; with capped exponential backoff and jitter,
  until ``deadline_s`` has passed. Then it gives up with outcome ``gave_up``: the event
  may or may not be stored; publishing again with the same key tells which.
* Not retried: ``400``, ``413``, ``415`` and every other 4xx (the reasons from the JSON
  body are in ``reason``); the gateway stored nothing. Redirects are not followed (a POST
  is not replayed elsewhere, and the token stays with the host it was meant for).
* Errors are values: nothing raises into the caller's code unless it asks
  (``raise_on_failure=True`` raises ``PublishError`` carrying the result).
* An optional bearer token (argument, or env ``SPOOLCAST_TOKEN``) is sent as
  ``Authorization: Bearer …``; it is never logged, printed or put in a result.

Standard library only.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import logging
import os
import random
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Optional

from .errors import describe_error, report_failure
from .event import PLANT_TIME_ZONE, Clock, build_spool_update, encode_event, utc_now

DEFAULT_URL = "http://localhost:8000"
#: Where the token comes from when none is passed.
TOKEN_ENV = "SPOOLCAST_TOKEN"
#: The gateway's limit on an Idempotency-Key, in characters (after trimming).
MAX_KEY_CHARS = 256
#: Answers worth another attempt with the same key.
RETRYABLE_STATUSES = frozenset({408, 429}) | frozenset(range(500, 600))
#: Most bytes read from one answer.
MAX_ANSWER_BYTES = 65_536

log = logging.getLogger("spoolcast_producer.durable")

# RFC 6750 b64token: what an Authorization header can carry without breaking it.
_TOKEN_RE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Printable ASCII: a header value every proxy passes unchanged.
_KEY_RE = re.compile(r"[\x20-\x7e]+")


@dataclass(frozen=True)
class DurablePublishResult:
    """How a durable publish ended. Errors are values."""

    #: True once the gateway has stored the event (``id`` is set).
    ok: bool
    #: ``stored``; ``rejected`` (refused, nothing stored: do not retry as is); or
    #: ``gave_up`` (deadline reached: may be stored; publish again with the same key).
    outcome: str
    #: The event id (``<ms>-<seq>``), the same on every stream; None unless stored.
    id: Optional[str]
    #: True when the id came from an earlier attempt with the same key.
    replayed: bool
    #: The HTTP status of the last attempt, None when it got no answer (or none was sent).
    status: Optional[int]
    #: Why it is not ok; None when ok.
    reason: Optional[str]
    #: HTTP requests sent.
    attempts: int
    #: The key every attempt carried: reuse it to publish this event again.
    idempotency_key: str
    #: Seconds from the call to the result.
    elapsed_s: float


@dataclass(frozen=True)
class _Answer:
    kind: str  # "stored", "rejected" or "retry"
    status: Optional[int]
    reason: Optional[str] = None
    id: Optional[str] = None
    replayed: bool = False
    retry_after_s: Optional[float] = None
    #: For a retry: False only when the attempt surely stored nothing (refused, 408, 429).
    maybe_stored: bool = True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Turns every redirect into an answer of its own (urllib raises it as HTTPError)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


class DurableEventService:
    """Publishes spool updates through ``POST /api/events``, retrying with one key per event.

    ``url`` is the gateway (``http://host:8000``). ``deadline_s`` bounds a whole publish,
    ``attempt_timeout_s`` one attempt (connect, and each wait for the answer's bytes).
    Between attempts it waits ``base_delay_s × 2^(n-1)``, capped at ``max_delay_s``, with
    equal jitter (a random half of it), and never less than the answer's ``Retry-After``.
    ``sleep``, ``monotonic`` and ``rng`` are injectable for tests. Requests honour the
    usual proxy variables (``HTTPS_PROXY``, ``NO_PROXY``, …), as urllib does.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        token: Optional[str] = None,
        deadline_s: float = 30.0,
        attempt_timeout_s: float = 5.0,
        base_delay_s: float = 0.2,
        max_delay_s: float = 5.0,
        time_zone: str = PLANT_TIME_ZONE,
        now: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            # Not echoed: a URL may carry a password.
            raise ValueError("the gateway URL must be http(s)://host[:port]")
        self._endpoint = url.rstrip("/") + "/api/events"
        token = token if token is not None else os.environ.get(TOKEN_ENV) or None
        if token is not None and not _TOKEN_RE.fullmatch(token):
            # Never echo the value: it is a secret, and the reason it is refused is enough.
            raise ValueError("the bearer token is not a valid RFC 6750 token (value not shown)")
        self._authorization = f"Bearer {token}" if token else None
        self._deadline_s = deadline_s
        self._attempt_timeout_s = attempt_timeout_s
        self._base_delay_s = base_delay_s
        self._max_delay_s = max_delay_s
        self._time_zone = time_zone
        self._now = now
        self._sleep = sleep
        self._monotonic = monotonic
        self._rng = rng
        self._opener = urllib.request.build_opener(_NoRedirect())

    def __repr__(self) -> str:
        token = "set" if self._authorization else "none"
        return f"DurableEventService({self._endpoint!r}, token={token})"

    def publish_spool_update(
        self,
        event_type: str,
        tag_spool: str,
        worker_nombre: Optional[str],
        estado_detalle: str,
        additional_data: Optional[Mapping[str, Any]] = None,
        *,
        idempotency_key: Optional[str] = None,
        raise_on_failure: bool = False,
    ) -> DurablePublishResult:
        """Builds the same flat event as the plain publisher and stores it durably."""
        return self._run(
            lambda: build_spool_update(
                event_type,
                tag_spool,
                worker_nombre,
                estado_detalle,
                additional_data,
                now=self._now,
                time_zone=self._time_zone,
            ),
            idempotency_key,
            raise_on_failure,
        )

    def publish_event(
        self,
        event: Mapping[str, Any],
        *,
        idempotency_key: Optional[str] = None,
        raise_on_failure: bool = False,
    ) -> DurablePublishResult:
        """Stores ``event``, a flat JSON object built by the caller."""
        return self._run(lambda: event, idempotency_key, raise_on_failure)

    def _run(
        self,
        build: Callable[[], Mapping[str, Any]],
        idempotency_key: Optional[str],
        raise_on_failure: bool,
    ) -> DurablePublishResult:
        started = self._monotonic()
        key = (idempotency_key if idempotency_key is not None else str(uuid.uuid4())).strip()
        try:
            result = self._publish(build, key, started)
        except Exception as error:  # unexpected: say so, but never raise unasked
            reason = (
                f"unexpected {describe_error(error)}; "
                "publish again with the same key to find out"
            )
            result = self._result(started, "gave_up", key, 0, reason=reason)
        report_failure(
            log,
            result,
            raise_on_failure,
            "spool update not stored (%s): %s",
            result.outcome,
            result.reason,
        )
        return result

    def _publish(
        self, build: Callable[[], Mapping[str, Any]], key: str, started: float
    ) -> DurablePublishResult:
        problem = _key_problem(key)
        if problem is None:
            try:
                body = encode_event(build())
            except Exception as error:  # a bad clock, zone or value: nothing is sent
                problem = describe_error(error)
        if problem is not None:
            return self._result(started, "rejected", key, 0, reason=f"not sent: {problem}")

        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Idempotency-Key": key,
        }
        if self._authorization:
            headers["Authorization"] = self._authorization
        deadline = started + self._deadline_s
        attempts = 0
        maybe_stored = False
        answer = _Answer("retry", None, "no attempt fitted in the deadline", maybe_stored=False)
        while True:
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                break
            attempts += 1
            answer = self._attempt(body, headers, min(self._attempt_timeout_s, remaining))
            status = answer.status
            if answer.kind == "stored":
                return self._result(
                    started,
                    "stored",
                    key,
                    attempts,
                    status=status,
                    id=answer.id,
                    replayed=answer.replayed,
                )
            if answer.kind == "rejected":
                return self._result(
                    started, "rejected", key, attempts, status=status, reason=answer.reason
                )
            maybe_stored = maybe_stored or answer.maybe_stored
            delay = self._delay(attempts, answer.retry_after_s)
            if self._monotonic() + delay >= deadline:
                break
            log.info("attempt %d: %s; retrying in %.2f s", attempts, answer.reason, delay)
            self._sleep(delay)
        reason = (
            f"gave up after {attempts} attempt(s) within the {self._deadline_s:g} s deadline; "
            f"last: {answer.reason}. "
            + (
                f"It may have been stored: publish again with idempotency_key={key!r} to find out"
                if maybe_stored
                else "Nothing was stored."
            )
        )
        return self._result(started, "gave_up", key, attempts, status=answer.status, reason=reason)

    def _attempt(self, body: bytes, headers: Mapping[str, str], timeout_s: float) -> _Answer:
        request = urllib.request.Request(
            self._endpoint, data=body, headers=dict(headers), method="POST"
        )
        try:
            with self._opener.open(request, timeout=timeout_s) as response:
                return _answer(response.status, response.headers, response.read(MAX_ANSWER_BYTES))
        except urllib.error.HTTPError as error:  # any status urllib does not call success
            try:
                text = error.read(MAX_ANSWER_BYTES)
            except (OSError, http.client.HTTPException):
                text = b""
            finally:
                error.close()
            return _answer(error.code, error.headers, text)
        except urllib.error.URLError as error:  # connect failed or timed out
            # Refused or unresolvable: this attempt never reached a gateway.
            never_sent = isinstance(error.reason, (ConnectionRefusedError, socket.gaierror))
            reason = f"no answer: {describe_error(error.reason)}"
            return _Answer("retry", None, reason, maybe_stored=not never_sent)
        except (OSError, http.client.HTTPException) as error:  # dropped or timed out mid-answer
            return _Answer("retry", None, f"no answer: {describe_error(error)}")

    def _delay(self, attempt: int, retry_after_s: Optional[float]) -> float:
        """Capped exponential backoff, equal jitter; at least ``Retry-After`` (plus up to 20 %)."""
        ceiling = min(self._max_delay_s, self._base_delay_s * 2 ** (attempt - 1))
        backoff = ceiling / 2 + self._rng() * ceiling / 2
        if retry_after_s is None:
            return backoff
        # Spread the retries of producers told the same Retry-After by one gateway.
        return max(retry_after_s * (1 + 0.2 * self._rng()), backoff)

    def _result(
        self,
        started: float,
        outcome: str,
        key: str,
        attempts: int,
        *,
        status: Optional[int] = None,
        id: Optional[str] = None,
        replayed: bool = False,
        reason: Optional[str] = None,
    ) -> DurablePublishResult:
        return DurablePublishResult(
            ok=outcome == "stored",
            outcome=outcome,
            id=id,
            replayed=replayed,
            status=status,
            reason=reason,
            attempts=attempts,
            idempotency_key=key,
            elapsed_s=round(self._monotonic() - started, 3),
        )

def _key_problem(key: str) -> Optional[str]:
    if key == "":
        # The gateway reads a blank key as none: every retry would store another copy.
        return "the Idempotency-Key is blank"
    if len(key) > MAX_KEY_CHARS:
        return f"the Idempotency-Key is longer than {MAX_KEY_CHARS} characters"
    if not _KEY_RE.fullmatch(key):
        return "the Idempotency-Key must be printable ASCII"
    return None


def _answer(status: int, headers: Any, body: bytes) -> _Answer:
    """Classifies one HTTP answer."""
    if 200 <= status < 300:
        try:
            event_id = json.loads(body)["id"]
            if not isinstance(event_id, str):
                raise TypeError("id is not a string")
        except (ValueError, KeyError, TypeError) as error:
            # Stored or not, the same key tells: a retry answers the first id.
            reason = f"{status} without a readable id ({describe_error(error)})"
            return _Answer("retry", status, reason)
        replayed = (headers.get("Idempotent-Replayed") or "").strip().lower() == "true"
        return _Answer("stored", status, id=event_id, replayed=replayed)
    summary = f"{status} {_summarise(body)}"
    if status in RETRYABLE_STATUSES:
        retry_after = _retry_after_s(headers.get("Retry-After") if headers is not None else None)
        # A 5xx may come after Redis got the command (contract §3); 408 and 429 store nothing.
        return _Answer(
            "retry", status, summary, retry_after_s=retry_after, maybe_stored=status >= 500
        )
    if 300 <= status < 400:
        location = headers.get("Location") if headers is not None else None
        return _Answer("rejected", status, f"{status} redirect to {location!r} not followed")
    return _Answer("rejected", status, summary)


def _summarise(body: bytes) -> str:
    """The gateway's error body in one line: ``error: reason: detail; …`` or its message."""
    try:
        parsed = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return text[:300] or "(no body)"
    if not isinstance(parsed, dict):
        return json.dumps(parsed)[:300]
    details = []
    reasons = parsed.get("reasons")
    if isinstance(reasons, list):
        details = [f"{r.get('reason')}: {r.get('detail')}" for r in reasons if isinstance(r, dict)]
    elif parsed.get("message") is not None:
        details = [str(parsed["message"])]
    error = str(parsed.get("error", "error"))
    return (f"{error}: {'; '.join(details)}" if details else error)[:1000]


def _retry_after_s(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` in seconds: delta-seconds or an HTTP date; None when absent or bad."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
