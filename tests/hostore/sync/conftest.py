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
    in-process server, never sleeping for real between retries (sleeps are recorded)."""

    def make(path: str = "hourly", model=HourlyMirror, **kwargs) -> TimeseriesChunkStoreSyncClient:
        client = TimeseriesChunkStoreSyncClient(
            endpoint=f"{BASE}/{path}/", store_model=model, **kwargs
        )
        client.http.session.mount("http://testserver/", adapter)
        client.slept = []
        client.http.sleep = client.slept.append
        return client

    return make
