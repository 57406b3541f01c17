"""Pulling a store: the client ends equal to the server, and pulls only what changed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.testapp.models import HourlyMirror, HourlyStore

A = {"version": 1, "kind": "a"}
B = {"version": 2, "kind": "b"}
C = {"version": 1, "kind": "c"}


def serie(start="2024-01-30", periods=72, scale=1.0) -> pd.Series:
    idx = pd.date_range(start, periods=periods, freq="1h", tz="Europe/Paris")
    return pd.Series(np.arange(periods, dtype=float) * scale + 1, index=idx)


def same_stores(server=HourlyStore, client=HourlyMirror, filters=None) -> None:
    """Every series of the server (matching ``filters``) equals the client's, and the client
    holds no other."""
    want = {tuple(a.values()): s for s, a in server.yield_many_ts(filters)}
    got = {tuple(a.values()): s for s, a in client.yield_many_ts(filters)}
    assert sorted(got) == sorted(want)
    for key, s in want.items():
        pd.testing.assert_series_equal(got[key], s)


@pytest.fixture
def server(db):
    HourlyStore.set_ts(A, serie())
    HourlyStore.set_ts(B, serie(scale=2.0))
    HourlyStore.set_ts(C, serie("2023-06-01", 24 * 90, 3.0))
    return HourlyStore


def test_a_first_pull_copies_every_series(server, make_client):
    result = make_client().pull()
    chunks = HourlyStore.objects.count()
    assert result == (chunks, 0) and result.fetched == chunks
    same_stores()


def test_a_second_pull_transfers_nothing(server, make_client, adapter):
    client = make_client()
    client.pull()
    adapter.reset()
    assert client.pull() == (0, 0)
    assert adapter.calls("POST") == [] and len(adapter.calls("GET", "updates")) == 1


def test_updates_replacements_and_deletions_reach_the_client(server, make_client, adapter):
    client = make_client()
    client.pull(batch=2, page_size=3)
    HourlyStore.set_ts(A, serie("2024-02-01 12:00", 5, 10.0), update=True)
    HourlyStore.set_ts(B, serie("2024-03-05", 4, 7.0), replace=True)  # Jan/Feb chunks go
    HourlyStore.objects.filter(kind="c", chunk_index=2023 * 12 + 6).delete()
    adapter.reset()
    result = client.pull(batch=2, page_size=3)
    # A: February rewritten; B: March written, January and February deleted; C: July deleted
    assert result == (2, 3)
    same_stores()
    # only the changed live chunks travelled
    asked = [json.loads(b)["chunks"] for b in adapter.bodies if b"chunks" in b]
    assert sorted((c["attrs"]["kind"], c["chunk_index"]) for p in asked for c in p) == [
        ("a", 2024 * 12 + 1),
        ("b", 2024 * 12 + 2),
    ]


def test_a_pull_of_filtered_series_leaves_the_others(server, make_client):
    client = make_client()
    assert (
        client.pull(filters={"version": 1}).fetched == HourlyStore.objects.filter(version=1).count()
    )
    same_stores(filters={"version": 1})
    assert not HourlyMirror.objects.filter(version=2).exists()
    HourlyStore.set_ts(A, serie("2024-05-01", 3), update=True)
    HourlyStore.set_ts(B, serie("2024-05-01", 3), update=True)
    assert client.pull(filters={"version": 1}) == (1, 0)
    assert not HourlyMirror.objects.filter(version=2).exists()
    same_stores(filters={"version": 1})
    # a pull of all series is another cursor: it brings the rest
    client.pull()
    same_stores()


def test_a_series_deleted_then_written_again_comes_back(server, make_client):
    client = make_client()
    client.pull()
    HourlyStore.objects.filter(kind="a").delete()
    client.pull()
    assert HourlyMirror.get_ts(A) is None
    HourlyStore.set_ts(A, serie("2024-07-01", 10, 5.0))
    client.pull()
    same_stores()
