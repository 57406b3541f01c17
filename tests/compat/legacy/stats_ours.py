"""Our side of ``test_chunk_stats_06``: the chunk store table of holcstore 0.6.7's legacy
project, used in place by ours (run by our interpreter, never by the release's).

    python stats_ours.py --db DB migrate           add our columns (the user's migration)
    python stats_ours.py --db DB write SPEC.json   set_ts calls, as the legacy driver's
    python stats_ours.py --db DB check OUT.json    the four answers and pandas' on get_many_ts

``check`` writes, for each question, whether ours equals pandas on ``get_many_ts`` (and the
values when not), and how many live rows have statistics that no longer hold.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def setup(db: str):
    os.environ["HOLCSTORE_LEGACY_DB"] = db
    os.environ["DJANGO_SETTINGS_MODULE"] = "legacy_site.settings"
    sys.path.insert(0, str(HERE))
    import django

    django.setup()
    from django.db import connection, models

    from hostore.models import TimeseriesChunkStore

    table = next(
        t
        for t in connection.introspection.table_names()
        if t.startswith("legacy_site_legacyhalfhourly")
    )

    class Meters(TimeseriesChunkStore):
        """0.6.7's LegacyHalfHourly, declared as a user of ours does (its table kept)."""

        meter = models.CharField(max_length=32)
        STORE_FREQ = "30min"
        STORE_CODEC = "lz4"  # 0.6.7 still writes this table: a mixed fleet

        class Meta:
            app_label = "legacy_site"
            db_table = table

    return Meters


def migrate(model) -> dict:
    """What the user's ``makemigrations`` + ``migrate`` do: hostore's migrations, and the
    store's new columns (``sync_seq``, the statistics)."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "hostore", verbosity=0)
    with connection.cursor() as cursor:
        have = {
            c.name
            for c in connection.introspection.get_table_description(cursor, model._meta.db_table)
        }
    added = []
    with connection.schema_editor() as editor:
        for field in model._meta.concrete_fields:
            if field.column not in have:
                editor.add_field(model, field)
                added.append(field.column)
    return {"added": added}


def write(model, spec: str) -> dict:
    import series

    for op in json.loads(Path(spec).read_text()):
        model.set_ts(op["attrs"], series.build(op["serie"]), update=bool(op.get("update")))
    return {"written": True}


def check(model, out: str) -> dict:
    import numpy as np
    from django.db.models import F, Q

    df = model.get_many_ts()
    found = {}
    cov = model.coverage()
    want = {
        "present": df.count().tolist(),
        "first": [str(df[c].first_valid_index()) for c in df.columns],
        "last": [str(df[c].last_valid_index()) for c in df.columns],
    }
    got = {
        "present": cov["present"].tolist(),
        "first": [str(t) for t in cov["first"]],
        "last": [str(t) for t in cov["last"]],
    }
    found["coverage"] = {"equal": got == want, "got": got, "want": want}
    holes = {a["meter"]: [[str(x), str(y)] for x, y in h] for a, h in model.holes()}
    want_holes = {}
    for meter in df.columns:
        col = df[meter].loc[df[meter].first_valid_index() : df[meter].last_valid_index()]
        missing = col.isna().to_numpy()
        edges = np.diff(np.concatenate(([0], missing.view(np.int8), [0])))
        a, b = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
        want_holes[meter] = [
            [str(col.index[i]), str(col.index[j])] for i, j in zip(a, b, strict=True)
        ]
    found["holes"] = {"equal": holes == want_holes, "got": holes, "want": want_holes}
    total = model.total_ts()
    want_total = df.sum(axis=1, min_count=1)
    want_total = want_total.loc[want_total.first_valid_index() : want_total.last_valid_index()]
    found["total_ts"] = {
        "equal": bool(
            total.index.equals(want_total.index)
            and np.allclose(total.to_numpy(), want_total.to_numpy(), equal_nan=True)
        )
    }
    days = model.aggregate_ts(period="day")
    local = df.index.tz_localize(None).normalize()
    want_days = df.groupby(local).sum(min_count=1)
    found["aggregate_ts"] = {
        "equal": bool(
            np.allclose(days.to_numpy(), want_days.to_numpy(), equal_nan=True)
            and list(days.index.tz_localize(None)) == list(want_days.index)
        )
    }
    live = model.objects.filter(is_deleted=False)
    stale = live.filter(Q(stat_at__isnull=True) | ~Q(stat_at=F("updated_at")))
    found["rows"] = {
        "live": live.count(),
        "stale": sorted([m, c] for m, c in stale.values_list("meter", "chunk_index")),
    }
    Path(out).write_text(json.dumps(found))
    return {"checked": True}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("command", choices=["migrate", "write", "check"])
    parser.add_argument("path", nargs="?")
    args = parser.parse_args()
    model = setup(args.db)
    command = {"migrate": lambda: migrate(model), "write": lambda: write(model, args.path)}
    command["check"] = lambda: check(model, args.path)
    print(json.dumps(command[args.command]()))


if __name__ == "__main__":
    main()
