"""``manage.py hostore_verify``: decode every stored blob and check its shape."""

from __future__ import annotations

from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from hostore.exceptions import HostoreError
from hostore.files.health import verify_store
from hostore.files.stores import all_store_models, resolve_model


class Command(BaseCommand):
    help = (
        "Decode every chunk of the given stores (default: every store of the project) and "
        "check it: TimeseriesChunkStore chunks must decode to a float array of the row's "
        "dtype, as long as the chunk period has slots on the store's grid, and start_ts must "
        "be the period's first slot; Store and TimeseriesStore blobs must decode. Each bad "
        "row is printed; the command fails (exit code 1) when one is found."
    )

    SUMMARY = "{stores} store(s), {rows} rows checked: {bad} bad"
    FAILED = "{bad} bad row(s) found: see the lines above"

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "models", nargs="*", help="stores as app_label.ModelName (default: all of them)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, models, **options) -> None:
        try:
            stores = [resolve_model(m) for m in models] if models else all_store_models()
        except HostoreError as exc:
            raise CommandError(str(exc)) from exc
        bad = rows = 0

        def checked(n: int) -> None:
            nonlocal rows
            rows += n
            bar.update(n)

        with tqdm(
            desc="rows checked",
            unit=" rows",
            disable=options["no_progress"],
            file=cast(Any, self.stderr._out),
        ) as bar:
            for store in stores:
                for problem in verify_store(store, checked):
                    bad += 1
                    self.stdout.write(str(problem))
        self.stdout.write(self.SUMMARY.format(stores=len(stores), rows=rows, bad=bad))
        if bad:
            raise CommandError(self.FAILED.format(bad=bad), returncode=1)
