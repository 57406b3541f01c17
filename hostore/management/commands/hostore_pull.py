"""``manage.py hostore_pull``: bring a local store up to date with a sync server (for cron)."""

from __future__ import annotations

import os
from typing import Any, cast

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from tqdm import tqdm

from hostore.exceptions import HostoreError
from hostore.models import TimeseriesChunkStore
from hostore.sync import TimeseriesChunkStoreSyncClient


class Command(BaseCommand):
    help = (
        "Pull the changes of a holcstore sync server into a local TimeseriesChunkStore: "
        "only what changed since the last pull (of the same filters) travels. The auth "
        "token, if any, is read from an environment variable, never from the command line."
    )

    SUMMARY = (
        "{store} <- {endpoint}: {fetched} chunks fetched, {deleted} deletions, "
        "{mb:.1f} MB, {requests} requests in {seconds:.1f} s"
    )
    NO_MODEL = "{label} is not a TimeseriesChunkStore model (give app_label.ModelName)"
    BAD_FILTER = "--filter takes key=value, not {value!r}"

    def add_arguments(self, parser) -> None:
        parser.add_argument("endpoint", help="URL the server's sync ViewSet is registered at")
        parser.add_argument("model", help="the local store, as app_label.ModelName")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="pull only the series whose business key KEY equals VALUE (repeatable)",
        )
        parser.add_argument("--batch", type=int, default=50, help="chunks per pack request")
        parser.add_argument("--page-size", type=int, default=200, help="changes per page")
        parser.add_argument(
            "--token-env",
            default="HOSTORE_SYNC_TOKEN",
            help="environment variable holding the auth token (default HOSTORE_SYNC_TOKEN); "
            "unset: no Authorization header",
        )
        parser.add_argument(
            "--auth-scheme", default="Token", help="Authorization scheme (Token, Bearer...)"
        )
        parser.add_argument("--retry-tries", type=int, default=5, help="tries per request")
        parser.add_argument(
            "--retry-time", type=float, default=300, help="seconds of retries per request"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, endpoint, model, **options) -> None:
        try:
            store = apps.get_model(model)
        except (LookupError, ValueError):
            store = None
        if store is None or not issubclass(store, TimeseriesChunkStore):
            raise CommandError(self.NO_MODEL.format(label=model))
        filters = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(self.BAD_FILTER.format(value=item))
            filters[key] = value
        kwargs = {}
        token = os.environ.get(options["token_env"], "")
        if token:
            kwargs["headers"] = {"Authorization": f"{options['auth_scheme']} {token}"}
        bar = tqdm(
            desc="pulled",
            unit=" chunks",
            disable=options["no_progress"],
            file=cast(Any, self.stderr._out),
        )
        try:
            client = TimeseriesChunkStoreSyncClient(
                endpoint=endpoint,
                store_model=store,
                retry_max_tries=options["retry_tries"],
                retry_max_time=options["retry_time"],
                requests_get_kwargs=kwargs,
            )
            filters = store._hostore.check_filters(filters)
            fields = {k: cast(models.Field, store._meta.get_field(k)) for k in filters}
            filters = {k: fields[k].to_python(v) for k, v in filters.items()}

            def progress(fetched: int, deleted: int) -> None:
                bar.update(fetched + deleted - bar.n)

            result = client.pull(
                filters=filters,
                batch=options["batch"],
                page_size=options["page_size"],
                progress=progress,
            )
        except (HostoreError, ValueError, ValidationError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        stats = client.stats
        self.stdout.write(
            self.SUMMARY.format(
                store=store._meta.label,
                endpoint=endpoint,
                fetched=result.fetched,
                deleted=result.deleted,
                mb=stats.bytes / 1e6,
                requests=stats.requests,
                seconds=stats.seconds,
            )
        )
