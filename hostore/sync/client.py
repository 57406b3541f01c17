"""The pull client: bring a local store up to date with a server's.

``TimeseriesChunkStoreSyncClient(endpoint=..., store_model=...).pull()`` pages through the
server's changes after the cursor saved by the previous pull, fetches the changed chunks in
batches and imports each batch in one transaction together with the cursor of its last
change. A pull that fails anywhere therefore leaves the store consistent, and the next one
resumes after the last batch imported, without downloading it again.

It also pulls from holcstore 0.5.4+/0.6 servers: their answers carry no cursor, so the
client keeps their cursor instead (the last ``updated_at`` seen), follows their ``next``
links, and calls their ``pack/`` with a GET when POST is refused.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple, cast
from urllib.parse import urlsplit

import numpy as np
from django.db import router, transaction

from .. import codecs
from ..exceptions import (
    HostoreError,
    SyncConfigurationError,
    SyncHTTPError,
    SyncProtocolError,
)
from ..models.sync_state import SyncCursor
from . import _http, protocol

logger = logging.getLogger("hostore.sync")


class PullResult(NamedTuple):
    """What a pull did: chunks fetched (imported with data) and deletions received."""

    fetched: int
    deleted: int


class PullStats(NamedTuple):
    """The cost of the last pull."""

    pages: int
    requests: int
    bytes: int
    seconds: float


class TimeseriesChunkStoreSyncClient:
    """Pull a server's store (``endpoint``, the URL its ViewSet is registered at) into
    ``store_model``, which must declare the same business keys and settings.

    ``retry_max_tries`` and ``retry_max_time`` (seconds) bound the retries of each request;
    ``requests_get_kwargs`` go to every request (``headers``, ``auth``, ``timeout``,
    ``verify``...). Every request has a timeout (10 s to connect, 120 s to read, unless
    given). ``compress=True`` asks for gzipped chunks: a third fewer bytes for LZ4 blobs, at
    the cost of the server's CPU (about 40 MB/s): worth it on a slow link, not on a LAN.
    Pages of changes are always gzipped when large. With ``prefetch`` (the default) the
    next batch is downloaded, in a thread, while the current one is imported.
    """

    def __init__(
        self,
        *,
        endpoint: str,
        store_model: Any,
        retry_max_tries: int = 5,
        retry_max_time: float = 300,
        requests_get_kwargs: dict[str, Any] | None = None,
        compress: bool = False,
        prefetch: bool = True,
    ) -> None:
        from ..models import TimeseriesChunkStore

        if not (isinstance(store_model, type) and issubclass(store_model, TimeseriesChunkStore)):
            raise SyncConfigurationError(
                f"store_model must be a concrete TimeseriesChunkStore, not {store_model!r}"
            )
        if store_model.ALLOW_CLIENT_SERVER_SYNC is False:
            raise SyncConfigurationError(
                f"{store_model.__name__} declares ALLOW_CLIENT_SERVER_SYNC = False: remove it "
                "(or set it to True) to pull into it"
            )
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise SyncConfigurationError(f"endpoint must be an http(s) URL, not {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self.store_model = store_model
        self.http = _http.Http(retry_max_tries, retry_max_time, requests_get_kwargs)
        self.stats = PullStats(0, 0, 0, 0.0)
        self.compress, self.prefetch = compress, prefetch
        self._pack_method = "POST"
        self._codecs = codecs.available()

    # ------------------------------------------------------------------ public
    def pull(
        self,
        filters: Mapping[str, Any] | None = None,
        batch: int = 50,
        page_size: int = 200,
        progress: Callable[[int, int], None] | None = None,
    ) -> PullResult:
        """Import every change made on the server since the last pull (of the same
        ``filters``, exact business-key values). ``batch`` chunks are fetched per
        ``pack/`` request and imported per transaction; ``page_size`` changes are listed
        per ``updates/`` request. ``progress(fetched, deleted)`` is called after each batch.
        Returns the counts of chunks fetched and deletions received."""
        info = self.store_model._hostore
        filters = info.check_filters(filters)
        if batch < 1 or page_size < 1:
            raise ValueError("batch and page_size must be positive")
        started, http_start = time.monotonic(), (self.http.requests, self.http.bytes)
        state = self._cursor_row(filters)
        fetched = deleted = pages = 0
        # One batch's chunks are downloaded while the previous batch is imported: the server
        # and the client's database work at the same time, not in turns.
        with _downloader(self.prefetch) as downloader:
            for page in self._pages(state, filters, page_size):
                pages += 1
                limit = page.get("limits", {}).get("pack", batch)
                size = max(1, min(batch, int(limit) if isinstance(limit, int) else batch))
                changes = page["results"]
                batches = [changes[i : i + size] for i in range(0, len(changes), size)]
                coming = downloader.submit(self._fetch, batches[0], page) if batches else None
                for n, part in enumerate(batches):
                    payload = cast(
                        concurrent.futures.Future, coming
                    ).result()  # one per batch, submitted ahead
                    if n + 1 < len(batches):
                        coming = downloader.submit(self._fetch, batches[n + 1], page)
                    done = self._import(part, payload, state, page)
                    fetched, deleted = fetched + done.fetched, deleted + done.deleted
                    if progress is not None:
                        progress(fetched, deleted)
        self.stats = PullStats(
            pages,
            self.http.requests - http_start[0],
            self.http.bytes - http_start[1],
            time.monotonic() - started,
        )
        logger.info(
            "sync pull of %s from %s: %d chunks fetched, %d deletions, %d requests, %d bytes",
            self.store_model._meta.label,
            self.endpoint,
            fetched,
            deleted,
            self.stats.requests,
            self.stats.bytes,
        )
        return PullResult(fetched, deleted)

    # ------------------------------------------------------------------ cursor
    def _cursor_row(self, filters: dict) -> SyncCursor:
        label = self.store_model._meta.label
        canonical = json.dumps(filters, sort_keys=True, default=protocol.json_default)
        key = hashlib.sha256(f"{label}\x00{self.endpoint}\x00{canonical}".encode()).hexdigest()
        alias = router.db_for_write(self.store_model)
        row, _ = SyncCursor.objects.using(alias).get_or_create(
            key=key, defaults={"store": label, "endpoint": self.endpoint, "filters": canonical}
        )
        return row

    @staticmethod
    def _save(state: SyncCursor, position: str) -> None:
        if position and position != state.position:
            state.position = position
            state.save(update_fields=["position", "updated_at"])

    # ------------------------------------------------------------------ pages
    def _pages(self, state: SyncCursor, filters: dict, page_size: int) -> Iterator[dict]:
        """Pages of changes after the saved cursor. Our servers' pages are asked for by
        cursor (robust behind proxies that rewrite hosts); 0.5/0.6 servers' by their links."""
        params: dict | None = {
            "since": state.position or protocol.EPOCH,
            "limit": page_size,
            **{k: _param(v) for k, v in filters.items()},
        }
        url: str | None = f"{self.endpoint}/updates/"
        while url:
            page = self._json(self.http.request("GET", url, params=params))
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise SyncProtocolError(f"{url} did not answer a page of changes: {page!r:.200}")
            page["legacy"] = "cursor" not in page
            yield page
            if not page["legacy"]:
                self._save(state, page["cursor"])  # every change of the page is imported
                if not page.get("next") or not page["results"]:
                    return
                params = {**(params or {}), "since": page["cursor"]}
            else:
                url, params = page.get("next"), None

    @staticmethod
    def _json(response: Any) -> Any:
        try:
            return response.json()
        except ValueError:
            raise SyncProtocolError(f"{response.url} answered something else than JSON") from None

    # ------------------------------------------------------------------ batches
    def _fetch(self, changes: list[dict], page: dict) -> list[dict]:
        """The ``import_chunks`` payload of one batch of changes: the live chunks' current
        state from ``pack/`` (one changed or deleted since it was listed comes as it is now,
        and is listed again later; one removed for good is left out), then the deletions."""
        try:
            live = [c for c in changes if not c["is_deleted"]]
            gone = [c for c in changes if c["is_deleted"]]
            spec = [{"attrs": c["attrs"], "chunk_index": c["chunk_index"]} for c in live]
        except (KeyError, TypeError) as exc:
            raise SyncProtocolError(f"malformed change in a page: {exc!r}") from None
        payload = self._pack(spec) if spec else []
        if page["legacy"]:
            payload = [_fit_legacy_chunk(self.store_model, item) for item in payload]
        return payload + [
            {"attrs": c["attrs"], "chunk_index": c["chunk_index"], "is_deleted": True} for c in gone
        ]

    def _import(
        self, changes: list[dict], payload: list[dict], state: SyncCursor, page: dict
    ) -> PullResult:
        """Import one batch with the cursor after its last change, in one transaction."""
        position = _legacy_position(changes) if page["legacy"] else changes[-1].get("cursor", "")
        alias = router.db_for_write(self.store_model)
        with transaction.atomic(using=alias):
            if payload:
                self.store_model.import_chunks(payload)
            self._save(state, position)
        gone = sum(1 for c in changes if c["is_deleted"])
        return PullResult(sum(1 for p in payload if not p["is_deleted"]), gone)

    def _pack(self, spec: list[dict]) -> list[dict]:
        url = f"{self.endpoint}/pack/"
        if self._pack_method == "POST":
            try:
                response = self.http.request(
                    "POST",
                    url,
                    json={"chunks": spec, "codecs": self._codecs},
                    headers={
                        "Accept": f"{protocol.PACK_MEDIA_TYPE}, {protocol.JSON_MEDIA_TYPE}",
                        "Accept-Encoding": "gzip" if self.compress else "identity",
                    },
                )
            except SyncHTTPError as exc:
                if exc.status != 405:
                    raise
                self._pack_method = "GET"  # a holcstore 0.5/0.6 server
        if self._pack_method == "GET":
            response = self.http.request("GET", url, json=spec)
        if response.headers.get("Content-Type", "").startswith(protocol.PACK_MEDIA_TYPE):
            return protocol.read_pack_binary(response.content)
        return protocol.read_pack_json(self._json(response))


