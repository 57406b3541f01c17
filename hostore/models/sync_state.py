"""The tables of the hostore app itself: the change counter (SQLite) and pull cursors."""

from __future__ import annotations

from django.db import models


class ChangeClock(models.Model):
    """The change counter of each store on SQLite (PostgreSQL uses a sequence).

    One row per store, incremented by every write transaction under SQLite's write lock:
    see :mod:`hostore.models._changes`.
    """

    name = models.CharField(max_length=255, primary_key=True)
    value = models.BigIntegerField(default=0)

    class Meta:
        app_label = "hostore"
        db_table = "hostore_changeclock"

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"


class SyncCursor(models.Model):
    """Where a pull client stands on a server, per store, endpoint and filters.

    ``position`` is the opaque cursor the server gave last (or, for a holcstore 0.5/0.6
    server, the last ``updated_at`` seen). It is saved in the transaction that imports the
    chunks before it, so an interrupted pull resumes exactly there.
    """

    key = models.CharField(max_length=64, unique=True)
    store = models.CharField(max_length=255)
    endpoint = models.TextField()
    filters = models.TextField(default="{}")
    position = models.TextField(default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "hostore"
        db_table = "hostore_synccursor"

    def __str__(self) -> str:
        return f"{self.store} <- {self.endpoint} {self.filters}"
