"""DataFrameStore: whole DataFrames per ``client_id`` and ``key``, with a JSON ``meta``.

The abstract model of holcstore 0.6 (its tables work in place); payloads are Parquet
(:mod:`hostore.formats.arrow`). Its unique constraint is named after the concrete model
(0.6 named it ``unique_client_key`` for every subclass, so a project could have only one).
"""

from __future__ import annotations

from django.db import models


class DataFrameStore(models.Model):
    """Abstract store of DataFrames, one per (``client_id``, ``key``)."""

    client_id = models.IntegerField(db_index=True)
    key = models.CharField(max_length=255, db_index=True)
    meta = models.JSONField(default=dict, blank=True)
    payload = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["client_id", "key"])]
        constraints = [
            models.UniqueConstraint(
                fields=["client_id", "key"], name="%(app_label)s_%(class)s_client_key"
            )
        ]
