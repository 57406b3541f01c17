"""Measurements outside the database phases: codec speed, memory probe, machine info."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
from importlib import metadata
from time import perf_counter

import numpy as np

from .data import Workload


def series_chunks(work: Workload) -> list[list[np.ndarray]]:
    """Per series, the dense monthly arrays the store keeps (local months, NaN included)."""
    cuts = np.flatnonzero(np.diff(work.index.month.to_numpy())) + 1
    return [
        [np.ascontiguousarray(part) for part in np.split(serie.to_numpy(), cuts)]
        for serie in work.series.values()
    ]


def codec_speed(work: Workload, codec_ids: list[str], repeat: int) -> dict:
    """Encode and decode MB/s (raw float64 bytes / time) and bytes per point, per codec.

    Decoding is timed two ways: chunk by chunk (``codecs.decode``) and a series' twelve
    chunks in one call (``codecs.decode_many``, what every read of the store does). The
    ways alternate, so that both see the same machine. Each series' arrays are checked and
    dropped before the next series is decoded, as a stream of reads would: their memory is
    reused, where keeping every output alive would also time the operating system handing
    out fresh pages (about a quarter more on the benchmark's VM)."""
    from hostore import codecs

    series = series_chunks(work)
    raw = sum(a.nbytes for chunks in series for a in chunks)
    points = sum(len(a) for chunks in series for a in chunks)
    out = {}
    for codec_id in codec_ids:
        enc, dec, dec_many = [], [], []
        for _ in range(max(repeat, 5)):
            start = perf_counter()
            blobs = [[codecs.encode(a, codec_id) for a in chunks] for chunks in series]
            enc.append(perf_counter() - start)
            one, many = 0.0, 0.0
            for arrays, chunk_blobs in zip(series, blobs, strict=True):
                dtypes = ["float64"] * len(chunk_blobs)
                start = perf_counter()
                decoded = [codecs.decode(b, "float64") for b in chunk_blobs]
                one += perf_counter() - start
                start = perf_counter()
                joined = codecs.decode_many(chunk_blobs, dtypes)
                many += perf_counter() - start
                for a, d, m in zip(arrays, decoded, joined, strict=True):
                    if not (
                        np.array_equal(a, d, equal_nan=True)
                        and np.array_equal(a, m, equal_nan=True)
                    ):
                        raise AssertionError(f"codec {codec_id} does not round-trip")
            dec.append(one)
            dec_many.append(many)
        out[codec_id] = {
            "encode_mb_s": raw / 1e6 / statistics.median(enc),
            "decode_mb_s": raw / 1e6 / statistics.median(dec),
            "decode_series_mb_s": raw / 1e6 / statistics.median(dec_many),
            "bytes_per_point": sum(len(b) for chunks in blobs for b in chunks) / points,
            "profile": work.profile,
        }
    return out


def memory_probe(codec: str, n: int) -> dict:
    """Run :mod:`bench.memory` in a fresh process (same environment, same database)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.memory", codec, str(n)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def code_info() -> dict:
    """The commit measured, and whether the store had uncommitted changes."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", root, *args], capture_output=True, text=True, check=True
            )
        except (OSError, subprocess.CalledProcessError):
            return None
        return done.stdout.strip()

    status = git("status", "--porcelain", "--", "hostore")
    return {"commit": git("rev-parse", "--short", "HEAD"), "hostore_modified": bool(status)}


def machine_info() -> dict:
    import sqlite3

    packages = ["holcstore", "Django", "pandas", "numpy", "psycopg", "lz4", "zstandard"]
    mem_gb = None
    with contextlib.suppress(ValueError, OSError):
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite_library": sqlite3.sqlite_version,
        "packages": {name: _version(name) for name in packages},
    }
