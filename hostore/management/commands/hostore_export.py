"""``manage.py hostore_export``: write a store's series to a CSV or Parquet file."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hostore.exceptions import HostoreError
from hostore.files.reading import FORMATS, file_format
from hostore.files.stores import expand_filters, resolve_model, target_for
from hostore.files.writing import ExportOptions, export_series


class Command(BaseCommand):
    help = (
        "Export the series of a store to a CSV or Parquet file that hostore_import reads "
        "back exactly. Long format by default (key columns, timestamp, value; missing "
        "values left out), streamed series by series; --wide writes a column per series "
        "(the selection is then held in memory). Times are ISO 8601 with their UTC offset "
        "in the store's zone (or --tz)."
    )

    SUMMARY = "{store} -> {path}: {series} series, {points} values in {rows} rows ({fmt})"

    def add_arguments(self, parser) -> None:
        parser.add_argument("model", help="the store, as app_label.ModelName")
        parser.add_argument("path", help="the file to write (.csv or .parquet)")
        parser.add_argument(
            "--format", choices=FORMATS, help="file format (default: from the extension)"
        )
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="only the series whose key KEY equals VALUE, or is one of a list with "
            "KEY__in=A,B (repeatable)",
        )
        parser.add_argument("--start", help="first time to export (inclusive, ISO 8601)")
        parser.add_argument("--end", help="last time to export (inclusive, ISO 8601)")
        parser.add_argument(
            "--tz", help="IANA zone of the written times (default: the store's STORE_TZ)"
        )
        parser.add_argument("--wide", action="store_true", help="a column per series")
        parser.add_argument(
            "--key-sep",
            default="/",
            help="wide format: separator joining the key values of a column name (default /)",
        )
        parser.add_argument("--client-id", type=int, help="Store only: the client_id of the curves")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, model, path, **options) -> None:
        try:
            store = resolve_model(model)
            target = target_for(store, options["client_id"])
            fmt = file_format(path, options["format"])
            filters = expand_filters(store, options["filter"])
            opts = ExportOptions(
                wide=options["wide"], key_sep=options["key_sep"], tz=options["tz"] or target.tz
            )
            series = target.read(filters, options["start"], options["end"])
            with tqdm(
                desc="exported",
                unit=" series",
                disable=options["no_progress"],
                file=cast(Any, self.stderr._out),
            ) as bar:
                result = export_series(series, path, fmt, target.keys, opts, bar.update)
        except (HostoreError, ValueError, TypeError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.SUMMARY.format(
                store=store._meta.label,
                path=path,
                series=result.series,
                points=result.points,
                rows=result.rows,
                fmt=fmt,
            )
        )
