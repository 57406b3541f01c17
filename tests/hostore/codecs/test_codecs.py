"""Codecs: bit-exact round trips, self-describing blobs, and committed format fixtures."""

from __future__ import annotations

from pathlib import Path

import lz4.frame
import numpy as np
import pytest

from hostore import codecs
from hostore.codecs._base import CHECKSUM_FLAG, HEADER_MAGIC, Codec
from hostore.codecs.lz4 import LZ4_FRAME_MAGIC
from hostore.exceptions import CorruptBlobError, UnknownCodecError

FIXTURES = Path(__file__).parent / "fixtures"
# the codecs that wrote blobs without checksum (fixtures ``<array>.<codec>.bin``)
BEFORE_CHECKSUMS = {"lz4", "shuffle-zstd", "delta"}
CODEC_IDS = ["lz4", "shuffle-zstd", "pco"]
LEGACY_LABEL = "holcstore-0.5"  # blobs written by holcstore 0.5: plain LZ4 frames


def _bits(array: np.ndarray) -> bytes:
    return np.ascontiguousarray(array).view(np.uint8).tobytes()


def _special(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    values = [
        np.nan,
        -np.nan,
        0.0,
        -0.0,
        info.smallest_subnormal,
        -info.smallest_subnormal,
        info.tiny,
        info.max,
        -info.max,
        info.eps,
        1.0,
        -123.456,
    ]
    return np.array(values, dtype=dtype)


def _nan_payloads(dtype) -> np.ndarray:
    if np.dtype(dtype) == np.float64:
        return np.array([0x7FF8000000000001, 0xFFF0000000000001], np.uint64).view(np.float64)
    return np.array([0x7FC00001, 0xFF800001], np.uint32).view(np.float32)


def _load_curve(dtype) -> np.ndarray:
    rng = np.random.default_rng(7)
    values = np.round(0.5 + np.sin(np.arange(48 * 31) / 48 * 2 * np.pi) * 0.3, 3)
    values[rng.choice(len(values), 40, replace=False)] = np.nan
    return values.astype(dtype)


ARRAYS = {
    f"{kind}-{np.dtype(dtype).name}": build(dtype)
    for dtype in (np.float64, np.float32)
    for kind, build in [
        ("special", _special),
        ("nan-payloads", _nan_payloads),
        ("load-curve", _load_curve),
        ("empty", lambda d: np.empty(0, d)),
        ("one", lambda d: np.array([42.5], d)),
        ("all-nan", lambda d: np.full(744, np.nan, d)),
        ("random-bits", lambda d: np.random.default_rng(3).standard_normal(1000).astype(d) * 1e30),
    ]
}


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("codec_id", CODEC_IDS)
@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_round_trip_is_bit_exact(codec_id, name):
    array = ARRAYS[name]
    blob = codecs.encode(array, codec_id)
    assert isinstance(blob, bytes)
    decoded = codecs.decode(blob, array.dtype)
    assert decoded.dtype == array.dtype
    assert decoded.shape == array.shape
    assert _bits(decoded) == _bits(array)


@pytest.mark.parametrize("codec_id", CODEC_IDS)
@pytest.mark.parametrize("wrap", [bytes, bytearray, memoryview], ids=lambda w: w.__name__)
def test_decode_accepts_any_buffer(codec_id, wrap):
    array = ARRAYS["load-curve-float64"]
    blob = wrap(codecs.encode(array, codec_id))
    assert codecs.codec_of(blob).codec_id == codec_id
    assert _bits(codecs.decode(blob, "float64")) == _bits(array)


@pytest.mark.parametrize("codec_id", CODEC_IDS)
def test_non_contiguous_input_encodes_its_values(codec_id):
    base = np.arange(20, dtype=np.float64)
    strided = base[::3]
    assert not strided.flags.c_contiguous
    decoded = codecs.decode(codecs.encode(strided, codec_id), "float64")
    assert _bits(decoded) == _bits(strided.copy())


@pytest.mark.parametrize("codec_id", [*CODEC_IDS, "delta"])
def test_encode_many_gives_what_encode_gives_back(codec_id):
    # a series' chunks: decimals of one scale, a NaN gap, a chunk of another scale, floats
    rng = np.random.default_rng(8)
    chunks = [np.round(rng.uniform(0, 900, 744), k) for k in (0, 0, 2)]
    chunks[1][10:20] = np.nan
    chunks.append(rng.standard_normal(500))  # no decimal scale: searched chunk by chunk
    for arrays in (chunks[:2], chunks[:3], chunks, [chunks[0]], []):
        blobs = codecs.encode_many(arrays, codec_id)
        assert len(blobs) == len(arrays)
        for array, blob in zip(arrays, blobs, strict=True):
            assert _bits(codecs.decode(blob, array.dtype)) == _bits(array)


def test_default_codec_is_pco():
    assert codecs.DEFAULT_CODEC == "pco"
    array = ARRAYS["special-float64"]
    assert codecs.codec_of(codecs.encode(array)).codec_id == "pco"


# ----------------------------------------------------------------------------- blob identity
@pytest.mark.parametrize("codec_id", CODEC_IDS)
@pytest.mark.parametrize("name", ["empty-float64", "special-float32", "load-curve-float64"])
def test_codec_of_identifies_the_writer(codec_id, name):
    blob = codecs.encode(ARRAYS[name], codec_id)
    codec = codecs.codec_of(blob)
    assert codec.codec_id == codec_id
    assert codec is codecs.get_codec(codec_id)


@pytest.mark.parametrize("name", ["empty-float64", "special-float32", "load-curve-float64"])
def test_lz4_blob_is_a_plain_lz4_frame_of_the_raw_bytes(name):
    # holcstore 0.5/0.6 readers (and their sync clients) decompress the frame themselves.
    array = ARRAYS[name]
    blob = codecs.encode(array, "lz4")
    assert blob[:4] == LZ4_FRAME_MAGIC == b"\x04\x22\x4d\x18"
    assert lz4.frame.decompress(blob) == array.tobytes()


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"compression_level": lz4.frame.COMPRESSIONLEVEL_MAX},
        {"block_size": lz4.frame.BLOCKSIZE_MAX4MB, "content_checksum": True},
        {"store_size": False, "block_linked": False},
    ],
    ids=["defaults", "max-level", "4mb-checksum", "no-size"],
)
def test_any_lz4_frame_decodes(options):
    # Whatever frame options an older writer used, the frame is identified and read.
    array = ARRAYS["load-curve-float64"]
    blob = lz4.frame.compress(array.tobytes(), **options)
    assert codecs.codec_of(blob).codec_id == "lz4"
    assert _bits(codecs.decode(blob, "float64")) == _bits(array)


