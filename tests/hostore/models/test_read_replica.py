"""Reads follow ``router.db_for_read`` (a read replica), writes ``router.db_for_write``."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from tests.testapp.models import FrameStore, HourlyStore, LoadStore, YearKindSeries


class ReplicaRouter:
    """Reads from ``replica``, writes to ``default`` (the scaling guide's router)."""

    def db_for_read(self, model, **hints):
        return "replica"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, *objects, **hints):
        return True


def _series(seed: int) -> pd.Series:
    index = pd.date_range("2024-03-20", periods=24 * 30, freq="1h", tz="Europe/Paris")
    return pd.Series(np.random.default_rng(seed).uniform(0, 9, len(index)).round(3), index=index)


@pytest.fixture
def written(transactional_db):
    """Series of each kind of store, committed through ``default``."""
    for i in range(3):
        HourlyStore.set_ts({"version": i, "kind": "load"}, _series(i))
    LoadStore.set_lc("prm1", _series(10), client_id=1)
    YearKindSeries.set_ts({"year": 2024, "kind": "load"}, _series(11))
    FrameStore.update_or_create_df(1, "frame", pd.DataFrame({"a": [1.0, 2.0]}))


def _reads() -> dict:
    window = HourlyStore.get_ts(
        {"version": 1, "kind": "load"},
        pd.Timestamp("2024-04-01", tz="Europe/Paris"),
        pd.Timestamp("2024-04-02", tz="Europe/Paris"),
    )
    return {
        "one": HourlyStore.get_ts({"version": 0, "kind": "load"}),
        "window": window,
        "many": HourlyStore.get_many_ts({"kind": "load"}),
        "streamed": {a["version"]: s for s, a in HourlyStore.yield_many_ts({"kind": "load"})},
        "max": HourlyStore.get_max_horodate(),
        "total": HourlyStore.total_ts({"kind": "load"}),
        "coverage": HourlyStore.coverage({"kind": "load"}),
        "curve": LoadStore.get_lc("prm1", client_id=1)[0]["data"],
        "timeseries": YearKindSeries.get_ts({"year": 2024, "kind": "load"}, flat=True),
        "frame": FrameStore.load_df(1, "frame"),
    }


@pytest.mark.django_db(databases=["default", "replica"], transaction=True)
def test_reads_go_to_the_replica_and_return_the_same(written, settings):
    expected = _reads()
    settings.DATABASE_ROUTERS = [f"{__name__}.ReplicaRouter"]
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        got = _reads()
    assert on_default.captured_queries == []
    assert len(on_replica.captured_queries) >= len(got)
    for name, value in expected.items():
        if isinstance(value, (pd.Series, pd.DataFrame)):
            assert value.equals(got[name]), name
        elif name == "streamed":
            assert value.keys() == got[name].keys()
            assert all(value[k].equals(got[name][k]) for k in value)
        else:
            assert value == got[name], name
    assert expected["one"].equals(_series(0)) and len(expected["streamed"]) == 3


@pytest.mark.django_db(databases=["default", "replica"], transaction=True)
def test_writes_go_to_the_write_database(written, settings):
    settings.DATABASE_ROUTERS = [f"{__name__}.ReplicaRouter"]
    with (
        CaptureQueriesContext(connections["default"]) as on_default,
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        HourlyStore.set_ts({"version": 9, "kind": "load"}, _series(9))
        HourlyStore.set_ts({"version": 9, "kind": "load"}, _series(8), update=True)
        LoadStore.set_lc("prm2", _series(12), client_id=1)
    assert on_replica.captured_queries == [] and len(on_default.captured_queries) > 3
    assert HourlyStore.get_ts({"version": 9, "kind": "load"}).equals(_series(8))
