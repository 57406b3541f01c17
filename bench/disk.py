"""The disk phase (issue 15): bytes per point of each codec on each shape of data, where they go.

For each shape of :mod:`bench.shapes`, chunk axis (month, year) and codec, N series are
written with ``set_many_ts`` into a chunk store of their own (the shape's grid), then
measured: the codec's bytes alone (the blobs), and on disk: on PostgreSQL the table's heap,
its TOAST (with its index) and its indexes; on SQLite the pages of the table and its indexes
(``dbstat``). Also per shape and codec: encode and decode speed alone (MB/s of raw float
bytes; decode a series' chunks together, as reads do). All per grid slot (NaN ones too).

``pco-<level>`` are pcodec at other levels than the registered ``pco``'s, for this phase
only (their blobs are read by the registered codec).
"""

from __future__ import annotations

import argparse
import gc
import json
from collections.abc import Callable
from pathlib import Path
from time import perf_counter

REPO = Path(__file__).resolve().parent.parent
CODECS = ("lz4", "delta", "shuffle-zstd", "pco-2", "pco", "pco-8")
AXES = {"month": ("year", "month"), "year": ("year",)}


def register_levels(wanted) -> None:
    """Register the ``pco-<level>`` codecs among ``wanted`` (before any model uses them)."""
    from hostore import codecs
    from hostore.codecs.pco import PcoCodec

    class Level(PcoCodec):
        header_byte = None  # blobs of the registered pco's header, read by it

        def _sealed(self, payload: bytes) -> bytes:
            return codecs.get_codec("pco")._sealed(payload)

    for codec_id in wanted:
        if codec_id.startswith("pco-") and codec_id not in codecs.available():
            level = int(codec_id.split("-", 1)[1])
            codecs.register(type(f"Pco{level}", (Level,), {"codec_id": codec_id})(level))


def _store(shape, axis: str, codec_id: str):
    from .models import chunk_store

    slug = f"{shape.name}_{axis}_{codec_id}".replace("-", "_")
    return chunk_store(f"Disk_{slug}", f"bench_disk_{slug}", codec_id, shape.freq, AXES[axis])


def _sizes(model) -> dict[str, int]:
    """Bytes of ``model``'s table: heap, toast (with its index), indexes; and the blobs."""
    from django.db import connection
    from django.db.models import Sum
    from django.db.models.functions import Length

    table = model._meta.db_table
    blobs = model.objects.aggregate(n=Sum(Length("data")))["n"] or 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_relation_size(c.oid), "
                "coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0), "
                "pg_indexes_size(c.oid) FROM pg_class c WHERE c.oid = %s::regclass",
                [table],
            )
            heap, toast, indexes = cursor.fetchone()
        else:
            cursor.execute(
                "SELECT coalesce(sum(CASE WHEN name = %s THEN pgsize END), 0), "
                "coalesce(sum(CASE WHEN name != %s THEN pgsize END), 0) FROM dbstat "
                "WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = %s)",
                [table, table, table],
            )
            heap, indexes = cursor.fetchone()
            toast = 0
    return {"blobs": int(blobs), "heap": int(heap), "toast": int(toast), "indexes": int(indexes)}


def _speeds(codec_id: str, series) -> dict[str, float]:
    """Encode and decode MB/s of the codec alone on these series' monthly chunks."""
    from hostore import codecs

    chunks = [
        [np_chunk for _, np_chunk in s.groupby([s.index.year, s.index.month])] for s in series
    ]
    arrays = [[c.to_numpy() for c in parts] for parts in chunks]
    raw = sum(a.nbytes for parts in arrays for a in parts)
    codec = codecs.get_codec(codec_id)
    gc.collect()
    started = perf_counter()
    blobs = [[codec.encode(a) for a in parts] for parts in arrays]
    encode = perf_counter() - started
    dtypes = [[a.dtype for a in parts] for parts in arrays]
    started = perf_counter()
    for parts, kinds in zip(blobs, dtypes, strict=True):
        codecs.decode_many(parts, kinds)
    decode = perf_counter() - started
    return {"encode_mb_s": raw / encode / 1e6, "decode_mb_s": raw / decode / 1e6}