def test_header_magic_cannot_be_an_lz4_frame():
    # LZ4 frames start with 04 22 4D 18, skippable frames with 5x 2A 4D 18.
    assert len(HEADER_MAGIC) == 3
    assert LZ4_FRAME_MAGIC[:3] != HEADER_MAGIC
    assert not (HEADER_MAGIC[0] >> 4 == 0x5 and HEADER_MAGIC[1:] == b"\x2a\x4d")


@pytest.mark.parametrize("codec_id", [c for c in CODEC_IDS if c != "lz4"])
@pytest.mark.parametrize("name", ["empty-float64", "special-float32", "load-curve-float64"])
def test_header_codecs_write_magic_and_their_byte(codec_id, name):
    codec = codecs.get_codec(codec_id)
    blob = codecs.encode(ARRAYS[name], codec_id)
    assert codec.header_byte is not None
    assert blob[:4] == HEADER_MAGIC + bytes([codec.header_byte | CHECKSUM_FLAG])
    assert blob[:4] != LZ4_FRAME_MAGIC
    with pytest.raises(RuntimeError):  # not an LZ4 frame for an old reader either
        lz4.frame.decompress(blob)


def test_registered_header_bytes_are_unique():
    registered = [codecs.get_codec(c) for c in sorted(codecs._BY_ID)]
    assert set(CODEC_IDS) <= {c.codec_id for c in registered}
    header_bytes = [c.header_byte for c in registered if c.header_byte is not None]
    assert len(header_bytes) == len(set(header_bytes)) == len(registered) - 1
    assert codecs.get_codec("lz4").header_byte is None


# ----------------------------------------------------------------------------- unknown codecs
@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x04\x22\x4d",  # truncated LZ4 magic
        b"garbage that is no blob",
        b"\x00" * 16,
        b"HCS",  # magic without codec byte
        b"HCS\xff" + b"\x00" * 8,  # codec byte nobody registered
        b"HCS\x00payload",
        b"hcs\x01payload",  # the magic is case sensitive
        b"\x28\xb5\x2f\xfd" + b"\x00" * 8,  # a bare zstd frame has no header
    ],
)
def test_unknown_blobs_raise_unknown_codec_error(blob):
    with pytest.raises(UnknownCodecError) as info:
        codecs.codec_of(blob)
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnknownCodecError):
        codecs.decode(blob, "float64")


@pytest.mark.parametrize("codec_id", ["", "LZ4", "zstd", "snappy", "lz4 "])
def test_unknown_codec_id_raises(codec_id):
    with pytest.raises(UnknownCodecError, match=r"available: .*lz4.*shuffle-zstd") as info:
        codecs.get_codec(codec_id)
    assert isinstance(info.value, ValueError)
    with pytest.raises(UnknownCodecError):
        codecs.encode(np.zeros(3), codec_id)


