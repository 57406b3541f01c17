"""``manage.py hostore_verify`` on chunks damaged in the database behind the store's back."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hostore import codecs
from hostore.management.commands.hostore_verify import Command
from tests.hostore.management.commands import half_hours, raw_update, run
from tests.testapp.models import HourlyStore, MeterSeries, YearlyStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def healthy():
    YearlyStore.set_ts({"meter": "A"}, half_hours("2023-12-31", "2024-01-02"))
    YearlyStore.set_ts({"meter": "B"}, half_hours("2024-03-30", "2024-04-01", seed=1))
    hourly = half_hours("2024-03-30", "2024-04-01", seed=2).iloc[::2]
    HourlyStore.set_ts({"version": 1, "kind": "k"}, hourly)
    MeterSeries.set_ts({"meter": "m"}, half_hours("2024-03-30", "2024-04-01", seed=3))


def verify(*args) -> str:
    out, err = run("hostore_verify", "--no-progress", *args)
    assert err == ""
    return out


def test_a_healthy_store_passes(healthy):
    out = verify("testapp.YearlyStore", "testapp.HourlyStore", "testapp.MeterSeries")
    assert out == Command.SUMMARY.format(stores=3, rows=6, bad=0) + "\n"


def _blob(row) -> bytes:
    return bytes(row.data)


SLOTS = "the chunk has 17568 slots"  # 2024 is a leap year: 366 days of 48 half hours
CORRUPTIONS = {
    "truncated": (lambda row: {"data": _blob(row)[:20]}, "the blob does not decode"),
    "garbage": (lambda row: {"data": b"this is no blob at all"}, "the blob does not decode"),
    "wrong length": (
        lambda row: {"data": codecs.encode(np.zeros(10))},
        f"the blob holds 10 values, {SLOTS}",
    ),
    # the default codec's blob records its values' width (an lz4 one reads as 35136 floats)
    "float32": (lambda row: {"dtype": "float32"}, "the blob holds float64 values, not float32"),
    "not a float": (
        lambda row: {"dtype": "int64"},
        "dtype column says 'int64': chunks hold floats",
    ),
    "bad dtype": (lambda row: {"dtype": "nonsense"}, "is not a numpy dtype"),
    "misaligned": (
        lambda row: {"start_ts": row.start_ts + dt.timedelta(minutes=30)},
        r"start_ts 2023-12-31 23:30:00\+00:00 is not the chunk's first slot "
        r"2024-01-01 00:00:00\+01:00",
    ),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_each_damaged_chunk_is_reported(healthy, name):
    damage, message = CORRUPTIONS[name]
    row = YearlyStore.objects.get(meter="A", chunk_index=2024)
    raw_update(YearlyStore, row.pk, **damage(row))
    lines = failed("testapp.YearlyStore").splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("testapp.YearlyStore {'meter': 'A'} chunk 2024: ")
    assert re.search(message, lines[0]), lines[0]
    assert lines[1] == Command.SUMMARY.format(stores=1, rows=3, bad=1)


def test_every_store_by_default(healthy):
    row = YearlyStore.objects.get(meter="B")
    raw_update(YearlyStore, row.pk, data=b"")
    out = failed()
    assert "testapp.YearlyStore {'meter': 'B'} chunk 2024: the blob does not decode" in out
    assert out.splitlines()[-1].endswith(": 1 bad")


def failed(*labels) -> str:
    """stdout of a verification that fails with exit code 1, as it should."""
    out = io.StringIO()
    with pytest.raises(CommandError, match="bad row\\(s\\) found") as caught:
        call_command("hostore_verify", *labels, "--no-progress", stdout=out, stderr=io.StringIO())
    assert caught.value.returncode == 1
    return out.getvalue()


def test_monthly_chunks_and_several_problems(healthy):
    rows = list(HourlyStore.objects.order_by("chunk_index"))
    raw_update(HourlyStore, rows[0].pk, data=codecs.encode(np.zeros(10)))
    raw_update(HourlyStore, rows[1].pk, data=b"\x04\x22\x4d\x18garbage")
    out = failed("testapp.HourlyStore")
    lines = out.splitlines()
    assert lines[0] == (
        "testapp.HourlyStore {'version': 1, 'kind': 'k'} chunk 24290: "
        "the blob holds 10 values, the chunk has 743 slots"
    )
    assert lines[1].startswith(
        "testapp.HourlyStore {'version': 1, 'kind': 'k'} chunk 24291: the blob does not decode"
    )
    assert lines[2] == Command.SUMMARY.format(stores=1, rows=2, bad=2)


def test_key_value_blobs_are_decoded(healthy):
    row = MeterSeries.objects.get()
    raw_update(MeterSeries, row.pk, data=b"garbage")
    out = failed("testapp.MeterSeries")
    assert out.startswith(f"testapp.MeterSeries {{'pk': {row.pk}}}: the blob does not decode")


def test_help():
    text = Command().create_parser("manage.py", "hostore_verify").format_help()
    assert "--no-progress" in text and "exit code 1" in " ".join(text.split())


@pytest.mark.parametrize("codec_id", ["lz4", "shuffle-zstd", "delta", "pco"])
def test_a_flipped_byte_fails_the_checksum(healthy, codec_id):
    row = YearlyStore.objects.get(meter="A", chunk_index=2024)
    blob = bytearray(codecs.encode(codecs.decode(_blob(row), "float64"), codec_id))
    raw_update(YearlyStore, row.pk, data=bytes(blob))
    assert verify("testapp.YearlyStore").endswith(": 0 bad\n")
    blob[len(blob) // 2] ^= 0x04
    raw_update(YearlyStore, row.pk, data=bytes(blob))
    lines = failed("testapp.YearlyStore").splitlines()
    assert lines[0].startswith("testapp.YearlyStore {'meter': 'A'} chunk 2024: ")
    assert "the blob does not decode (CorruptBlobError" in lines[0]
    if codec_id != "lz4":  # LZ4 may fail on the frame's structure before its checksum
        assert "does not match its checksum" in lines[0], lines[0]
    assert lines[1] == Command.SUMMARY.format(stores=1, rows=3, bad=1)
