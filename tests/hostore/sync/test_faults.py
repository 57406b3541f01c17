"""Faults: retries with backoff, Retry-After, bounded tries and time, timeouts, clear
refusals, and pulls that fail anywhere leave the client consistent and resume."""

from __future__ import annotations

import json

import pytest
import requests

from hostore.exceptions import InvalidAttrsError, SyncHTTPError
from tests.conftest import snapshot
from tests.testapp.models import HourlyMirror, HourlyStore

from .test_pull import same_stores, serie


@pytest.fixture
def server(db):
    for version in range(6):  # 6 series x 2 chunks
        HourlyStore.set_ts({"version": version, "kind": "k"}, serie(scale=version + 1.0))
    return HourlyStore


def failing(times: int, part: str, answer=None, error=None):
    """A fault: the first ``times`` requests whose URL contains ``part`` fail."""
    left = [times]

    def fault(request):
        if part in request.url and left[0] > 0:
            left[0] -= 1
            if error is not None:
                raise error
            return answer
        return None

    return fault


def asked_chunks(adapter) -> list[tuple]:
    """The chunks named in the pack requests the server answered."""
    names = []
    for (method, path, status), body in zip(adapter.log, adapter.bodies, strict=True):
        if method == "POST" and "pack" in path and status == 200:
            names += [(c["attrs"]["version"], c["chunk_index"]) for c in json.loads(body)["chunks"]]
    return names


@pytest.mark.parametrize(
    "fault",
    [
        failing(2, "pack", error=requests.ConnectionError("connection reset by peer")),
        failing(2, "updates", error=requests.ReadTimeout("read timed out")),
        failing(1, "pack", error=requests.exceptions.ChunkedEncodingError("body cut short")),
        failing(3, "updates", answer=(503, {}, b"down for maintenance")),
        failing(2, "pack", answer=(500, {}, b"oops")),
    ],
    ids=["dropped", "timeout", "cut-body", "503", "500"],
)
def test_transient_failures_are_retried_with_growing_jittered_waits(
    server, make_client, adapter, fault
):
    adapter.faults.append(fault)
    client = make_client()
    assert client.pull() == (12, 0)
    same_stores()
    waits = client.slept
    assert 1 <= len(waits) <= 3
    for attempt, wait in enumerate(waits):
        assert 0 <= wait <= 0.5 * 2**attempt  # full jitter under an exponential cap


def test_jitter_spreads_the_waits(server, make_client, adapter):
    adapter.faults.append(failing(1000, "updates", answer=(502, {}, b"bad gateway")))
    waits = []
    for _ in range(10):
        client = make_client(retry_max_tries=5)
        with pytest.raises(SyncHTTPError):
            client.pull()
        waits.append(tuple(client.slept))
    assert len(set(waits)) > 1  # not every client waits the same: no thundering herd


def test_429_waits_what_retry_after_says(server, make_client, adapter):
    adapter.faults.append(failing(2, "pack", answer=(429, {"Retry-After": "7"}, b"{}")))
    client = make_client()
    assert client.pull().fetched == 12
    assert client.slept == [7.0, 7.0]


def test_retries_are_bounded_in_tries(server, make_client, adapter):
    adapter.faults.append(failing(100, "updates", answer=(500, {}, b"boom")))
    client = make_client(retry_max_tries=4)
    with pytest.raises(SyncHTTPError, match=r"answered 500.*gave up after 4 tries") as info:
        client.pull()
    assert info.value.status == 500 and "/updates/" in info.value.url
    assert len(adapter.calls("GET", "updates")) == 4 and len(client.slept) == 3


def test_retries_are_bounded_in_time(server, make_client, adapter):
    """A Retry-After beyond the time left is not waited for: the client gives up at once."""
    adapter.faults.append(failing(100, "updates", answer=(429, {"Retry-After": "120"}, b"{}")))
    client = make_client(retry_max_time=30)
    with pytest.raises(SyncHTTPError, match="answered 429"):
        client.pull()
    assert client.slept == [] and len(adapter.calls()) == 1


