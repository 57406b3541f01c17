"""holcstore 0.6 stores mirroring the keys and settings of our test stores.

0.6 needs ``ALLOW_CLIENT_SERVER_SYNC = True`` to serve or pull a store (it is also part of
0.6's table name); the codec of our ZstdStore has no 0.6 counterpart: 0.6 keeps LZ4 only.
"""

from django.db import models

from hostore.models import TimeseriesChunkStore


class LegacyHourly(TimeseriesChunkStore):
    """Our HourlyStore/HourlyMirror: keys version and kind, 1h, monthly chunks, Paris."""

    version = models.IntegerField()
    kind = models.CharField(max_length=20)

    ALLOW_CLIENT_SERVER_SYNC = True


class LegacyHalfHourly(TimeseriesChunkStore):
    """Our ZstdStore: key meter, 30min, monthly chunks, Paris."""

    meter = models.CharField(max_length=32)

    STORE_FREQ = "30min"
    ALLOW_CLIENT_SERVER_SYNC = True


class LegacyYearly(TimeseriesChunkStore):
    """Our YearlyStore: key meter, 30min, yearly chunks, Paris."""

    meter = models.CharField(max_length=32)

    STORE_FREQ = "30min"
    CHUNK_AXIS = ("year",)
    ALLOW_CLIENT_SERVER_SYNC = True


# the names the driver and the tests use for these stores
STORES = {"hourly": LegacyHourly, "halfhourly": LegacyHalfHourly, "yearly": LegacyYearly}