@pytest.mark.parametrize("codec_id", CODEC_IDS)
def test_truncated_blob_is_a_corrupt_blob_error(codec_id):
    blob = codecs.encode(ARRAYS["load-curve-float64"], codec_id)
    with pytest.raises(CorruptBlobError, match=codec_id) as info:
        codecs.decode(blob[: len(blob) // 2], "float64")
    assert isinstance(info.value, ValueError)


# ----------------------------------------------------------------------------- registry
class _NegateCodec(Codec):
    """A toy third-party codec: raw bytes of the negated array behind a header."""

    codec_id = "test-negate"
    header_byte = 0x7E

    def encode(self, array):
        return self._header() + np.negative(array).tobytes()

    def decode(self, blob, dtype):
        return np.negative(np.frombuffer(self._payload(blob), dtype=dtype))


def test_registered_codec_is_found_by_id_and_by_blob(monkeypatch):
    monkeypatch.setattr(codecs, "_BY_ID", dict(codecs._BY_ID))
    monkeypatch.setattr(codecs, "_BY_HEADER", dict(codecs._BY_HEADER))
    array = np.array([1.5, np.nan, -2.0])
    with pytest.raises(UnknownCodecError):
        codecs.codec_of(HEADER_MAGIC + b"\x7e" + array.tobytes())
    codecs.register(_NegateCodec())
    blob = codecs.encode(array, "test-negate")
    assert blob[:4] == b"HCS\x7e"
    assert codecs.codec_of(blob).codec_id == "test-negate"
    np.testing.assert_array_equal(codecs.decode(blob, "float64"), array)
    # the built-in codecs are untouched
    assert codecs.codec_of(codecs.encode(array, "shuffle-zstd")).codec_id == "shuffle-zstd"


# ----------------------------------------------------------------------------- fixtures
def _fixture_blobs() -> list[Path]:
    return sorted(FIXTURES.glob("*.bin"))


def _parse(path: Path) -> tuple[str, str]:
    """``name.label.bin`` -> (array stem, label); the label is a codec id (``.crc``: a blob
    with checksum) or a legacy writer."""
    stem, label = path.name[: -len(".bin")].split(".", 1)
    return stem, label


def _codec_id(label: str) -> str:
    return "lz4" if label == LEGACY_LABEL else label.removesuffix(".crc")


def test_fixtures_cover_every_registered_codec():
    labels = {_parse(p)[1] for p in _fixture_blobs()}
    assert labels >= BEFORE_CHECKSUMS  # the blobs they wrote before checksums existed
    assert {f"{c}.crc" for c in codecs._BY_ID} <= labels
    assert LEGACY_LABEL in labels
    total = sum(p.stat().st_size for p in FIXTURES.iterdir())
    assert total < 120_000  # a few arrays of each kind, not data sets


@pytest.mark.parametrize("path", _fixture_blobs(), ids=lambda p: p.name)
def test_committed_blob_decodes_to_committed_array(path):
    stem, label = _parse(path)
    expected = np.load(FIXTURES / f"{stem}.npy", allow_pickle=False)
    blob = path.read_bytes()
    assert codecs.codec_of(blob).codec_id == _codec_id(label)
    decoded = codecs.decode(blob, expected.dtype.name)
    assert decoded.dtype == expected.dtype
    assert decoded.shape == expected.shape
    assert _bits(decoded) == _bits(expected)


@pytest.mark.parametrize("path", _fixture_blobs(), ids=lambda p: p.name)
def test_committed_array_round_trips_with_todays_encoder(path):
    # Encoders may produce other bytes over time (library versions), but never other values.
    stem, label = _parse(path)
    expected = np.load(FIXTURES / f"{stem}.npy", allow_pickle=False)
    decoded = codecs.decode(codecs.encode(expected, _codec_id(label)), expected.dtype)
    assert _bits(decoded) == _bits(expected)


def test_legacy_fixtures_are_what_holcstore_05_wrote():
    for name in ("loadcurve_f8", "empty_f8", "legacy_counts_i8"):
        blob = (FIXTURES / f"{name}.{LEGACY_LABEL}.bin").read_bytes()
        expected = np.load(FIXTURES / f"{name}.npy", allow_pickle=False)
        assert lz4.frame.decompress(blob) == expected.tobytes()
    counts = np.load(FIXTURES / "legacy_counts_i8.npy", allow_pickle=False)
    assert counts.dtype == np.int64


def test_fixture_arrays_hold_the_interesting_values():
    # Guards the fixtures themselves: they must keep exercising NaN, -0.0 and subnormals.
    special = np.load(FIXTURES / "special_f8.npy", allow_pickle=False)
    assert np.isnan(special).sum() >= 2
    assert np.signbit(special[np.isnan(special)]).any()
    assert any(v == 0 and np.signbit(v) for v in special)
    assert ((np.abs(special) < np.finfo(np.float64).tiny) & (special != 0)).any()
    curve = np.load(FIXTURES / "loadcurve_f8.npy", allow_pickle=False)
    assert curve.shape == (48 * 31,)
    assert 0 < np.isnan(curve).sum() < len(curve)
    assert np.load(FIXTURES / "loadcurve_f4.npy", allow_pickle=False).dtype == np.float32


@pytest.mark.parametrize("codec_id", codecs.available())
def test_decode_returns_a_writable_array(codec_id):
    """Decoded arrays become users' Series without a copy: they must accept writes."""
    array = codecs.decode(codecs.encode(np.array([1.0, np.nan, 3.5]), codec_id), "float64")
    array[0] = 7.0
    assert array.tolist()[0] == 7.0


# ----------------------------------------------------------------------------- decode_many
def _mixed_blobs() -> tuple[list, list, list[np.ndarray]]:
    """Blobs of every codec and delta mode, float32 and legacy int64 chunks, in one list."""
    rng = np.random.default_rng(11)
    watts = np.round(500 + 300 * np.sin(np.arange(1488) / 7.6) + rng.normal(0, 30, 1488))
    watts[5:9] = np.nan
    index = np.cumsum(rng.integers(0, 900, 700)) / 1000 + 5e5
    items = [
        (watts, "delta"),  # offsets
        (watts[::-1].copy(), "delta"),
        (index, "delta"),  # deltas
        (ARRAYS["random-bits-float64"], "delta"),  # raw fallback
        (watts.astype(np.float32), "delta"),  # offsets, decoded to float32
        (np.full(300, np.nan), "delta"),
        (watts * 1000, "delta"),  # offsets wider than two bytes
        (ARRAYS["load-curve-float64"], "lz4"),
        (ARRAYS["special-float32"], "shuffle-zstd"),
        (watts[:744] / 10, "delta"),  # offsets with a decimal
    ]
    blobs = [codecs.encode(array, codec_id) for array, codec_id in items]
    dtypes = [array.dtype.name for array, _ in items]
    expected = [array for array, _ in items]
    legacy = np.arange(24, dtype=np.int64)
    blobs.append(lz4.frame.compress(legacy.tobytes()))
    dtypes.append("int64")
    expected.append(legacy)
    return blobs, dtypes, expected


def test_decode_many_equals_decode_of_each_blob():
    blobs, dtypes, expected = _mixed_blobs()
    got = codecs.decode_many(blobs, dtypes)
    assert len(got) == len(expected)
    for array, want, blob, dtype in zip(got, expected, blobs, dtypes, strict=True):
        assert array.dtype == want.dtype
        assert _bits(array) == _bits(want) == _bits(codecs.decode(blob, dtype))


def test_decode_many_arrays_are_writable_and_independent():
    blobs, dtypes, expected = _mixed_blobs()
    got = codecs.decode_many(blobs, dtypes)
    for i, array in enumerate(got):
        array[:] = i  # delta decodes a series' chunks into one buffer: no overlap allowed
    for i, array in enumerate(got):
        assert (array == i).all()
    assert sum(len(a) for a in got) == sum(len(a) for a in expected)


def test_decode_many_names_a_corrupt_blob():
    blobs, dtypes, _ = _mixed_blobs()
    blobs[1] = blobs[1][:-40]
    with pytest.raises(CorruptBlobError, match="delta blob of"):
        codecs.decode_many(blobs, dtypes)


def test_decode_many_rejects_a_header_that_does_not_match_its_body():
    """A delta header announcing fewer values than its body holds must not shift the values
    of the chunks decoded with it."""
    blobs, dtypes, _ = _mixed_blobs()
    n_at = 4 + 4 + 4  # magic + codec byte, checksum, then mode, k, width, has_nan, then n
    n = int.from_bytes(blobs[0][n_at : n_at + 4], "little")
    blobs[0] = blobs[0][:n_at] + (n - 1).to_bytes(4, "little") + blobs[0][n_at + 4 :]
    with pytest.raises(CorruptBlobError, match="delta"):
        codecs.decode_many(blobs, dtypes)
    # the same in a blob without checksum (written before checksums): caught by the length
    legacy = bytearray(blobs[0][:4]) + blobs[0][8:]
    legacy[3] &= ~CHECKSUM_FLAG
    blobs[0] = bytes(legacy)
    with pytest.raises(CorruptBlobError, match="delta"):
        codecs.decode_many(blobs, dtypes)
