"""The codec contract: an ndarray becomes bytes that say which codec wrote them."""

from __future__ import annotations

import abc
import struct
import threading

import numpy as np
import xxhash
import zstandard

# Blobs of every codec but the LZ4 default start with this magic and one codec byte. An LZ4
# frame starts with 04 22 4D 18 and a skippable frame with 5x 2A 4D 18, so a header can
# never be mistaken for a frame (and holcstore 0.5/0.6 blobs stay readable as they are).
HEADER_MAGIC = b"HCS"
# The high bit of the codec byte says that a checksum of the rest of the blob follows the
# header: its XXH3-64 hash (``<Q``), some 20 GB/s, so reads barely notice it. Blobs written
# before checksums existed lack it and stay readable.
CHECKSUM_FLAG = 0x80
_SUM = struct.Struct("<Q")


class ChecksumError(ValueError):
    """A blob's content does not match its checksum (raised as ``CorruptBlobError``)."""


class Codec(abc.ABC):
    """Turns a 1-D float array into bytes and back.

    ``codec_id`` is the name stores use in ``STORE_CODEC``; ``header_byte`` (for every
    codec but the magic-less LZ4 default) is written after :data:`HEADER_MAGIC`.
    """

    codec_id: str
    header_byte: int | None = None

    @abc.abstractmethod
    def encode(self, array: np.ndarray) -> bytes:
        """Encode a contiguous 1-D array; the result must identify this codec."""

    def encode_many(self, arrays: list[np.ndarray]) -> list[bytes]:
        """Encode several arrays (a series' chunks), as :meth:`encode` each. A codec whose
        encoding is dominated by fixed per-call costs overrides it to share them."""
        return [self.encode(array) for array in arrays]

    @abc.abstractmethod
    def decode(self, blob: bytes | memoryview, dtype: np.dtype) -> np.ndarray:
        """Decode a blob written by :meth:`encode` into an array of ``dtype``.

        Return a writable array if it costs nothing (:func:`hostore.codecs.decode` copies
        a read-only one)."""

    def decode_many(self, blobs: list, dtypes: list[np.dtype]) -> list[np.ndarray]:
        """Decode several blobs of this codec (a series' chunks). A codec whose decoding
        is dominated by fixed per-call costs overrides it to decode them together."""
        return [self.decode(blob, dtype) for blob, dtype in zip(blobs, dtypes, strict=True)]

    def verify(self, blob: bytes | memoryview, dtype: np.dtype) -> None:
        """Raise if ``blob`` is damaged: its checksum alone when it carries one (no
        decompression), else a full decode."""
        if memoryview(blob)[len(HEADER_MAGIC)] & CHECKSUM_FLAG:
            self._payload(blob)
        else:
            self.decode(blob, dtype)

    def _header(self) -> bytes:
        return HEADER_MAGIC + bytes([self._byte()])

    def _byte(self) -> int:
        if self.header_byte is None:
            raise TypeError(f"the {self.codec_id} codec writes no header")
        return self.header_byte

    def _sealed(self, payload: bytes) -> bytes:
        """Header with :data:`CHECKSUM_FLAG`, the checksum of ``payload``, then ``payload``."""
        head = HEADER_MAGIC + bytes([self._byte() | CHECKSUM_FLAG])
        return head + _SUM.pack(xxhash.xxh3_64_intdigest(payload)) + payload

    def _payload(self, blob: bytes | memoryview) -> memoryview:
        """What follows the header, its checksum verified when the blob carries one."""
        view = memoryview(blob)
        start = len(HEADER_MAGIC) + 1
        if not view[start - 1] & CHECKSUM_FLAG:
            return view[start:]
        payload = view[start + _SUM.size :]
        if (
            len(view) < start + _SUM.size
            or xxhash.xxh3_64_intdigest(payload) != _SUM.unpack_from(view, start)[0]
        ):
            raise ChecksumError("the content does not match its checksum")
        return payload


_local = threading.local()


def zstd_compressor(level: int) -> zstandard.ZstdCompressor:
    """This thread's compressor for ``level`` (a new one costs more than a small chunk)."""
    cache = _local.__dict__.setdefault("compressors", {})
    if level not in cache:
        cache[level] = zstandard.ZstdCompressor(level=level)
    return cache[level]


def zstd_decompressor() -> zstandard.ZstdDecompressor:
    """This thread's decompressor (zstandard contexts must not be shared across threads)."""
    if not hasattr(_local, "decompressor"):
        _local.decompressor = zstandard.ZstdDecompressor()
    return _local.decompressor
