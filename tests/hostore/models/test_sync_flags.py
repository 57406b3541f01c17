"""holcstore 0.6's sync switches keep their published meaning: ``ALLOW_CLIENT_SERVER_SYNC``
and ``delete(keep_tracking=...)``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hostore.exceptions import SyncConfigurationError, SyncSafetyError
from hostore.sync import TimeseriesChunkStoreSyncClient
from tests.conftest import snapshot
from tests.testapp.models import HourlyStore, SyncedStore, UnsyncedStore


def serie() -> pd.Series:
    idx = pd.date_range("2024-01-31", periods=48, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(48.0), index=idx)


@pytest.mark.parametrize("store", [SyncedStore, UnsyncedStore, HourlyStore])
def test_keep_tracking_true_leaves_tombstones(db, store):
    attrs = {"version": 1, "kind": "a"} if store is HourlyStore else {"meter": "m"}
    store.set_ts(attrs, serie())
    store.objects.filter(chunk_index=2024 * 12).delete(keep_tracking=True)
    rows = dict(store.objects.values_list("chunk_index", "is_deleted"))
    assert rows == {2024 * 12: True, 2024 * 12 + 1: False}
    instance = store.objects.get(chunk_index=2024 * 12 + 1)
    instance.delete(keep_tracking=True)
    assert store.objects.filter(is_deleted=True).count() == 2 and store.get_ts(attrs) is None


def test_keep_tracking_false_is_refused_by_a_store_declaring_sync(db):
    SyncedStore.set_ts({"meter": "m"}, serie())
    before = snapshot(SyncedStore)
    with pytest.raises(SyncSafetyError, match="ALLOW_CLIENT_SERVER_SYNC = True"):
        SyncedStore.objects.all().delete(keep_tracking=False)
    with pytest.raises(SyncSafetyError):
        SyncedStore.objects.first().delete(keep_tracking=False)
    assert snapshot(SyncedStore) == before
    SyncedStore.objects.all().delete(hard_delete=True)  # the explicit spelling still works
    assert not SyncedStore.objects.exists()


def test_keep_tracking_false_removes_rows_of_other_stores(db):
    UnsyncedStore.set_ts({"meter": "m"}, serie())
    UnsyncedStore.objects.filter(chunk_index=2024 * 12).delete(keep_tracking=False)
    assert list(UnsyncedStore.objects.values_list("chunk_index", flat=True)) == [2024 * 12 + 1]
    UnsyncedStore.objects.get().delete(keep_tracking=False)
    assert not UnsyncedStore.objects.exists()


def test_a_store_declaring_no_sync_cannot_be_pulled_into():
    with pytest.raises(SyncConfigurationError, match="ALLOW_CLIENT_SERVER_SYNC = False"):
        TimeseriesChunkStoreSyncClient(endpoint="http://server/api/", store_model=UnsyncedStore)
    client = TimeseriesChunkStoreSyncClient(endpoint="http://server/api/", store_model=SyncedStore)
    assert client.endpoint == "http://server/api"
    with pytest.raises(SyncConfigurationError, match="http"):
        TimeseriesChunkStoreSyncClient(endpoint="server/api", store_model=SyncedStore)
