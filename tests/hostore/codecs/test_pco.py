"""The pco codec: pcodec for 16-, 32- and 64-bit numbers, shuffled zstd for the rest."""

from __future__ import annotations

import numpy as np
import pytest

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
        ([(0, 1)], 2),  # a leading NaN
        ([(17_000, 17_520)], 2),  # trailing
        ([(100, 400), (5_000, 5_001), (9_000, 9_048)], 2),  # outages: runs
        ([(i, i + 1) for i in range(0, 17_520, 7)], 1),  # scattered: a bitmap is smaller
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
    if where == 2:  # 8 bytes a run, instead of the 2,190 bytes of a bitmap
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
    assert blob[WHERE_AT] == 2
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
