"""The pco codec: pcodec for 16-, 32- and 64-bit numbers, shuffled zstd for the rest."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hostore import codecs
from hostore.exceptions import CorruptBlobError

MODE_AT = 12  # after "HCS", the codec byte and the 8-byte checksum


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint64", "uint16"])
def test_integers_go_through_pcodec(dtype):
    array = (np.random.default_rng(5).standard_normal(3000) * 100).astype(dtype)
    blob = codecs.encode(array, "pco")
    assert blob[MODE_AT] == 0
    decoded = codecs.decode(blob, dtype)
    assert decoded.dtype == array.dtype and decoded.tobytes() == array.tobytes()


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_decimals_are_packed_as_integers_and_come_back_bit_for_bit(dtype):
    rng = np.random.default_rng(7)
    array = np.round(rng.uniform(0, 50, 3000), 2).astype(dtype)
    array[[0, 1, 500, 2999]] = np.nan  # leading, inner and trailing gaps
    blob = codecs.encode(array, "pco")
    assert blob[MODE_AT] == 2
    decoded = codecs.decode(blob, dtype)
    assert decoded.dtype == array.dtype and decoded.tobytes() == array.tobytes()


@pytest.mark.parametrize(
    "values",
    [
        [0.1, np.pi, 2.0],  # not a decimal of 6 digits or fewer
        [1.0, -0.0, 2.0],  # -0.0: its sign would be lost as an integer
        [1.0, float(np.float64(np.nan).view(np.int64) + 1), 2.0],  # placeholder, replaced
    ],
    ids=["irrational", "negative-zero", "nan-payload"],
)
def test_other_floats_go_through_pcodec_as_they_are(values):
    array = np.array(values, dtype=np.float64)
    if len(values) == 3 and values[1] > 1e18:  # a NaN with a payload bit
        array[1:2].view(np.int64)[0] = np.float64(np.nan).view(np.int64) + 1
    blob = codecs.encode(array, "pco")
    assert blob[MODE_AT] == 0
    assert codecs.decode(blob, "float64").tobytes() == array.tobytes()


@pytest.mark.parametrize("dtype", ["int8", "uint8", "bool"])
def test_other_dtypes_are_kept_as_shuffled_zstd(dtype):
    array = (np.arange(500) % 3).astype(dtype)
    blob = codecs.encode(array, "pco")
    assert blob[MODE_AT] == 1
    assert codecs.decode(blob, dtype).tobytes() == array.tobytes()


def test_a_load_curve_takes_less_than_lz4():
    rng = np.random.default_rng(6)
    watts = np.round(800 + 300 * np.sin(np.arange(1488) / 7.6) * rng.lognormal(0, 0.2, 1488))
    watts[100:140] = np.nan
    pco, lz4 = codecs.encode(watts, "pco"), codecs.encode(watts, "lz4")
    assert len(pco) < len(lz4) / 2
    np.testing.assert_array_equal(codecs.decode(pco, "float64"), watts)


def test_a_dtype_other_than_the_blobs_is_a_corrupt_blob():
    blob = codecs.encode(np.arange(10.0), "pco")
    with pytest.raises(CorruptBlobError, match="holds float64 values, not float32"):
        codecs.decode(blob, "float32")


def test_an_unknown_mode_is_a_corrupt_blob():
    blob = bytearray(codecs.encode(np.arange(10.0), "pco"))
    codec = codecs.get_codec("pco")
    forged = codec._sealed(b"\x07" + bytes(blob[MODE_AT + 1 :]))
    with pytest.raises(CorruptBlobError, match="unknown pco blob mode 7"):
        codecs.decode(forged, "float64")


WHERE_AT = MODE_AT + 2  # the decimal head: k, then where the NaN are


@pytest.mark.parametrize(
    "gaps, where",
    [
        ([], 0),
        ([(0, 1)], 3),  # a leading NaN
        ([(17_000, 17_520)], 3),  # trailing
        ([(100, 400), (5_000, 5_001), (9_000, 9_048)], 3),  # outages: runs
        ([(i, i + 1) for i in range(0, 17_520, 7)], 4),  # scattered: a bitmap is smaller
    ],
    ids=["none", "leading", "trailing", "outages", "scattered"],
)
def test_nan_are_kept_as_runs_or_a_bitmap_whichever_is_smaller(gaps, where):
    watts = np.round(np.random.default_rng(8).uniform(0, 5000, 17_520))
    for start, end in gaps:
        watts[start:end] = np.nan
    blob = codecs.encode(watts, "pco")
    assert blob[MODE_AT] == 2 and blob[WHERE_AT] == where
    assert codecs.decode(blob, "float64").tobytes() == watts.tobytes()
    if where == 3:  # 8 bytes a run, instead of the 2,190 bytes of a bitmap
        without = codecs.encode(np.nan_to_num(watts), "pco")
        assert len(blob) - len(without) < 4 + 8 * len(gaps) + 64


@pytest.mark.parametrize(
    "runs",
    [[(5, 3)], [(5, 5)], [(0, 101)], [(2, 4), (3, 6)]],
    ids=["backwards", "empty", "beyond", "overlapping"],
)
def test_nan_runs_outside_the_chunk_are_a_corrupt_blob(runs):
    from hostore.codecs.pco import _COUNT

    values = np.arange(100.0)
    values[60] = np.nan
    blob = codecs.encode(values, "pco")
    assert blob[WHERE_AT] == 3
    payload = bytes(blob[MODE_AT:])
    head = 1 + 7
    starts = np.array([r[0] for r in runs], "<u4").tobytes()
    ends = np.array([r[1] for r in runs], "<u4").tobytes()
    forged = payload[:head] + _COUNT.pack(len(runs)) + starts + ends + payload[head + 4 + 8 :]
    with pytest.raises(CorruptBlobError, match="NaN runs outside the chunk"):
        codecs.decode(codecs.get_codec("pco")._sealed(forged), "float64")


def test_an_unknown_nan_layout_is_a_corrupt_blob():
    values = np.arange(100.0)
    values[60] = np.nan
    payload = bytearray(codecs.encode(values, "pco")[MODE_AT:])
    payload[WHERE_AT - MODE_AT] = 9
    with pytest.raises(CorruptBlobError, match="unknown NaN layout 9"):
        codecs.decode(codecs.get_codec("pco")._sealed(bytes(payload)), "float64")


def test_a_series_encoded_at_once_keeps_its_nan_across_chunk_edges():
    """encode_many finds the NaN runs over the whole series and cuts them to each chunk."""
    watts = np.round(np.random.default_rng(9).uniform(0, 5000, 4 * 1000))
    watts[:5] = np.nan  # leading
    watts[990:1020] = np.nan  # across the first edge
    watts[2000:3000] = np.nan  # a whole chunk
    watts[3000:4000:3] = np.nan  # scattered: a bitmap
    chunks = [*np.split(watts, 4), np.array([]), np.full(3, np.nan)]
    blobs = codecs.encode_many(chunks, "pco")
    assert [b[WHERE_AT] for b in blobs[:4]] == [3, 3, 3, 4]
    assert [blobs[4][MODE_AT], blobs[5][MODE_AT], blobs[5][WHERE_AT]] == [0, 2, 4]  # 1 B < 12
    for chunk, blob in zip(chunks, blobs, strict=True):
        assert codecs.decode(blob, "float64").tobytes() == chunk.tobytes()
    assert all(
        len(many) <= len(codecs.encode(chunk, "pco")) + 16
        for chunk, many in zip(chunks, blobs, strict=True)
    )


@st.composite
def _series_chunks(draw) -> tuple[list[np.ndarray], str]:
    """A series cut into chunks: decimals of one scale (or any floats), NaN in runs and
    scattered, chunk lengths down to 0."""
    dtype = draw(st.sampled_from(["float64", "float32"]))
    k = draw(st.sampled_from([0, 1, 3, None]))
    n = draw(st.integers(0, 600))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.normal(0, 1000, n) if k is None else np.round(rng.normal(0, 1000, n), k)
    for _ in range(draw(st.integers(0, 4))):  # runs
        start = draw(st.integers(0, max(0, n - 1)))
        values[start : start + draw(st.integers(1, 200))] = np.nan
    if draw(st.booleans()):  # scattered
        values[rng.random(n) < 0.1] = np.nan
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=6)))
    return np.split(values.astype(dtype), cuts), dtype


@settings(max_examples=300, deadline=None)
@given(_series_chunks())
def test_any_series_round_trips_bit_for_bit_through_encode_many(case):
    chunks, dtype = case
    for chunk, blob in zip(chunks, codecs.encode_many(chunks, "pco"), strict=True):
        assert codecs.decode(blob, dtype).tobytes() == chunk.tobytes()


def test_nan_slots_hold_no_integer():
    """A chunk mostly NaN (a meter installed late in its year) costs what its values cost."""
    watts = np.round(np.random.default_rng(10).uniform(0, 5000, 17_520))
    late = watts.copy()
    late[:14_000] = np.nan
    alone = codecs.encode(watts[14_000:], "pco")
    blob = codecs.encode(late, "pco")
    assert blob[WHERE_AT] == 3 and len(blob) <= len(alone) + 16
    assert codecs.decode(blob, "float64").tobytes() == late.tobytes()


def _int_width(blob: bytes) -> np.dtype:
    """The integer type of a decimal-mode blob's pcodec file."""
    from pcodec import standalone

    start = blob.index(b"pco!")  # pcodec's file starts with its magic bytes
    return standalone.simple_decompress(blob[start:]).dtype


