"""The stores of the tables project, declared as holcstore 0.5/0.6's README shows.

The very same code runs under 0.5.12, 0.6.7 and ours (same import paths).
"""

from django.conf import settings
from django.db import models

from hostore.models import Store, TimeseriesStore


class Curves(Store):
    """Load curves per prm and client_id, with versions."""

    class Meta(Store.Meta):
        abstract = False


class YearCurves(Store):
    """The same with a field of the user's, set through ``attributes_to_set``."""

    year = models.IntegerField(default=0)

    class Meta(Store.Meta):
        abstract = False


class Series(TimeseriesStore):
    """One series per (year, kind)."""

    year = models.IntegerField()
    kind = models.CharField(max_length=100)

    class Meta(TimeseriesStore.Meta):
        unique_together = ("year", "kind")


STORES = {"curves": Curves, "year_curves": YearCurves, "series": Series}

if settings.TABLES_FRAMES:
    from hostore.models.dataframe_store import DataFrameStore

    class Frames(DataFrameStore):
        """DataFrames per client_id and key."""

        class Meta(DataFrameStore.Meta):
            abstract = False

    STORES["frames"] = Frames
