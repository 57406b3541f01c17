"""The delta codec: decimal detection, its choice of form, exactness in every mode, and its
compactness."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hostore import codecs
from hostore.codecs import delta

LAYOUT = delta._LAYOUT


def _start(blob: bytes) -> int:
    """Where the layout starts: after the magic, the codec byte and the checksum, if any."""
    return 12 if blob[3] & 0x80 else 4


def header(blob: bytes) -> tuple:
    at = _start(blob)
    return LAYOUT.unpack(blob[at : at + LAYOUT.size])  # mode, k, width, has_nan, n


def base(blob: bytes) -> int:
    return delta._BASE.unpack_from(blob, _start(blob) + LAYOUT.size)[0]


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize(
    "values, k",
    [
        ([1.0, 2.0, 350.0, -4.0], 0),
        ([0.5, 1.5, 2.0], 1),
        ([0.001, 12.345, 7.0], 3),
        ([0.1, 0.2, 0.3], 1),  # not exactly tenths in binary, yet round-trips bit for bit
        ([1e-6, 2e-6], 6),
    ],
)
def test_decimal_values_are_stored_as_scaled_integers(values, k):
    array = np.array(values)
    blob = codecs.encode(array, "delta")
    mode, scale, _, _, n = header(blob)
    assert mode in (delta._OFFSET, delta._DELTA)
    assert (scale, n) == (k, len(values))
    assert same_bits(codecs.decode(blob, "float64"), array)


@pytest.mark.parametrize(
    "values",
    [
        [np.pi, np.e],  # not decimal
        [1e-7, 1.0],  # more decimals than the codec tries
        [2.0**60, 1.0],  # integers beyond float64's exact range
        [-0.0, 1.0],  # the sign of zero would be lost as an integer
        [1e300, -1e300, 5e-324],
    ],
)
def test_other_values_fall_back_to_raw_floats(values):
    array = np.array(values)
    blob = codecs.encode(array, "delta")
    assert header(blob)[0] == delta._RAW
    assert same_bits(codecs.decode(blob, "float64"), array)


def test_nan_slots_keep_their_places():
    array = np.array([np.nan, 1.0, np.nan, np.nan, 3.0, np.nan])
    blob = codecs.encode(array, "delta")
    assert header(blob)[3] == 1
    assert same_bits(codecs.decode(blob, "float64"), array)


def test_width_grows_with_the_spread_of_values():
    small = codecs.encode(np.array([1000.0, 1100.0, 1050.0]), "delta")
    large = codecs.encode(np.array([0.0, 1e6, -1e6]), "delta")
    assert header(small)[:3] == (delta._OFFSET, 0, 1) and base(small) == 1000
    assert header(large)[:3] == (delta._OFFSET, 0, 4) and base(large) == -1_000_000


def test_load_curves_are_stored_as_offsets_and_meter_indexes_as_deltas():
    rng = np.random.default_rng(5)
    watts = np.round(400 + 300 * np.sin(np.arange(1488) / 7.6) + rng.normal(0, 40, 1488))
    index = np.cumsum(rng.integers(0, 200, 1488)).astype(float) + 3_000_000.0
    assert header(codecs.encode(watts, "delta"))[:3] == (delta._OFFSET, 0, 2)
    assert header(codecs.encode(index, "delta"))[:3] == (delta._DELTA, 0, 2)  # offsets: 4
    assert base(codecs.encode(index, "delta")) == index[0]
    for array in (watts, index):
        assert same_bits(codecs.decode(codecs.encode(array, "delta"), "float64"), array)


def test_offsets_wider_than_four_bytes_are_stored_as_deltas():
    # offsets of 8 bytes would not all be exact as float64: deltas are used even if as wide
    array = np.array([0.0, 2.0**40, -(2.0**40), 2.0**50])
    blob = codecs.encode(array, "delta")
    assert header(blob)[:3] == (delta._DELTA, 0, 8)
    assert same_bits(codecs.decode(blob, "float64"), array)


@pytest.mark.parametrize(
    "values",
    [
        [np.nan, np.nan, 5000.0, 5001.0, np.nan],  # leading NaN take the first value
        [np.nan, np.nan],
        [np.nan, 0.25, np.nan, -7.5],
    ],
)
def test_nan_slots_cost_no_width(values):
    array = np.array(values)
    blob = codecs.encode(array, "delta")
    finite = array[~np.isnan(array)]
    spread = np.ptp(finite * 100) if len(finite) else 0
    assert header(blob)[2] == (1 if spread < 256 else 2)
    assert same_bits(codecs.decode(blob, "float64"), array)


def test_float32_round_trips():
    array = (np.arange(100) * 0.25).astype(np.float32)
    assert same_bits(codecs.decode(codecs.encode(array, "delta"), "float32"), array)


def test_integer_watts_take_well_under_two_bytes_per_point():
    rng = np.random.default_rng(3)
    hours = (np.arange(17520) % 48) / 2
    watts = np.round(
        (300 + 250 * np.exp(-((hours - 19.5) ** 2) / 6)) * rng.lognormal(0, 0.15, 17520)
    )
    size = len(codecs.encode(watts, "delta"))
    assert size / len(watts) < 2.0 < len(codecs.encode(watts, "lz4")) / len(watts)


ELEMENTS = st.one_of(
    st.floats(allow_infinity=False, width=32),
    st.integers(-(10**6), 10**6).map(float),
    st.decimals(-1000, 1000, places=3).map(float),
)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(dtype=np.float64, shape=st.integers(0, 300), elements=ELEMENTS),
    st.sampled_from([np.float64, np.float32]),
)
def test_any_finite_or_nan_array_round_trips_bit_for_bit(array, dtype):
    array = array.astype(dtype)
    assert same_bits(codecs.decode(codecs.encode(array, "delta"), array.dtype), array)


def test_format_fixtures_hold_every_mode():
    """Each mode a blob may be in has a committed fixture (decoded by test_codecs.py)."""
    from tests.hostore.codecs.test_codecs import FIXTURES

    modes = {header(p.read_bytes())[0] for p in FIXTURES.glob("*.delta.bin")}
    assert modes == {delta._RAW, delta._FIRST_DELTAS, delta._OFFSET, delta._DELTA}


@pytest.mark.parametrize(
    "values",
    [
        [-(2.0**53 - 1), 2.0**52, 3.0],  # differences from the first value pass 2**53
        [-4_600_000_000.000001, 4_600_000_000.0],  # the same with six decimals
        [2.0**53 - 1, 2.0**53 - 3, 1.0],
        [-(2.0**52), -(2.0**52) + 2.0**32 - 1],  # four-byte offsets from a large base
    ],
)
def test_integers_across_the_exact_range_round_trip(values):
    array = np.array(values)
    blob = codecs.encode(array, "delta")
    assert header(blob)[0] in (delta._OFFSET, delta._DELTA)
    assert same_bits(codecs.decode(blob, "float64"), array)
    assert all(same_bits(a, array) for a in codecs.decode_many([blob, blob], ["float64"] * 2))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nan_with_a_sign_or_payload_keeps_its_bits(dtype):
    plain = np.array([np.nan, 1.0, 2.0], dtype=dtype)
    assert header(codecs.encode(plain, "delta"))[0] == delta._OFFSET
    for bits in ([0xFFF8000000000000, 0x7FF8000000000001], [0xFFC00000, 0x7FC00001]):
        if np.dtype(dtype).itemsize * 8 != (64 if bits[0] > 2**32 else 32):
            continue
        odd = plain.copy()
        odd[0] = np.array(bits[0], f"u{odd.itemsize}").view(dtype)
        odd[2] = np.array(bits[1], f"u{odd.itemsize}").view(dtype)
        blob = codecs.encode(odd, "delta")
        assert header(blob)[0] == delta._RAW
        assert same_bits(codecs.decode(blob, dtype), odd)


def test_chunks_of_one_scale_decode_together_exactly():
    """A series of kWh readings (3 decimals) over several chunks: decoded in one call (one
    scaling of the joined values) as each chunk alone, bit for bit."""
    rng = np.random.default_rng(5)
    chunks = [np.round(rng.uniform(0.1, 9.0, n), 3) for n in (1488, 1344, 1490)]
    chunks[1][100:140] = np.nan
    blobs = [codecs.encode(c, "delta") for c in chunks]
    assert [header(b)[:2] for b in blobs] == [(delta._OFFSET, 3)] * 3
    got = codecs.decode_many(blobs, ["float64"] * 3)
    for array, chunk, blob in zip(got, chunks, blobs, strict=True):
        assert same_bits(array, chunk) and same_bits(codecs.decode(blob, "float64"), chunk)
