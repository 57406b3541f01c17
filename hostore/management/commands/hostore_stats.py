"""``manage.py hostore_stats``: how much each store holds and how well it compresses."""

from __future__ import annotations

import json
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hostore.exceptions import HostoreError
from hostore.files.health import store_stats
from hostore.files.stores import all_store_models, resolve_model


class Command(BaseCommand):
    help = (
        "Per store: series, chunks (rows holding data), points (values that are not NaN, "
        "counted by decoding every blob), bytes of the blobs, bytes per point, codecs in use "
        "(chunks per codec) and tombstones; on PostgreSQL also the table's total size. "
        "Default: every store of the project. A table on stdout, or JSON with --json."
    )

    SUMMARY = "{stores} store(s): {series} series, {points} points, {bytes} bytes"
    HEADER = ("store", "series", "chunks", "points", "bytes", "B/point", "codecs", "tombstones")

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "models", nargs="*", help="stores as app_label.ModelName (default: all of them)"
        )
        parser.add_argument("--json", action="store_true", help="print JSON, one object")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, models, **options) -> None:
        try:
            stores = [resolve_model(m) for m in models] if models else all_store_models()
        except HostoreError as exc:
            raise CommandError(str(exc)) from exc
        results = []
        with tqdm(
            desc="rows read",
            unit=" rows",
            disable=options["no_progress"],
            file=cast(Any, self.stderr._out),
        ) as bar:
            for store in stores:
                results.append(store_stats(store, bar.update))
        if options["json"]:
            self.stdout.write(json.dumps({"stores": [s.as_dict() for s in results]}, indent=2))
            return
        lines: list[tuple[str, ...]] = [self.HEADER]
        for s in results:
            per_point = "-" if s.bytes_per_point is None else f"{s.bytes_per_point:.2f}"
            codecs = ", ".join(f"{name}: {n}" for name, n in s.codecs.items()) or "-"
            size = f"{s.bytes}" + ("" if s.table_bytes is None else f" (table {s.table_bytes})")
            row = (s.store, s.series, s.chunks, s.points, size, per_point, codecs, s.tombstones)
            lines.append(tuple(str(v) for v in row))
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.HEADER))]
        for line in lines:
            self.stdout.write(
                "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
            )
        self.stdout.write(
            self.SUMMARY.format(
                stores=len(results),
                series=sum(s.series for s in results),
                points=sum(s.points for s in results),
                bytes=sum(s.bytes for s in results),
            )
        )
