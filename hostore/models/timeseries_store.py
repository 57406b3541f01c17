"""TimeseriesStore: one blob per series, identified by the user's own fields.

The abstract model of holcstore 0.5/0.6 (its tables work in place): a concrete store adds its
key fields and their ``unique_together``; each row holds one series as an Arrow Feather blob
(:mod:`hostore.formats.arrow`). Unlike those releases, the blob itself carries no index and
no unique constraint: PostgreSQL refused any blob over 2,704 bytes in such an index (about
a hundred points), and two keys holding the same series collided.
"""

from __future__ import annotations

from django.db import models


class TimeseriesStore(models.Model):
    """Abstract store of one series per row, keyed by the subclass's fields.

    ``class Meta(TimeseriesStore.Meta): unique_together = ("year", "kind")``.
    """

    data = models.BinaryField(blank=True, null=True)

    class Meta:
        abstract = True