class _InPlace:
    """An executor running each task at once, in the caller's thread (no prefetch)."""

    def __enter__(self) -> _InPlace:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    @staticmethod
    def submit(fn: Callable, *args: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # re-raised by result(), as a thread's would be
            future.set_exception(exc)
        return future


def _downloader(prefetch: bool) -> Any:
    if prefetch:
        return concurrent.futures.ThreadPoolExecutor(1, "hostore-pull")
    return _InPlace()


def _param(value: Any) -> Any:
    """A filter value as a query parameter (dates and UUIDs as their ISO text)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return value if isinstance(value, (int, float, str)) else str(value)


def _fit_legacy_chunk(model: Any, item: dict) -> dict:
    """A chunk of a legacy server, padded with NaN to its period's length.

    holcstore 0.6 (0.6.7 at least) ends the last month of a series written at the midnight
    that starts its last day, plus 24 hours: when the clocks change on that day (31 March
    2024, 31 October 2027 in Paris) that month is written one hour short, or an hour of NaN
    spills into a chunk of the next month. Its chunks start at their period's first slot, so
    the missing slots are the last ones. Without this, ``import_chunks`` refuses the chunk
    and the pull can never get past it.
    """
    if item["is_deleted"] or not item["data"]:
        return item
    try:
        lo, hi = model._hostore.grid.chunk_bounds(np.array([item["chunk_index"]]))
        values = codecs.decode(item["data"], item["dtype"])
    except (HostoreError, TypeError, ValueError, OverflowError):
        return item  # import_chunks refuses it, naming the chunk and the reason
    if len(values) >= hi[0] - lo[0]:
        return item  # complete (or too long: import_chunks refuses it, naming the chunk)
    padded = np.full(int(hi[0] - lo[0]), np.nan, dtype=values.dtype)
    padded[: len(values)] = values
    codec = codecs.codec_of(item["data"]).codec_id
    return {**item, "data": codecs.encode(padded, codec)}


def _legacy_position(changes: list[dict]) -> str:
    """The cursor kept for a holcstore 0.5/0.6 server: the last ``updated_at`` imported (it
    answers changes at or after it, so the boundary is fetched again, harmlessly)."""
    times = [protocol.parse_time(str(c["updated_at"]), "updated_at") for c in changes]
    return max(times).isoformat() if times else ""
