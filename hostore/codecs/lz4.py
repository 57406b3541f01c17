"""LZ4 frame of the raw array bytes: the default, and the format of holcstore 0.5/0.6.

Frames carry the format's content checksum (xxHash32 of the raw bytes), which every reader
verifies, 0.5/0.6 included. The frames this codec writes are read here block by block with
the checksum computed by ``xxhash`` (about twice as fast as the LZ4 library's own, which
roughly doubled the decompression time); any other frame (0.5/0.6's, linked blocks, block
checksums) goes through ``lz4.frame``.
"""

from __future__ import annotations

import struct

import lz4.block
import lz4.frame
import numpy as np
import xxhash

from ._base import ChecksumError, Codec

LZ4_FRAME_MAGIC = b"\x04\x22\x4d\x18"
# FLG of the frames written here: version 01, independent blocks, content size, content
# checksum; no block checksums, no dictionary
_OURS = 0x6C
# magic, FLG, BD, content size, header checksum, then the first block's size
_HEAD = struct.Struct("<4sBBQBI")
_TAIL = struct.Struct("<II")  # the end mark (0) and the content checksum
_U32 = struct.Struct("<I")
_ONE_BLOCK = 0x40  # BD of 64 KB blocks, python-lz4's default: one block up to 64 KB
_RAW_BLOCK = 0x80000000  # a block size's high bit: the block is stored uncompressed
_decompress = lz4.block.decompress
_xxh32 = xxhash.xxh32_intdigest


def _unpack(blob) -> bytearray:
    """The raw bytes of an LZ4 frame, checked against its content checksum if it has one.

    The header's own checksum is not checked: a damaged header is caught by the sizes it
    announces or by the content checksum."""
    view = memoryview(blob)
    end = len(view) - _TAIL.size
    if end < _HEAD.size or view[4] != _OURS:
        return lz4.frame.decompress(blob, return_bytearray=True)
    magic, _, bd, size, _, length = _HEAD.unpack_from(view)
    if magic != LZ4_FRAME_MAGIC:
        raise ChecksumError("not an LZ4 frame")
    if bd == _ONE_BLOCK and size <= 65536 and _HEAD.size + length == end:
        # one compressed block: every chunk but yearly ones
        out = _decompress(view[_HEAD.size : end], uncompressed_size=size, return_bytearray=True)
    else:
        out = _blocks(view, size, 1 << (8 + 2 * ((bd >> 4) & 0x7)))
    mark, checksum = _TAIL.unpack_from(view, end)
    if mark or len(out) != size or _xxh32(out) != checksum:
        raise ChecksumError("the content does not match its checksum")
    return out


def _blocks(view: memoryview, size: int, block_max: int) -> bytearray:
    """The raw bytes of the blocks of a frame, however many and however stored."""
    if size > 256 * len(view):  # more than LZ4 can expand to: a damaged size
        raise ChecksumError("the LZ4 frame announces more bytes than it can hold")
    out, at, done = bytearray(size), _HEAD.size - 4, 0
    while True:
        (length,) = _U32.unpack_from(view, at)
        at += 4
        if length == 0 or done >= size:
            break
        data = view[at : at + (length & ~_RAW_BLOCK)]
        at += len(data)
        wanted = min(block_max, size - done)
        part = data if length & _RAW_BLOCK else _decompress(data, uncompressed_size=wanted)
        if len(part) != wanted:
            raise ChecksumError("an LZ4 block does not hold the size the frame announces")
        out[done : done + wanted] = part
        done += wanted
    if done != size or at != len(view) - 4:  # (at: after the end mark)
        raise ChecksumError("the LZ4 frame does not hold the size it announces")
    return out


class LZ4Codec(Codec):
    """Fast to write and read (several GB/s), about half the raw size on load curves."""

    codec_id = "lz4"

    def encode(self, array: np.ndarray) -> bytes:
        # unlinked blocks decode about a third faster; still a standard frame
        data = np.ascontiguousarray(array).data
        return lz4.frame.compress(data, store_size=True, block_linked=False, content_checksum=True)

    def decode(self, blob, dtype) -> np.ndarray:
        # a bytearray makes the array writable at no cost: it may become a user's Series
        return np.frombuffer(_unpack(blob), dtype=dtype)

    def verify(self, blob, dtype) -> None:
        """Decompress the frame: its content checksum, if any, is checked on the way."""
        _unpack(blob)

    def decode_many(self, blobs: list, dtypes: list[np.dtype]) -> list[np.ndarray]:
        """:meth:`decode` of each blob, without a Python call per chunk."""
        return [
            np.frombuffer(_unpack(blob), dtype=dtype)
            for blob, dtype in zip(blobs, dtypes, strict=True)
        ]
