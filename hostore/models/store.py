"""Store: load curves as key:value rows per ``prm`` and ``client_id``, with versions.

The abstract model of holcstore 0.5/0.6, kept column for column so that its tables work in
place. A row holds one curve (any DatetimeIndex: the store keeps no grid) as an Arrow
Feather blob (:mod:`hostore.formats.arrow`); ``version`` numbers the curves written with
``versionning=True``. Reads combine versions: the version first in ``order_by`` (the newest
by default) wins where it has values, the others fill its gaps.
"""

from __future__ import annotations

from django.db import models


class StoreQuerySet(models.QuerySet):
    """The Store's queryset (holcstore 0.5/0.6 exported it from ``hostore.models``)."""


class Store(models.Model):
    """Abstract store of load curves per ``prm`` (meter) and ``client_id``, with versions.

    Subclass it (``class Meta(Store.Meta): abstract = False`` or no Meta at all), add fields
    of your own if needed (set them with ``attributes_to_set``), then use the class methods.
    """

    client_id = models.IntegerField()
    prm = models.CharField(max_length=70)
    last_modified = models.DateTimeField(auto_now=True)
    created_at = models.DateTimeField(auto_now_add=True, null=True)
    data = models.BinaryField(blank=True, null=True)
    version = models.IntegerField(default=0)

    objects = StoreQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["prm", "client_id", "version"],
                name="%(app_label)s_%(class)s_prm_clientid_version",
            )
        ]
        indexes = [models.Index(fields=["prm", "client_id"])]
