"""The codecs as they wrote before blobs carried checksums, for measuring what checksums cost.

``--codecs lz4,lz4-nocrc,delta,delta-nocrc`` runs each store phase on both forms side by side
(call by call in the interleaved phases). ``*-nocrc`` blobs are the old formats: an LZ4 frame
without its content checksum, the ``HCS`` header without the checksum flag; the registered
codecs read them (skipping the verification), exactly as they read blobs written before.
Registered by the benchmark's worker when asked for; never part of the default codec list.
"""

from __future__ import annotations

import lz4.frame
import numpy as np

from hostore import codecs
from hostore.codecs._base import HEADER_MAGIC
from hostore.codecs.delta import DeltaCodec
from hostore.codecs.lz4 import LZ4Codec
from hostore.codecs.zstd import ShuffleZstdCodec

SUFFIX = "-nocrc"


def _unsealed(base: type) -> bytes:
    """The ``HCS`` header of ``base`` without the checksum flag (as earlier releases wrote)."""
    return HEADER_MAGIC + bytes([base.header_byte])


class LZ4NoChecksum(LZ4Codec):
    codec_id = "lz4" + SUFFIX

    def encode(self, array: np.ndarray) -> bytes:
        data = np.ascontiguousarray(array).data
        return lz4.frame.compress(data, store_size=True, block_linked=False)


class DeltaNoChecksum(DeltaCodec):
    codec_id = "delta" + SUFFIX
    header_byte = None  # its blobs are read by the registered delta codec

    def _sealed(self, payload: bytes) -> bytes:
        return _unsealed(DeltaCodec) + payload


class ShuffleZstdNoChecksum(ShuffleZstdCodec):
    codec_id = "shuffle-zstd" + SUFFIX
    header_byte = None

    def _sealed(self, payload: bytes) -> bytes:
        return _unsealed(ShuffleZstdCodec) + payload


CODECS = (LZ4NoChecksum, DeltaNoChecksum, ShuffleZstdNoChecksum)
IDS = [c.codec_id for c in CODECS]


def register(wanted) -> None:
    """Register the codecs without checksums among ``wanted`` (codec ids), in the process
    that runs the benchmark only (registered codecs get a table of their own)."""
    for cls in CODECS:
        if cls.codec_id in wanted and cls.codec_id not in codecs.available():
            codecs.register(cls())
