"""holcstore's settings: one ``HOSTORE`` dict in the Django settings, with defaults.

Read lazily and re-read when tests override settings::

    HOSTORE = {"BULK_BATCH_SIZE": 200}
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

DEFAULTS: dict[str, Any] = {
    # chunk rows per INSERT ... ON CONFLICT statement (also bounds write memory)
    "BULK_BATCH_SIZE": 500,
    # streaming reads (yield_many_ts) fetch pages of about READ_BUFFER_BYTES of blobs,
    # at most READ_CHUNK_SIZE rows each
    "READ_CHUNK_SIZE": 2000,
    "READ_BUFFER_BYTES": 8 * 2**20,
    # sync server: changes per page of updates/ (default, and the most a client may ask),
    # and chunks per pack/ request
    "SYNC_PAGE_SIZE": 200,
    "SYNC_MAX_PAGE_SIZE": 1000,
    "SYNC_MAX_PACK_ITEMS": 1000,
    # seconds a store write waits for the lock of its series (or, on SQLite, of the
    # database) before it raises LockTimeoutError
    "LOCK_TIMEOUT": 5.0,
}


class _Settings:
    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown holcstore setting {name!r}")
        if name not in self._cache:
            self._cache[name] = getattr(settings, "HOSTORE", {}).get(name, DEFAULTS[name])
        return self._cache[name]

    def reload(self) -> None:
        self._cache.clear()


hostore_settings = _Settings()


def _on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "HOSTORE":
        hostore_settings.reload()


setting_changed.connect(_on_setting_changed)