@pytest.mark.parametrize(
    ("values", "width"),
    [
        ([0.0, 2.0**31 - 1, -(2.0**31), np.nan], np.int32),  # the int32 range, both ends
        ([0.0, 2.0**31, 1.0], np.int64),
        ([0.0, -(2.0**31) - 1, 1.0], np.int64),
        ([0.5, 2.0**31 / 100], np.int64),  # within int32 as watts, not as centiwatts
    ],
)
def test_integers_are_stored_in_32_bits_when_they_fit(values, width):
    array = np.array(values)
    for blob in (codecs.encode(array, "pco"), codecs.encode_many([array, array], "pco")[1]):
        assert blob[MODE_AT] == 2 and _int_width(blob) == width
        assert codecs.decode(blob, "float64").tobytes() == array.tobytes()


def test_fixtures_hold_every_mode_and_nan_layout():
    """Each layout a pco blob may be in has a committed fixture (decoded by test_codecs.py)."""
    from tests.hostore.codecs.test_codecs import FIXTURES

    found, widths = set(), set()
    for path in FIXTURES.glob("*.pco.crc.bin"):
        blob = path.read_bytes()
        found.add((blob[MODE_AT], blob[WHERE_AT] if blob[MODE_AT] == 2 else None))
        if blob[MODE_AT] == 2 and len(blob) > MODE_AT + 8:
            widths.add(_int_width(blob))
    assert found >= {(0, None), (1, None), (2, 0), (2, 1), (2, 2), (2, 3), (2, 4)}
    assert widths == {np.dtype(np.int64), np.dtype(np.int32)}  # before and after 32 bits