def worker(n: int, codec_ids: list[str], shape_names: list[str], out: str, log) -> None:
    from . import db

    register_levels(codec_ids)
    db.setup_django()
    from django.db import connection

    from hostore.models._storage import prefer_external_storage

    from .shapes import SHAPES

    db.create_tables()  # the change clock and its functions among them
    results = []
    for name in shape_names:
        shape = SHAPES[name]
        series = {f"m{i:05d}": shape.series(i) for i in range(n)}
        slots = sum(len(s) for s in series.values())
        for axis in AXES:
            for codec_id in codec_ids:
                model = _store(shape, axis, codec_id)
                with connection.schema_editor() as editor:
                    editor.create_model(model)
                prefer_external_storage(model, connection.alias)  # what migrate does
                started = perf_counter()
                model.set_many_ts({(m,): s for m, s in series.items()}, keys=("meter",))
                seconds = perf_counter() - started
                db.analyze([model])
                sizes = _sizes(model)
                rows = model.objects.count()
                with connection.schema_editor() as editor:
                    editor.delete_model(model)
                row = {"shape": name, "axis": axis, "codec": codec_id, "slots": slots}
                row |= {"rows": rows, "ingest_s": seconds, **sizes}
                if axis == "month":
                    row |= _speeds(codec_id, list(series.values()))
                results.append(row)
                on_disk = (sizes["heap"] + sizes["toast"] + sizes["indexes"]) / slots
                log(
                    f"{name:<13} {axis:<5} {codec_id:<12} {sizes['blobs'] / slots:6.3f} B/pt "
                    f"codec, {on_disk:6.3f} on disk ({rows} rows)"
                )
    Path(out).write_text(json.dumps({"server": db.server_version(), "rows": results}))


def run(vendor: str, n: int, codec_ids, shape_names, log: Callable[[str], None]) -> dict:
    """The phase on one database, in a worker process on a database of its own."""
    from .db import run_worker

    started = perf_counter()
    args = ["--n", str(n), "--codecs", *codec_ids, "--shapes", *shape_names]
    result = {"kind": "disk", "db": vendor, "n": n, **run_worker(vendor, "disk", args)}
    result["wall_seconds"] = perf_counter() - started
    log(f"[{vendor} disk N={n}] done in {result['wall_seconds']:.0f} s")
    return result


def render(results: list[dict]) -> str:
    """Per database: B/pt of the codec alone and on disk (with where it goes), per shape,
    axis and codec; speeds alone; and each codec against lz4 on disk."""
    from .report import table

    parts = []
    for result in results:
        rows = []
        lz4 = {(r["shape"], r["axis"]): r for r in result["rows"] if r["codec"] == "lz4"}
        for r in result["rows"]:
            slots = r["slots"]
            disk = (r["heap"] + r["toast"] + r["indexes"]) / slots
            base = lz4.get((r["shape"], r["axis"]))
            base_disk = (base["heap"] + base["toast"] + base["indexes"]) / slots if base else 0
            rows.append(
                [
                    r["shape"],
                    r["axis"],
                    r["codec"],
                    f"{r['blobs'] / slots:.3f}",
                    f"{r['heap'] / slots:.3f}",
                    f"{r['toast'] / slots:.3f}",
                    f"{r['indexes'] / slots:.3f}",
                    f"{disk:.3f}",
                    f"{disk / base_disk:.2f}" if base_disk else "",
                    f"{r['encode_mb_s']:.0f}" if "encode_mb_s" in r else "",
                    f"{r['decode_mb_s']:.0f}" if "decode_mb_s" in r else "",
                ]
            )
        headers = ["shape", "chunks", "codec", "codec B/pt", "heap", "toast", "indexes"]
        headers += ["disk B/pt", "x lz4", "enc MB/s", "dec MB/s"]
        parts += ["", f"== {result['server']}: bytes per grid slot, {result['n']} series ==",
                  table(headers, rows)]  # fmt: skip
    return "\n".join(parts)


def save(results: list[dict], started: str) -> list[str]:
    from .report import save_phase

    return save_phase(results, started, "disk")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="worker of the disk phase")
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--codecs", nargs="+", required=True)
    parser.add_argument("--shapes", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    from .worker import log as _log

    worker(options.n, options.codecs, options.shapes, options.out, _log)
