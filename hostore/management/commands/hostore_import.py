"""``manage.py hostore_import``: load a CSV or Parquet file into a store, all or nothing."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from tqdm import tqdm

from hostore.exceptions import HostoreError, SeriesExistsError
from hostore.files.importing import ImportOptions, import_file
from hostore.files.reading import FORMATS, FileReader, file_format
from hostore.files.stores import resolve_model, target_for


class Command(BaseCommand):
    help = (
        "Import a CSV or Parquet file of series into a store (TimeseriesChunkStore, "
        "TimeseriesStore or Store). Long format: key columns, a timestamp column and a value "
        "column, each series' rows together; wide format (--wide): a timestamp column and a "
        "column per series, named by its key value(s). Times are ISO 8601, with UTC offsets "
        "or naive (read in --tz, default the store's STORE_TZ). The file is streamed in "
        "batches and written in one transaction: an error names its line and imports nothing."
    )

    SUMMARY = "{store} <- {path}: {series} series, {points} values from {rows} rows ({fmt})"
    BAD_SET = "--set takes key=value, not {value!r}"
    EXISTS = (
        "{error}; nothing was imported: pass --update to merge the file into the stored "
        "series, or --replace to overwrite them"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("model", help="the store, as app_label.ModelName")
        parser.add_argument("path", help="the file to import (.csv or .parquet)")
        parser.add_argument(
            "--format", choices=FORMATS, help="file format (default: from the extension)"
        )
        parser.add_argument(
            "--keys",
            help="comma-separated key names: the key columns of a long file, or what a wide "
            "file's column names hold (default: the store's business keys not given by --set; "
            "'prm' for a Store)",
        )
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a key with the same value for every series of the file (repeatable)",
        )
        parser.add_argument(
            "--timestamp", default="timestamp", help="name of the time column (default timestamp)"
        )
        parser.add_argument(
            "--value", default="value", help="name of the value column, long format (default value)"
        )
        parser.add_argument("--wide", action="store_true", help="wide format: a column per series")
        parser.add_argument(
            "--key-sep",
            help="wide format: separator splitting a column name into the values of --keys",
        )
        parser.add_argument(
            "--tz",
            help="IANA zone of naive times (default: the store's STORE_TZ; times with an "
            "offset are converted to the store's zone). Store and TimeseriesStore have no "
            "zone: their times are stored in --tz (default: UTC for times with an offset, "
            "naive times kept naive)",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--update",
            action="store_true",
            help="merge into stored series (file values win, stored ones fill the rest)",
        )
        mode.add_argument(
            "--replace",
            action="store_true",
            help="make each stored series exactly the file's (default: a stored series is "
            "an error)",
        )
        parser.add_argument("--client-id", type=int, help="Store only: the client_id of the curves")
        parser.add_argument(
            "--versionning",
            action="store_true",
            help="Store only: append each curve as a new version instead of replacing it",
        )
        parser.add_argument(
            "--batch-rows",
            type=int,
            default=100_000,
            help="rows read at a time: memory is about one batch and one series (default 100000)",
        )
        parser.add_argument(
            "--flush-values",
            type=int,
            default=2_000_000,
            help="values of complete series buffered before a bulk write (default 2000000)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, model, path, **options) -> None:
        fixed = {}
        for item in options["set"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(self.BAD_SET.format(value=item))
            fixed[key] = value
        keys = options["keys"]
        mode = "update" if options["update"] else "replace" if options["replace"] else "insert"
        try:
            store = resolve_model(model)
            target = target_for(store, options["client_id"], options["versionning"])
            fmt = file_format(path, options["format"])
            reader = FileReader(path, fmt, options["batch_rows"])
            opts = ImportOptions(
                keys=None if keys is None else tuple(k.strip() for k in keys.split(",") if k),
                fixed=fixed,
                timestamp=options["timestamp"],
                value=options["value"],
                wide=options["wide"],
                key_sep=options["key_sep"],
                tz=options["tz"],
                mode=mode,
                flush_points=options["flush_values"],
            )
            with tqdm(
                desc="imported",
                unit=" rows",
                total=reader.total_rows,
                disable=options["no_progress"],
                file=cast(Any, self.stderr._out),
            ) as bar:
                result = import_file(target, reader, opts, bar.update)
        except SeriesExistsError as exc:
            raise CommandError(self.EXISTS.format(error=exc)) from exc
        except (HostoreError, ValueError, TypeError, ValidationError) as exc:
            raise CommandError(f"{exc}; nothing was imported") from exc
        except DatabaseError as exc:  # e.g. a key value longer than its column
            raise CommandError(
                f"the database refused the import ({exc}); nothing was imported"
            ) from exc
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
