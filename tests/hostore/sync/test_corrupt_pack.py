"""A damaged chunk on the server: ``pack/`` names it, never ships it (issue 14)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from django.test import Client

from hostore.sync import protocol
from tests.hostore.management.commands import raw_update
from tests.testapp.models import ZstdStore


@pytest.fixture
def served(db):
    idx = pd.date_range("2024-01-15", periods=48 * 40, freq="30min", tz="Europe/Paris")
    ZstdStore.set_ts({"meter": "m0"}, pd.Series(np.arange(len(idx)) * 1.5, index=idx))
    changes = Client().get("/api/sync/zstd/updates/").json()["results"]
    return {"chunks": [{"attrs": c["attrs"], "chunk_index": c["chunk_index"]} for c in changes]}


@pytest.mark.parametrize("accept", ["*/*", protocol.PACK_MEDIA_TYPE])
def test_pack_of_a_damaged_chunk_names_it(served, accept):
    row = ZstdStore.objects.get(meter="m0", chunk_index=2024 * 12 + 1)
    blob = bytearray(row.data)
    blob[len(blob) // 2] ^= 0x08
    raw_update(ZstdStore, row.pk, data=bytes(blob))
    answer = Client().post(
        "/api/sync/zstd/pack/", json.dumps(served), "application/json", HTTP_ACCEPT=accept
    )
    assert answer.status_code == 500
    detail = json.loads(answer.content)["detail"]
    assert detail.startswith(
        "testapp.ZstdStore: chunk 24289 (2024-02) of the series {'meter': 'm0'} is damaged: "
    )
    assert "checksum" in detail
