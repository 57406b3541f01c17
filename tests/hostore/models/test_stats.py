"""The layouts of ``stat_days``: the compact one written now, the first one still read, and
answers across series that read both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hostore import codecs
from hostore.models import _stats
from tests.hostore.management.commands import raw_update
from tests.testapp.models import HourlyStore, YearlyStore

PARIS = "Europe/Paris"
GRID = HourlyStore._hostore.grid
MARCH_2024 = GRID.chunk_of_slot(
    int(GRID.slots(pd.DatetimeIndex([pd.Timestamp("2024-03-15", tz=PARIS)]))[0])
)


def _days(chunk: int = MARCH_2024, fill: float = 1.0) -> tuple[np.ndarray, ...]:
    full = _stats.day_lengths(GRID, chunk)
    return np.full(len(full), fill) * full, full.astype(np.int64), full


def _first_layout(sums, counts) -> bytes:
    records = np.empty(len(sums), _stats.DAY_RECORD)
    records["sum"], records["count"] = sums, counts
    return records.tobytes()


def _bits(array: np.ndarray) -> list[int]:
    return np.asarray(array, dtype=np.float64).view(np.int64).tolist()


def test_day_lengths_follow_dst():
    lengths = _stats.day_lengths(GRID, MARCH_2024)
    assert len(lengths) == 31 and lengths[30] == 23 and set(lengths[:30].tolist()) == {24}


@pytest.mark.parametrize(
    "name, change, size",
    [
        ("integer sums, full days", lambda s, c: (s, c), 1 + 4 * 31),
        ("a day with gaps", lambda s, c: (s, np.where(np.arange(31) == 3, 5, c)), 1 + 6 * 31),
        ("decimal sums", lambda s, c: (s + 0.1, c), 1 + 8 * 31),
        ("-0.0 kept", lambda s, c: (np.where(np.arange(31) == 0, -0.0, s), c), 1 + 8 * 31),
        ("beyond int32", lambda s, c: (s + 2.0**31, c), 1 + 8 * 31),
        ("inf", lambda s, c: (np.where(np.arange(31) == 9, np.inf, s), c), 1 + 8 * 31),
        ("both", lambda s, c: (s * 1.5 + 0.25, np.maximum(c - 1, 0)), 1 + 10 * 31),
    ],
)
def test_compact_layout_round_trips_bit_for_bit(name, change, size):
    sums, counts, full = _days(fill=7.0)
    sums, counts = change(sums, counts)
    blob = _stats.pack_days(sums, counts, full)
    assert len(blob) == size and len(blob) % 2 == 1
    got_sums, got_counts = _stats.unpack_days(blob, GRID, MARCH_2024)
    assert _bits(got_sums) == _bits(sums)
    assert got_counts.tolist() == np.asarray(counts).tolist()


@pytest.mark.parametrize("gaps", [False, True])
@pytest.mark.parametrize("decimals", [False, True])
def test_a_year_of_days_is_packed_by_the_codec(gaps, decimals):
    """365 days: the sums (and counts) compressed, read back bit for bit."""
    grid = YearlyStore._hostore.grid
    full = _stats.day_lengths(grid, 2023)
    rng = np.random.default_rng(3)
    sums = np.cumsum(rng.integers(-2000, 2000, len(full))) + 150_000.0
    sums = sums / 8 if decimals else sums
    counts = np.where(rng.random(len(full)) < 0.05, 40, full) if gaps else full
    blob = _stats.pack_days(sums, counts, full)
    assert blob[0] & 0x04 and len(blob) % 2 == 1
    assert len(blob) < 0.6 * (1 + len(full) * (4 + 2 * gaps + 4 * decimals))
    got_sums, got_counts = _stats.unpack_days(blob, grid, 2023)
    assert _bits(got_sums) == _bits(sums) and got_counts.tolist() == list(counts)


def test_rows_of_both_layouts_read_together_in_order():
    april = MARCH_2024 + 1
    march = _days(MARCH_2024, fill=2.0)
    april_sums, april_counts, april_full = _days(april, fill=3.5)
    april_counts[4] = 1
    blobs = [
        _stats.pack_days(*march),
        _first_layout(april_sums, april_counts),
        _stats.pack_days(april_sums, april_counts, april_full),
        _first_layout(march[0], march[1]),
    ]
    sums, counts, days = _stats.unpack_many(blobs, GRID, [MARCH_2024, april, april, MARCH_2024])
    assert days.tolist() == [31, 30, 30, 31]
    want_sums = np.concatenate([march[0], april_sums, april_sums, march[0]])
    want_counts = np.concatenate([march[1], april_counts, april_counts, march[1]])
    assert _bits(sums) == _bits(want_sums) and counts.tolist() == want_counts.tolist()


@pytest.mark.parametrize(
    "blob",
    [b"\x00" * 20, b"\x00" + b"\x00" * 30, b"\x03" + b"\x00" * 124, b"\x08" + b"\x00" * 124,
     b"\x05" + b"\x00" * 124, b"\x05" + bytes([8, 0, 0, 0, 0, 0, 0, 0]) + b"HCS\x83garbage"],
)  # fmt: skip
def test_unreadable_statistics_are_refused(blob):
    with pytest.raises(ValueError, match=r"daily statistics that cannot be read.*stat_at=None"):
        _stats.unpack_days(blob, GRID, MARCH_2024)


def _load(start: str, days: int, seed: int) -> pd.Series:
    index = pd.date_range(start, periods=48 * days, freq="30min", tz=PARIS)
    values = np.random.default_rng(seed).integers(0, 5000, len(index)).astype(float)
    values[17:40] = np.nan
    return pd.Series(values, index=index)


@pytest.mark.django_db
def test_answers_read_rows_of_the_first_layout_as_the_new_one():
    """Rows written before the compact layout (their statistics still valid) and new rows
    give the same daily sums as the values themselves."""
    YearlyStore.set_ts({"meter": "a"}, _load("2023-12-20", 30, 1))
    YearlyStore.set_ts({"meter": "b"}, _load("2024-03-25", 10, 2) / 8)
    want = YearlyStore.aggregate_ts(period="day")
    grid = YearlyStore._hostore.grid
    assert YearlyStore.objects.count() == 3
    old = YearlyStore.objects.get(meter="a", chunk_index=2023)
    sums, counts = _stats.day_sums(grid, 2023, codecs.decode(old.data, old.dtype))
    assert sums[-12:].sum() > 0 and counts.sum() == old.stat_count
    raw_update(YearlyStore, old.pk, stat_days=_first_layout(sums, counts))
    got = YearlyStore.aggregate_ts(period="day")
    pd.testing.assert_frame_equal(got, want)
    direct = pd.concat(
        {m: YearlyStore.get_ts({"meter": m}).resample("D").sum(min_count=1) for m in "ab"},
        axis=1,
    )
    for meter in "ab":
        mine = got[meter].dropna()
        assert np.allclose(mine.to_numpy(), direct[meter].reindex(mine.index).to_numpy())


@pytest.mark.parametrize("store", [HourlyStore, YearlyStore], ids=["monthly", "yearly"])
@pytest.mark.parametrize(
    "case", ["integers", "gaps", "decimals", "negative zero", "huge", "inf", "legacy length"]
)
def test_a_series_statistics_at_once_are_the_chunk_by_chunk_ones(store, case):
    """of_chunks (per series, used by every write) gives byte for byte what of_chunk gives."""
    grid = store._hostore.grid
    first = grid.chunk_of_slot(
        int(grid.slots(pd.DatetimeIndex([pd.Timestamp("2024-01-01", tz=PARIS)]))[0])
    )
    chunks = [first, first + 1, first + 2]
    rng = np.random.default_rng(4)
    arrays = []
    for c in chunks:
        size = grid.cached_chunk_start(c + 1) - grid.cached_chunk_start(c)
        arrays.append(rng.integers(0, 5000, size).astype(float))
    if case == "gaps":
        arrays[0][5:40] = np.nan
        arrays[2][:] = np.nan
        arrays[2][7] = 3.0
    elif case == "decimals":
        arrays[1] = arrays[1] / 8 + 0.1
    elif case == "negative zero":
        arrays[1][:60] = -0.0
    elif case == "huge":
        arrays[0][3] = 2.0**40
    elif case == "inf":
        arrays[2][10] = np.inf
    elif case == "legacy length":
        arrays[1] = arrays[1][:100]
    want = [_stats.of_chunk(grid, c, a) for c, a in zip(chunks, arrays, strict=True)]
    assert _stats.of_chunks(grid, chunks, arrays) == want