def test_every_request_has_a_timeout(server, make_client, adapter):
    seen = []
    send = adapter.send

    def recording(request, **kwargs):
        seen.append(kwargs.get("timeout"))
        return send(request, **kwargs)

    adapter.send = recording
    make_client().pull()
    assert seen and all(t == (10.0, 120.0) for t in seen)
    seen.clear()
    make_client(requests_get_kwargs={"timeout": 3}).pull()
    assert seen and all(t == 3 for t in seen)


@pytest.mark.parametrize(
    ("path", "filters", "status", "message"),
    [
        ("nowhere", None, 404, "Not Found"),
        ("typed", {"version": 1}, 400, "version"),  # a key the server's store lacks
        ("private", None, 401, "credentials"),
    ],
)
def test_other_4xx_fail_at_once_naming_url_and_status(
    server, make_client, adapter, path, filters, status, message
):
    before = snapshot(HourlyMirror)
    with pytest.raises(SyncHTTPError, match=message) as info:
        make_client(path).pull(filters=filters)
    assert info.value.status == status and f"/{path}/updates/" in info.value.url
    assert f"answered {status}" in str(info.value) and info.value.url in str(info.value)
    assert len(adapter.log) == 1 and snapshot(HourlyMirror) == before


@pytest.mark.django_db
def test_a_filter_the_clients_store_refuses_fails_before_any_request(make_client, adapter):
    before = snapshot(HourlyMirror)
    with pytest.raises(InvalidAttrsError, match=r"'version' is refused: .*'not-a-number'"):
        make_client().pull(filters={"version": "not-a-number"})
    assert adapter.log == [] and snapshot(HourlyMirror) == before


def test_a_pull_that_keeps_failing_resumes_where_it_stopped(server, make_client, adapter):
    """The third pack request fails for good: two batches are imported with their cursor,
    and the next pull asks only for the chunks not imported yet."""
    calls = [0]

    def third_pack_down(request):
        if "pack" in request.url:
            calls[0] += 1
            if calls[0] >= 3:
                return (500, {}, b"down")
        return None

    adapter.faults.append(third_pack_down)
    client = make_client(retry_max_tries=2)
    with pytest.raises(SyncHTTPError):
        client.pull(batch=4, page_size=12)
    assert HourlyMirror.objects.count() == 8  # two whole batches, nothing of the third
    first = asked_chunks(adapter)
    adapter.faults.clear()
    adapter.reset()
    assert client.pull(batch=4, page_size=12) == (4, 0)
    again = asked_chunks(adapter)
    assert len(again) == 4 and not set(again) & set(first)
    same_stores()


def test_a_crash_inside_an_import_batch_loses_nothing(server, make_client, adapter, monkeypatch):
    """The import of the second batch raises half-way: that batch is rolled back with its
    cursor, the first stays, and the next pull brings exactly the rest."""
    real = HourlyMirror.import_chunks.__func__
    calls = [0]

    def crashing(cls, payload):
        calls[0] += 1
        real(cls, payload[:2])  # writes part of the batch, then dies
        if calls[0] == 2:
            raise MemoryError("killed during the import")
        return real(cls, payload)

    monkeypatch.setattr(HourlyMirror, "import_chunks", classmethod(crashing))
    client = make_client()
    with pytest.raises(MemoryError):
        client.pull(batch=5, page_size=20)
    assert HourlyMirror.objects.count() == 5  # the first batch only
    monkeypatch.undo()
    adapter.reset()
    assert client.pull(batch=5, page_size=20) == (7, 0)
    assert len(asked_chunks(adapter)) == 7
    same_stores()


def test_a_dropped_page_of_changes_is_asked_again_from_the_saved_cursor(
    server, make_client, adapter
):
    client = make_client()
    adapter.faults.append(failing(50, "since=c1", error=requests.ConnectionError("gone")))
    with pytest.raises(SyncHTTPError, match="ConnectionError"):
        client.pull(
            batch=2,
            page_size=4,
        )
    assert HourlyMirror.objects.count() == 4  # the first page, in two batches
    adapter.faults.clear()
    adapter.reset()
    assert client.pull(batch=2, page_size=4).fetched == 8
    same_stores()
