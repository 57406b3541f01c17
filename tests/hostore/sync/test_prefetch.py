"""The prefetching client: the next batch downloads (in a thread) while one is imported;
results and failure semantics are those of the plain client.

These tests commit their data (``transactional_db``): the in-process server then answers the
download thread on its own database connection, as a real server would.
"""

from __future__ import annotations

import pytest
from django.db import connections

from hostore.exceptions import SyncHTTPError
from tests.testapp.models import HourlyMirror, HourlyStore

from .test_faults import asked_chunks
from .test_pull import same_stores, serie


@pytest.fixture
def server(transactional_db):
    for version in range(6):  # 6 series x 2 chunks
        HourlyStore.set_ts({"version": version, "kind": "k"}, serie(scale=version + 1.0))
    yield HourlyStore
    connections.close_all()


def test_packs_download_in_a_thread_while_batches_import(server, make_client, adapter):
    client = make_client(prefetch=True)
    assert client.pull(batch=3, page_size=12) == (12, 0)
    same_stores()
    log = zip(adapter.log, adapter.threads, strict=True)
    pack_threads = [t for (_, p, _), t in log if "pack" in p]
    assert len(pack_threads) == 4 and all(t.startswith("hostore-pull") for t in pack_threads)
    assert client.pull() == (0, 0)


def test_a_failed_download_stops_after_the_batches_before_it(server, make_client, adapter):
    calls = [0]

    def third_pack_down(request):
        if "pack" in request.url:
            calls[0] += 1
            if calls[0] >= 3:
                return (500, {}, b"down")
        return None

    adapter.faults.append(third_pack_down)
    client = make_client(prefetch=True, retry_max_tries=2)
    with pytest.raises(SyncHTTPError, match="500"):
        client.pull(batch=4, page_size=12)
    assert HourlyMirror.objects.count() == 8
    first = asked_chunks(adapter)
    adapter.faults.clear()
    adapter.reset()
    assert client.pull(batch=4, page_size=12) == (4, 0)
    assert not set(asked_chunks(adapter)) & set(first)
    same_stores()


def test_a_failed_import_keeps_the_batches_before_it(server, make_client, monkeypatch):
    real = HourlyMirror.import_chunks.__func__
    calls = [0]

    def crashing(cls, payload):
        calls[0] += 1
        if calls[0] == 2:
            raise MemoryError("killed during the import")
        return real(cls, payload)

    monkeypatch.setattr(HourlyMirror, "import_chunks", classmethod(crashing))
    client = make_client(prefetch=True)
    with pytest.raises(MemoryError):
        client.pull(batch=5, page_size=20)
    assert HourlyMirror.objects.count() == 5
    monkeypatch.undo()
    assert client.pull(batch=5, page_size=20) == (7, 0)
    same_stores()
