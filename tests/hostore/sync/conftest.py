"""Fixtures of the sync tests: a client whose HTTP goes to this process's Django app."""

from __future__ import annotations

import pytest

from hostore.sync import TimeseriesChunkStoreSyncClient
from tests.testapp.models import HourlyMirror

from .transport import DjangoAdapter

BASE = "http://testserver/api/sync"


@pytest.fixture
def adapter() -> DjangoAdapter:
    return DjangoAdapter()


@pytest.fixture
def make_client(adapter):
    """``make_client(path="hourly", model=HourlyMirror, **kwargs)``: a pull client on the
    in-process server, never sleeping for real between retries (sleeps are recorded).

    Without prefetch by default: a download in another thread would run the server's view
    on another database connection, which does not see the test's uncommitted data (tests
    of the prefetching client use ``transactional_db``)."""

    def make(path: str = "hourly", model=HourlyMirror, **kwargs) -> TimeseriesChunkStoreSyncClient:
        kwargs.setdefault("prefetch", False)
        client = TimeseriesChunkStoreSyncClient(
            endpoint=f"{BASE}/{path}/", store_model=model, **kwargs
        )
        client.http.session.mount("http://testserver/", adapter)
        client.slept = []
        client.http.sleep = client.slept.append
        return client

    return make
