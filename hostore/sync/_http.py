"""HTTP for the pull client: requests, with timeouts and bounded retries (tenacity).

Connection errors, timeouts, a body cut short, 5xx and 429 are retried with exponential
backoff and full jitter, honouring ``Retry-After``; the number of tries and the total time
are bounded. Other 4xx fail at once with an error naming the URL and the status.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from typing import Any

import requests
import tenacity

from ..exceptions import SyncHTTPError

logger = logging.getLogger("hostore.sync")

DEFAULT_TIMEOUT = (10.0, 120.0)  # seconds: to connect, and between two bytes of the answer
_RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
_BACKOFF_FIRST, _BACKOFF_MAX = 0.5, 30.0


class _Retryable(Exception):
    """A failed attempt worth another try (``wait`` from ``Retry-After`` if given)."""

    def __init__(self, error: SyncHTTPError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error, self.wait = error, wait


def _retry_after(response: requests.Response) -> float | None:
    """Seconds asked for by ``Retry-After`` (delay in seconds or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _message(response: requests.Response) -> str:
    """What the server said about a refusal (DRF answers ``{"detail": ...}`` or a dict of
    field errors), shortened."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    text = body.get("detail", body) if isinstance(body, dict) else body
    text = str(text).strip()
    return text if len(text) <= 500 else text[:500] + "..."


class Http:
    """One requests session, with the client's extra arguments, timeouts and retries."""

    def __init__(
        self,
        max_tries: int,
        max_time: float,
        extra: dict[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_tries, self.max_time = max(1, int(max_tries)), float(max_time)
        self.extra = dict(extra or {})
        self.extra.setdefault("timeout", DEFAULT_TIMEOUT)
        self.session = requests.Session()
        self.sleep = sleep
        self.requests = 0
        self.bytes = 0

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, _Retryable) and error.wait is not None:
            return error.wait
        backoff = min(_BACKOFF_MAX, _BACKOFF_FIRST * 2 ** (state.attempt_number - 1))
        return tenacity.wait_random(0, backoff)(state)  # full jitter

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        """The answer of a successful (2xx) request; raises :class:`SyncHTTPError`."""
        headers = {**self.extra.get("headers", {}), **kwargs.pop("headers", {})}
        kwargs = {**self.extra, **kwargs, "headers": headers}
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(self.max_tries)
            | tenacity.stop_before_delay(self.max_time),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(_Retryable),
            sleep=self.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            return retrying(self._attempt, method, url, kwargs)
        except _Retryable as exc:
            tries = retrying.statistics.get("attempt_number", 1)
            error = exc.error
            raise SyncHTTPError(
                f"{error} (gave up after {tries} tries)", error.url, error.status
            ) from exc.__cause__

    @staticmethod
    def _log_retry(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "sync: %s; try %d, next in %.1f s",
            error,
            state.attempt_number,
            state.upcoming_sleep,
        )

    def _attempt(self, method: str, url: str, kwargs: dict) -> requests.Response:
        self.requests += 1
        try:
            response = self.session.request(method, url, **kwargs)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            error = SyncHTTPError(f"{method} {url} failed: {type(exc).__name__}: {exc}", url)
            raise _Retryable(error) from exc
        except requests.RequestException as exc:  # an invalid URL, a missing schema...
            raise SyncHTTPError(f"{method} {url} failed: {exc}", url) from exc
        self.bytes += len(response.content)
        if response.ok:
            return response
        status = response.status_code
        error = SyncHTTPError(
            f"{method} {response.url} answered {status} {response.reason}: {_message(response)}",
            response.url,
            status,
        )
        if status in _RETRIED_STATUS:
            raise _Retryable(error, _retry_after(response) if status in (429, 503) else None)
        raise error
