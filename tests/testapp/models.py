"""Concrete stores used by the tests (not part of the package)."""

from django.db import models

from hostore.models import DataFrameStore, Store, TimeseriesChunkStore, TimeseriesStore


class HourlyStore(TimeseriesChunkStore):
    """The seed's example: two business keys, default settings (1h, month chunks, Paris)."""

    DISTRIBUTE_BY = "kind"

    version = models.IntegerField()
    kind = models.CharField(max_length=20)


class HourlyMirror(TimeseriesChunkStore):
    """Same keys and settings as HourlyStore: the other end of a transfer."""

    DISTRIBUTE_BY = "kind"

    version = models.IntegerField()
    kind = models.CharField(max_length=20)


class YearlyStore(TimeseriesChunkStore):
    """30-minute load curves, one row per meter and year."""

    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32)

    CHUNK_AXIS = ("year",)
    STORE_FREQ = "30min"


class KeylessStore(TimeseriesChunkStore):
    """Zero business keys: the store holds one single series."""

    STORE_FREQ = "15min"


class ZstdStore(TimeseriesChunkStore):
    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32)

    STORE_FREQ = "30min"
    STORE_CODEC = "shuffle-zstd"


class ZstdMirror(TimeseriesChunkStore):
    """ZstdStore's keys and settings with the default codec: the client end of its sync."""

    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32)

    STORE_FREQ = "30min"


class MinuteStore(TimeseriesChunkStore):
    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32)

    STORE_FREQ = "1min"
    STORE_TZ = "UTC"


class TypedKeyStore(TimeseriesChunkStore):
    """Business keys of types the database driver loads in its own ways (dates, UUIDs,
    datetimes, decimals): they must come back from every read path as they were written."""

    DISTRIBUTE_BY = "uid"

    day = models.DateField()
    uid = models.UUIDField()
    at = models.DateTimeField()
    ratio = models.DecimalField(max_digits=6, decimal_places=2)

    STORE_FREQ = "1h"
    STORE_TZ = "UTC"


class TypedKeyMirror(TimeseriesChunkStore):
    """TypedKeyStore's keys and settings: the client end of a sync of typed keys."""

    DISTRIBUTE_BY = "uid"

    day = models.DateField()
    uid = models.UUIDField()
    at = models.DateTimeField()
    ratio = models.DecimalField(max_digits=6, decimal_places=2)

    STORE_FREQ = "1h"
    STORE_TZ = "UTC"


class AddressKeyStore(TimeseriesChunkStore):
    """A key Django loads as text on PostgreSQL (inet), which binary results would change."""

    DISTRIBUTE_BY = "ip"

    ip = models.GenericIPAddressField()

    STORE_FREQ = "1h"
    STORE_TZ = "UTC"


class CustomMetaStore(TimeseriesChunkStore):
    """A store whose Meta has its own table name, ordering, names and extra index."""

    DISTRIBUTE_BY = "site"

    site = models.CharField(max_length=16)
    channel = models.IntegerField()

    STORE_FREQ = "1D"
    CHUNK_AXIS = ("year",)

    class Meta:
        db_table = "custom_meta_store_table"
        ordering = ("site", "chunk_index")
        verbose_name = "custom store"
        indexes = [models.Index(fields=["site"], name="custom_site_idx")]


# A matrix of grids for the property-based tests: every (zone, step, chunking) below.
MATRIX_ZONES = {
    "paris": "Europe/Paris",
    "newyork": "America/New_York",
    "kolkata": "Asia/Kolkata",
    "sydney": "Australia/Sydney",
    "utc": "UTC",
}
MATRIX_FREQS = {"15min": "15min", "30min": "30min", "1h": "1h", "1d": "1D"}
MATRIX_AXES = {"year": ("year",), "month": ("year", "month")}
MATRIX: dict[tuple[str, str, str], type[TimeseriesChunkStore]] = {}

for _zone, _tz in MATRIX_ZONES.items():
    for _fname, _freq in MATRIX_FREQS.items():
        for _axis_name, _axis in MATRIX_AXES.items():
            _name = f"Grid_{_zone}_{_fname}_{_axis_name}"
            MATRIX[(_tz, _freq, _axis_name)] = type(
                _name,
                (TimeseriesChunkStore,),
                {
                    "__module__": __name__,
                    "name": models.CharField(max_length=16),
                    "DISTRIBUTE_BY": "name",
                    "STORE_TZ": _tz,
                    "STORE_FREQ": _freq,
                    "CHUNK_AXIS": _axis,
                },
            )
            globals()[_name] = MATRIX[(_tz, _freq, _axis_name)]


class SyncedStore(TimeseriesChunkStore):
    """Declares holcstore 0.6's ``ALLOW_CLIENT_SERVER_SYNC = True``."""

    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32)

    ALLOW_CLIENT_SERVER_SYNC = True


class UnsyncedStore(TimeseriesChunkStore):
    """Declares holcstore 0.6's ``ALLOW_CLIENT_SERVER_SYNC = False``: no sync."""

    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32)

    ALLOW_CLIENT_SERVER_SYNC = False


class LoadStore(Store):
    """A Store as holcstore 0.5/0.6's README declares one."""

    DISTRIBUTE_BY = "prm"

    class Meta(Store.Meta):
        abstract = False


class YearLoadStore(Store):
    """A Store with a field of its own (set with ``attributes_to_set``), and no Meta."""

    DISTRIBUTE_BY = "client_id"

    year = models.IntegerField(default=0)


class YearKindSeries(TimeseriesStore):
    """A TimeseriesStore as holcstore 0.5/0.6's README declares one."""

    DISTRIBUTE_BY = "kind"

    year = models.IntegerField()
    kind = models.CharField(max_length=100)

    class Meta(TimeseriesStore.Meta):
        unique_together = ("year", "kind")


class FrameStore(DataFrameStore):
    DISTRIBUTE_BY = "client_id"

    class Meta(DataFrameStore.Meta):
        abstract = False


class OtherFrameStore(DataFrameStore):
    """A second DataFrameStore in one app (0.6's fixed constraint name forbade it)."""

    DISTRIBUTE_BY = "key"


class MeterSeries(TimeseriesStore):
    """A TimeseriesStore keyed by one ``unique=True`` field, with a field outside its key."""

    DISTRIBUTE_BY = "meter"

    meter = models.CharField(max_length=32, unique=True)
    unit = models.CharField(max_length=8, default="kW")


class SiteChannelSeries(TimeseriesStore):
    """A TimeseriesStore declaring no uniqueness: all its fields identify a series."""

    DISTRIBUTE_BY = "site"

    site = models.CharField(max_length=16)
    channel = models.IntegerField()
