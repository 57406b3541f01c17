"""The server refuses anything but exact business-key filters, caps sizes, and applies the
permission, authentication and throttle classes given to ``as_factory``."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from hostore.exceptions import SyncConfigurationError, SyncHTTPError
from hostore.sync import TimeseriesChunkStoreSyncViewSet
from tests.conftest import snapshot
from tests.testapp.models import HourlyMirror, HourlyStore

from .test_pull import same_stores, serie

URL = "/api/sync/hourly"


@pytest.fixture
def server(db):
    for version in range(3):
        HourlyStore.set_ts({"version": version, "kind": "k"}, serie(scale=version + 1.0))
    return HourlyStore


def store_queries(queries) -> list[str]:
    table = HourlyStore._meta.db_table
    return [q["sql"] for q in queries.captured_queries if table in q["sql"]]


@pytest.mark.parametrize(
    "query",
    [
        "id__gt=1",
        "kind__regex=.*",
        "kind__startswith=k",
        "version__in=1,2",
        "version__gt=0",
        "data=x",
        "is_deleted=true",
        "chunk_index=24288",
        "sync_seq=1",
        "updated_at__lt=2030-01-01",
        "pk=1",
        "id=1",
        "foo=1",
        "kind__version__name=x",
        "format=json",
    ],
)
def test_updates_refuses_anything_but_business_keys(server, query):
    before = snapshot(HourlyStore)
    with CaptureQueriesContext(connection) as queries:
        answer = Client().get(f"{URL}/updates/?{query}")
    assert answer.status_code == 400
    name = query.split("=")[0]
    assert name in answer.json()["detail"] and "business keys" in answer.json()["detail"]
    assert store_queries(queries) == []  # refused before any query on the store
    assert snapshot(HourlyStore) == before


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("version=abc", "version", "integer"),
        ("version=99999999999999999999", "version", "less than or equal"),
        ("kind=" + "x" * 21, "kind", "at most 20"),
        ("kind=a%00b", "kind", "NUL"),
        ("limit=0", "limit", "at least 1"),
        ("limit=-5", "limit", "at least 1"),
        ("limit=ten", "limit", "integer"),
        ("offset=-1", "offset", "at least 0"),
        ("since=yesterday", "since", "ISO 8601"),
        ("since=c1.99999999999999999999.1", "since", "ISO 8601"),
        ("since=c1.1.1.999999999999999999", "since", "out of range"),
        ("since=2024-13-45", "since", "ISO 8601"),
        ("version=1&version=2", "version", "more than once"),
        ("since=0001-01-01T00:00:00%2B05:00", "since", "out of range"),
    ],
)
def test_updates_refuses_bad_values_with_a_message(server, query, field, message):
    before = snapshot(HourlyStore)
    answer = Client().get(f"{URL}/updates/?{query}")
    assert answer.status_code == 400, answer.content
    assert message in " ".join(answer.json()[field])
    assert snapshot(HourlyStore) == before


def test_updates_takes_exact_keys_iso_times_and_cursors(server):
    page = Client().get(f"{URL}/updates/?version=1&kind=k&limit=1").json()
    assert [c["attrs"] for c in page["results"]] == [{"version": 1, "kind": "k"}]
    assert page["next"] and "since=c1." in page["next"] and "version=1" in page["next"]
    rest = Client().get(page["next"]).json()
    assert [c["chunk_index"] for c in rest["results"]] == [2024 * 12 + 1]
    assert rest["next"] is None and rest["cursor"] == rest["results"][-1]["cursor"]
    when = HourlyStore.objects.filter(version=2).values_list("updated_at", flat=True)[0]
    stamped = Client().get(f"{URL}/updates/", {"since": when.isoformat()}).json()
    assert {c["attrs"]["version"] for c in stamped["results"]} == {2}
    assert Client().get(f"{URL}/updates/?since=2024-01-01").status_code == 200


@override_settings(HOSTORE={"SYNC_MAX_PAGE_SIZE": 4, "SYNC_PAGE_SIZE": 2})
def test_page_sizes_are_capped(server):
    page = Client().get(f"{URL}/updates/?limit=100000").json()
    assert len(page["results"]) == 4 and page["limits"]["page"] == 4
    assert "limit=4" in page["next"]
    assert len(Client().get(f"{URL}/updates/").json()["results"]) == 2


def pack(body, **headers):
    return Client().post(f"{URL}/pack/", json.dumps(body), "application/json", **headers)


A = {"version": 1, "kind": "k"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"attrs": A, "chunk_index": 1}, "unknown field"),
        ("all", "list"),
        ([{"attrs": A}], "chunk_index"),
        ([{"attrs": A, "chunk_index": "24288"}], "chunk_index"),
        ([{"attrs": A, "chunk_index": True}], "chunk_index"),
        ([{"attrs": A, "chunk_index": 2**40}], "chunk_index"),
        ([{"attrs": {"version": 1}, "chunk_index": 1}], "business keys"),
        ([{"attrs": {**A, "kind__regex": "."}, "chunk_index": 1}], "business keys"),
        ([{"attrs": {"version": "x", "kind": "k"}, "chunk_index": 1}], "integer"),
        ([{"attrs": {"version": 1, "kind": ["k"]}, "chunk_index": 1}], "single value"),
        ([{"attrs": A, "chunk_index": 1, "data": "AAAA"}], "unknown field"),
        ([["not", "a", "dict"]], "object"),
        ({"chunks": [], "codecs": "lz4"}, "list of codec"),
        ({"chunks": [], "where": "1=1"}, "unknown field"),
    ],
)
def test_pack_refuses_a_bad_body_with_a_message(server, body, message):
    before = snapshot(HourlyStore)
    answer = pack(body)
    assert answer.status_code == 400
    assert message in json.dumps(answer.json())
    assert snapshot(HourlyStore) == before


@override_settings(HOSTORE={"SYNC_MAX_PACK_ITEMS": 3})
def test_pack_sizes_are_capped_and_the_client_follows_the_cap(server, make_client, adapter):
    body = [{"attrs": A, "chunk_index": 2024 * 12 + i} for i in range(4)]
    answer = pack(body)
    assert answer.status_code == 400 and "at most 3" in answer.json()["detail"][0]
    client = make_client()
    assert client.pull(batch=50).fetched == 6  # batches of 3, as the pages announce
    packs = adapter.calls("POST", "pack")
    assert len(packs) == 2 and all(status == 200 for _, _, status in packs)
    same_stores()


def test_pack_takes_the_changes_of_a_page_as_holcstore_06_echoes_them(server):
    changes = Client().get(f"{URL}/updates/?version=0").json()["results"]
    answer = Client().generic("GET", f"{URL}/pack/", json.dumps(changes), "application/json")
    assert answer.status_code == 200
    assert [i["attrs"]["chunk_index"] for i in answer.json()] == [2024 * 12, 2024 * 12 + 1]


def test_the_permission_and_authentication_classes_apply(server, make_client):
    with pytest.raises(SyncHTTPError, match="401"):
        make_client("private").pull()
    user = User.objects.create_user("puller")
    token = Token.objects.create(user=user)
    client = make_client("private", requests_get_kwargs={"headers": {"Authorization": "Token x"}})
    with pytest.raises(SyncHTTPError, match=r"401.*Invalid token"):
        client.pull()
    headers = {"Authorization": f"Token {token.key}"}
    assert make_client("private", requests_get_kwargs={"headers": headers}).pull().fetched == 6
    same_stores()


def test_the_throttle_applies_and_the_client_waits_as_told(server, make_client, monkeypatch):
    """3 requests a minute: the client is told to wait, waits, and finishes."""
    clock = [1_000_000.0]
    monkeypatch.setattr(ScopedRateThrottle, "timer", lambda self: clock[0])
    client = make_client("throttled", retry_max_time=600)

    def sleep(seconds: float) -> None:
        client.slept.append(seconds)
        clock[0] += seconds

    client.http.sleep = sleep
    assert client.pull(batch=2).fetched == 6  # 1 page + 3 packs: one more than allowed
    assert len(client.slept) == 1 and 0 < client.slept[0] <= 60
    same_stores()


def test_a_store_that_refuses_sync_is_refused():
    from tests.testapp.models import UnsyncedStore

    with pytest.raises(SyncConfigurationError, match="ALLOW_CLIENT_SERVER_SYNC = False"):
        TimeseriesChunkStoreSyncViewSet.as_factory(UnsyncedStore)
    with pytest.raises(SyncConfigurationError, match="concrete TimeseriesChunkStore"):
        TimeseriesChunkStoreSyncViewSet.as_factory(User)
    with pytest.raises(SyncConfigurationError, match="abstract"):
        TimeseriesChunkStoreSyncViewSet.as_factory(HourlyMirror.__bases__[0])


def test_holcstore_06_subclasses_setting_store_model_work(server):
    class LegacyStyle(TimeseriesChunkStoreSyncViewSet):
        store_model = HourlyStore

    view = LegacyStyle.as_view({"get": "updates"})
    from rest_framework.test import APIRequestFactory

    answer = view(APIRequestFactory().get("/updates/", {"version": 2}))
    assert answer.status_code == 200 and len(answer.data["results"]) == 2


def test_options_describes_the_endpoint(server):
    answer = Client().options(f"{URL}/pack/")
    assert answer.status_code == 200
    assert "application/vnd.hostore.pack" in answer.json()["renders"]


def test_a_first_pull_from_the_epoch_is_a_pull_by_cursor(server):
    page = Client().get(f"{URL}/updates/", {"since": "1970-01-01T00:00:00+00:00"}).json()
    assert len(page["results"]) == 6
    assert all(c["cursor"].count(".") == 2 for c in page["results"])  # no time filter kept
