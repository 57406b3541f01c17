"""Store reads: combined versions, delays, groups, filters, counting and clearing."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostore.exceptions import InvalidAttrsError
from tests.conftest import rolled_back
from tests.testapp.models import LoadStore, YearLoadStore

from .store_data import at, curve

NAN = np.nan


@pytest.fixture
def three_versions(db):
    """v0 = 1 1 1 1 NaN from 00:00; v1 = 2 NaN 2 from 00:30; v2 = 3 3 from 01:30."""
    LoadStore.set_lc(
        "A", pd.Series([1, 1, 1, 1, NAN], at("00:00", "00:30", "01:00", "01:30", "02:00")), 1, True
    )
    LoadStore.set_lc("A", pd.Series([2, NAN, 2], at("00:30", "01:00", "01:30")), 1, True)
    LoadStore.set_lc("A", pd.Series([3.0, 3.0], at("01:30", "02:00")), 1, True)


def test_the_newest_version_wins_where_it_has_values(three_versions):
    [entry] = LoadStore.get_lc("A", 1)
    assert entry["version"] == 2  # the winner's row
    assert entry["data"].tolist() == [1, 2, 1, 3, 3]
    assert entry["data"].index.equals(at("00:00", "00:30", "01:00", "01:30", "02:00"))
    [oldest_first] = LoadStore.get_lc("A", 1, order_by=("version",))
    assert oldest_first["version"] == 0 and oldest_first["data"].tolist() == [1, 1, 1, 1, 3]


def test_every_version_or_one_version(three_versions):
    every = LoadStore.get_lc("A", 1, combined_versions=False)
    assert [e["version"] for e in every] == [2, 1, 0]
    assert every[1]["data"].dropna().tolist() == [2, 2]
    [one] = LoadStore.get_lc("A", 1, version=1)
    assert one["version"] == 1 and one["data"].dropna().tolist() == [2, 2]
    assert LoadStore.get_lc("A", 1, version=7) == []
    assert LoadStore.get_lc("Z", 1) == [] and LoadStore.get_lc("A", 2) == []


def test_a_delay_drops_the_start_of_each_version_before_combining(three_versions):
    [entry] = LoadStore.get_lc("A", 1, combined_delay=pd.Timedelta("1h"))
    # v2 keeps nothing, v1 keeps 01:30, v0 keeps 01:00 to 02:00: the winner's row is still v2
    assert entry["version"] == 2
    assert entry["data"].index.equals(at("01:00", "01:30", "02:00"))
    assert entry["data"].tolist()[:2] == [1, 2] and np.isnan(entry["data"].iloc[2])
    not_combined = LoadStore.get_lc(
        "A", 1, combined_versions=False, combined_delay=pd.Timedelta("1h")
    )
    assert [len(e["data"]) for e in not_combined] == [2, 3, 5]  # the delay only combines


def test_combined_by_groups_what_combines(db):
    for year, value in ((2020, 1.0), (2021, 2.0)):
        YearLoadStore.set_lc(
            "A", curve(values=[value] * 4), 1, True, attributes_to_set={"year": year}
        )
    # default: one group per prm, the newest version (2021's) wins
    assert [e["data"].iloc[0] for e in YearLoadStore.get_lc("A", 1)] == [2.0]
    by_year = YearLoadStore.get_lc("A", 1, combined_by=("prm", "year"))
    assert sorted((e["year"], e["data"].iloc[0]) for e in by_year) == [(2020, 1.0), (2021, 2.0)]
    assert len(YearLoadStore.get_lc("A", 1, combined_by=("version",))) == 2
    only_2020 = YearLoadStore.get_lc("A", 1, custom_filters={"year": 2020})
    assert [e["year"] for e in only_2020] == [2020]
    assert len(YearLoadStore.get_lc("A", 1, custom_filters={"version__lte": 0})) == 1


def test_get_many_lc_reads_many_prms_as_0_6_did(three_versions):
    LoadStore.set_lc("B", curve(), 1)
    got = LoadStore.get_many_lc(["A", "B", "C"], 1)
    assert isinstance(got, defaultdict) and set(got) == {"A", "B"}
    assert got["A"][0]["data"].tolist() == [1, 2, 1, 3, 3] and got["C"] == []
    assert len(LoadStore.get_many_lc(["A"], 1, combined_versions=False)["A"]) == 3
    assert set(LoadStore.get_many_lc("A", 1)) == {"A"}  # a bare prm, not its characters


def test_get_last_version_lc(three_versions):
    last = LoadStore.get_last_version_lc("A", 1)
    assert last.tolist() == [3.0, 3.0]
    assert LoadStore.get_last_version_lc("A", 1, order_by=("version",)).iloc[0] == 1
    assert LoadStore.get_last_version_lc("Z", 1) is None


def test_count_clear_and_clear_all(three_versions):
    LoadStore.set_lc("B", curve(), 1)
    LoadStore.set_lc("B", curve(), 2)
    assert LoadStore.count(1) == 4 and LoadStore.count(1, custom_filters={"prm": "A"}) == 3
    LoadStore.clear(["A"], 1, version=0)
    assert sorted(LoadStore.objects.filter(prm="A").values_list("version", flat=True)) == [1, 2]
    LoadStore.clear(["A", "B"], 1)
    assert list(LoadStore.objects.values_list("prm", "client_id")) == [("B", 2)]
    LoadStore.set_lc("C", curve(), 3)
    LoadStore.clear_all(client_id=2)
    assert list(LoadStore.objects.values_list("client_id", flat=True)) == [3]
    LoadStore.clear_all(custom_filters={"prm": "X"})
    assert LoadStore.objects.count() == 1
    LoadStore.clear_all()
    assert not LoadStore.objects.exists()


@pytest.mark.parametrize(
    "call",
    [
        lambda: LoadStore.get_lc("A", 1, custom_filters={"colour": 1}),
        lambda: LoadStore.get_many_lc(["A"], 1, custom_filters={"colour__in": [1]}),
        lambda: LoadStore.get_lc("A", 1, order_by=("-colour",)),
        lambda: LoadStore.count(1, custom_filters={"data__isnull": True, "x": 1}),
        lambda: LoadStore.clear(["A"], 1, custom_filters={"x": 1}),
        lambda: LoadStore.clear_all(custom_filters={"x": 1}),
        lambda: LoadStore.get_lc("A", 1, custom_filters=["prm"]),
        lambda: LoadStore.get_lc("A", 1, combined_by=("colour",)),
    ],
)
def test_unknown_fields_are_clear_errors(three_versions, call):
    before = LoadStore.objects.count()
    with pytest.raises(InvalidAttrsError):
        call()
    assert LoadStore.objects.count() == before


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(-5, 5)), min_size=1, max_size=8),
        min_size=1,
        max_size=4,
    )
)
def test_combining_versions_is_pandas_combine_first_newest_first(db, versions):
    with rolled_back():
        curves = []
        for values in versions:
            c = curve(periods=len(values), values=[NAN if v is None else v for v in values])
            curves.append(c.rename("A"))
            if c.notna().any():
                LoadStore.set_lc("A", c, 1, versionning=True)
        stored = [c for c in curves if c.notna().any()]
        got = LoadStore.get_lc("A", 1)
        if not stored:
            assert got == []
            return
        expected = stored[-1]
        for older in reversed(stored[:-1]):
            expected = expected.combine_first(older)
        pd.testing.assert_series_equal(got[0]["data"], expected, check_freq=False)
