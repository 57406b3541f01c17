"""Checksums: a flipped byte anywhere in a blob is an error, never other values."""

from __future__ import annotations

from pathlib import Path

import lz4.frame
import numpy as np
import pytest

from hostore import codecs
from hostore.codecs._base import CHECKSUM_FLAG
from hostore.exceptions import CorruptBlobError, UnknownCodecError

FIXTURES = Path(__file__).parent / "fixtures"
CODEC_IDS = ["lz4", "shuffle-zstd", "delta", "pco"]


def _arrays() -> dict[str, np.ndarray]:
    return {n: np.load(FIXTURES / f"{n}.npy") for n in ("loadcurve_f8", "watts_f8", "special_f8")}


def _flipped(blob: bytes, at: int) -> bytes:
    damaged = bytearray(blob)
    damaged[at] ^= 0x01
    return bytes(damaged)


@pytest.mark.parametrize("codec_id", CODEC_IDS)
@pytest.mark.parametrize("name", ["loadcurve_f8", "watts_f8", "special_f8"])
def test_a_flipped_bit_anywhere_never_gives_other_values(codec_id, name):
    # Either an error, or (LZ4 only: a match copying equal bytes from elsewhere) the same bits.
    array = _arrays()[name]
    blob = codecs.encode(array, codec_id)
    bits = array.view(np.uint8).tobytes()
    for at in range(len(blob)):
        try:
            decoded = codecs.decode(_flipped(blob, at), array.dtype)
        except (CorruptBlobError, UnknownCodecError):
            decoded = None
        assert decoded is None or (codec_id == "lz4" and decoded.tobytes() == bits), at
        if decoded is None:
            with pytest.raises((CorruptBlobError, UnknownCodecError)):
                codecs.decode_many([blob, _flipped(blob, at)], [array.dtype] * 2)


def test_lz4_blobs_carry_the_frame_content_checksum():
    # holcstore 0.5/0.6 read chunks with lz4.frame.decompress and its default options
    array = _arrays()["loadcurve_f8"]
    blob = codecs.encode(array, "lz4")
    assert lz4.frame.get_frame_info(blob)["content_checksum"]
    assert lz4.frame.decompress(blob) == array.tobytes()
    values = len(blob) - 4 - 8  # the last block, before the end mark and the checksum
    with pytest.raises(RuntimeError, match="ontentChecksum"):
        lz4.frame.decompress(_flipped(blob, values))


@pytest.mark.parametrize("codec_id", ["shuffle-zstd", "delta"])
def test_header_codecs_write_a_checksum_and_read_blobs_without(codec_id):
    array = _arrays()["watts_f8"]
    blob = codecs.encode(array, codec_id)
    assert blob[3] & CHECKSUM_FLAG
    legacy = (FIXTURES / f"watts_f8.{codec_id}.bin").read_bytes()
    assert not legacy[3] & CHECKSUM_FLAG
    np.testing.assert_array_equal(codecs.decode(legacy, "float64"), array)
    with pytest.raises(CorruptBlobError, match="checksum"):
        codecs.decode(_flipped(blob, len(blob) // 2), "float64")


def test_lz4_blob_without_checksum_still_reads():
    blob = (FIXTURES / "loadcurve_f8.holcstore-0.5.bin").read_bytes()
    assert not lz4.frame.get_frame_info(blob)["content_checksum"]
    expected = np.load(FIXTURES / "loadcurve_f8.npy")
    np.testing.assert_array_equal(codecs.decode(blob, "float64"), expected)


@pytest.mark.parametrize("kind", ["compressible", "incompressible"])
def test_lz4_frames_of_several_blocks_read_and_check(kind):
    # more than the 64 KB of one block (a yearly chunk): compressed, or stored as they are
    rng = np.random.default_rng(3)
    array = rng.random(30_000)
    if kind == "compressible":
        array = np.round(array * 50, 1)
    blob = codecs.encode(array, "lz4")
    info = lz4.frame.get_frame_info(blob)
    assert info["content_size"] == array.nbytes > info["block_size"]
    np.testing.assert_array_equal(codecs.decode(blob, "float64"), array)
    for at in range(0, len(blob), 211):
        try:
            decoded = codecs.decode(_flipped(blob, at), "float64")
        except (CorruptBlobError, UnknownCodecError):
            continue
        assert decoded.tobytes() == array.tobytes(), at
    for cut in (len(blob) - 1, len(blob) - 5, len(blob) // 2, 20):
        with pytest.raises(CorruptBlobError):
            codecs.decode(blob[:cut], "float64")
    with pytest.raises(CorruptBlobError):
        codecs.decode(blob + b"\0\0\0\0", "float64")
