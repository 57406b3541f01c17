"""Drive the tables project with whichever holcstore the interpreter has: a published release
in its own venv (``--side legacy``) or ours (``--side ours``).

    python driver.py --side S --db DB --migrations DIR [--frames] COMMAND [+ COMMAND ...]

    makemigrations       the user's ``makemigrations``: the operations of the new migration
    check                ``makemigrations --check``: whether the models still differ
    migrate              ``migrate``: the migrations it applied
    schema               the constraints and indexes of the stores' tables
    write SPEC.json      apply writes with the store API (specs: see below)
    dump OUT.json        every row of every store, read with the store API, canonically

Commands joined by ``+`` run in one process (Django and pandas are imported once); each
prints one JSON line on stdout. ``--db`` is a SQLite file or a PostgreSQL URL; ``DIR`` is the
app's migrations package (shared by the sides, as a project's own migrations are).

A spec is a list of writes, applied in order::

    {"op": "set_lc", "store": "curves", "prm": "p1", "client_id": 1, "serie": {...},
     "versionning": true, "attributes_to_set": {"year": 2024}}
    {"op": "set_many_lc", "store": "curves", "client_id": 1, "series": {"p1": {...}}, ...}
    {"op": "clear", "store": "curves", "prms": ["p1"], "client_id": 1}
    {"op": "set_ts", "store": "series", "attrs": {...}, "serie": {...}, "update": true}
    {"op": "update_or_create_df", "store": "frames", "client_id": 1, "key": "k",
     "frame": {...}, "meta": {...}, "store_index": true}

with curves and frames described as in :mod:`specs`.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
APP = "tables_site"
_OWN = ("id", "client_id", "prm", "last_modified", "created_at", "data", "version")
# find_holes of the dumps: two days over the spring clock change of Paris, every 30 min
HOLES_WINDOW = ("2024-03-30 00:00", "2024-03-31 23:30", "Europe/Paris")


def _setup(args) -> None:
    os.environ["TABLES_DB"] = args.db if "://" in args.db else str(Path(args.db).resolve())
    migrations = Path(args.migrations).resolve() if args.migrations else ""
    os.environ["TABLES_MIGRATIONS"] = str(migrations)
    os.environ["TABLES_FRAMES"] = "1" if args.frames else "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tables_site.settings"
    import django

    import hostore

    ours = Path(hostore.__file__).resolve().is_relative_to(REPO / "hostore")
    if ours != (args.side == "ours"):
        raise RuntimeError(f"--side {args.side} but hostore is imported from {hostore.__file__}")
    django.setup()


def _stores() -> dict:
    from tables_site.models import STORES

    return STORES


# --------------------------------------------------------------------------- schema
def _describe(op) -> dict:
    """A migration operation as JSON: its class, model and the index/constraint it names."""
    out = {"op": type(op).__name__}
    model = getattr(op, "model_name", None) or getattr(op, "name", None)
    if model is not None:
        out["model"] = str(model).lower()
    if out["op"] in ("RemoveIndex", "RemoveConstraint"):
        out["name"] = op.name
    for attr in ("index", "constraint"):
        thing = getattr(op, attr, None)
        if thing is not None:
            out[attr] = {"name": thing.name, "fields": list(getattr(thing, "fields", ()))}
    if hasattr(op, "unique_together"):
        out["unique_together"] = sorted(sorted(t) for t in op.unique_together or ())
    if type(op).__name__ == "CreateModel":
        out["fields"] = [name for name, _ in op.fields]
    return out


def makemigrations(args) -> dict:
    from django.core.management import call_command

    folder = Path(os.environ["TABLES_MIGRATIONS"])
    before = {p.name for p in folder.glob("0*.py")}
    call_command("makemigrations", APP, verbosity=0, stdout=io.StringIO())
    created = sorted(p.name for p in folder.glob("0*.py") if p.name not in before)
    importlib.invalidate_caches()
    operations = []
    for name in created:
        module = importlib.import_module(f"{folder.name}.{name[:-3]}")
        operations += [_describe(op) for op in module.Migration.operations]
    return {"created": created, "operations": operations}


def check(args) -> dict:
    from django.core.management import call_command

    try:
        call_command("makemigrations", APP, check=True, dry_run=True, verbosity=0)
    except SystemExit as exc:  # makemigrations --check exits 1 when it would write one
        return {"changes": bool(exc.code)}
    return {"changes": False}


def migrate(args) -> dict:
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    before = set(recorder.applied_migrations()) if recorder.has_table() else set()
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    after = set(recorder.applied_migrations())
    return {"applied": sorted(f"{app}.{name}" for app, name in after - before)}


def schema(args) -> dict:
    """``{model: [{"name", "columns", "unique", "index"}]}`` of every store's table."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for name, model in _stores().items():
            found = connection.introspection.get_constraints(cursor, model._meta.db_table)
            out[name] = sorted(
                (
                    {
                        "name": key,
                        "columns": list(c["columns"]),
                        "unique": bool(c["unique"]),
                        "index": bool(c["index"]),
                    }
                    for key, c in found.items()
                    if not c["primary_key"] and not c.get("foreign_key") and not c.get("check")
                ),
                key=lambda c: (c["columns"], c["unique"], c["name"]),
            )
    return {"vendor": connection.vendor, "tables": out}


# --------------------------------------------------------------------------- writes
def write(args) -> dict:
    import specs

    stores, done = _stores(), {}
    for op in json.loads(Path(args.spec).read_text()):
        model, kind = stores[op["store"]], op["op"]
        if kind == "set_lc":
            model.set_lc(
                op["prm"],
                specs.curve(op["serie"]),
                op["client_id"],
                versionning=op.get("versionning", False),
                attributes_to_set=op.get("attributes_to_set"),
            )
        elif kind == "set_many_lc":
            model.set_many_lc(
                {prm: specs.curve(spec) for prm, spec in op["series"].items()},
                op["client_id"],
                versionning=op.get("versionning", False),
                attributes_to_set=op.get("attributes_to_set"),
            )
        elif kind == "clear":
            model.clear(op["prms"], op["client_id"], version=op.get("version"))
        elif kind == "set_ts":
            model.set_ts(
                op["attrs"],
                specs.curve(op["serie"]),
                update=op.get("update", False),
                replace=op.get("replace", False),
            )
        elif kind == "update_or_create_df":
            model.update_or_create_df(
                op["client_id"],
                op["key"],
                specs.frame(op["frame"]),
                meta=dict(op.get("meta") or {}),
                store_index=op.get("store_index", True),
            )
        else:
            raise SystemExit(f"unknown op {kind!r}")
        done[kind] = done.get(kind, 0) + 1
    return {"operations": done}


# --------------------------------------------------------------------------- dumps
def _layout(blob) -> dict:
    """The Feather blob's columns (read with pyarrow): the index as a leading ``index``
    column (pandas < 2.2 writers) or through pandas metadata (the others)."""
    import pyarrow as pa
    import pyarrow.feather as feather

    names = feather.read_table(pa.BufferReader(bytes(blob))).schema.names
    return {"columns": names, "old_layout": names[0] == "index"}


def _when(value) -> str | None:
    return None if value is None else value.isoformat()


def _dump_store(model) -> dict:
    import pandas as pd
    import specs

    extra = [f.attname for f in model._meta.concrete_fields if f.attname not in _OWN]
    blobs = dict(model.objects.values_list("id", "data"))
    pairs = sorted(set(model.objects.values_list("client_id", "prm")))
    rows = {}
    for client_id, prm in pairs:
        for entry in model.get_lc(prm, client_id, combined_versions=False):
            row = {k: entry[k] for k in ("id", "client_id", "prm", "version", *extra)}
            row["created_at"] = _when(entry["created_at"])
            row["last_modified"] = _when(entry["last_modified"])
            row["blob"] = _layout(blobs[entry["id"]])
            row["data"] = specs.canon_curve(entry["data"])
            rows[str(entry["id"])] = row
    combined, holes = {}, {}
    first, last, tz = HOLES_WINDOW
    sd, ed = pd.Timestamp(first, tz=tz), pd.Timestamp(last, tz=tz)
    for client_id in sorted({c for c, _ in pairs}):
        prms = [p for c, p in pairs if c == client_id]
        got = model.get_many_lc(prms, client_id)
        for prm in prms:
            combined[f"{client_id}:{prm}"] = [
                {"id": e["id"], "version": e["version"], "data": specs.canon_curve(e["data"])}
                for e in got[prm]
            ]
        aware = [p for p in prms if combined[f"{client_id}:{p}"][0]["data"]["tz"] is not None]
        for prm, found in model.find_holes(client_id, sd, ed, prms=aware):
            holes[f"{client_id}:{prm}"] = [
                [int(pd.Timestamp(a).value), int(pd.Timestamp(b).value)] for a, b in found
            ]
    return {"rows": rows, "combined": combined, "holes": holes}


def _dump_series(model) -> dict:
    import specs

    rows = {}
    for pk, year, kind, blob in model.objects.order_by("id").values_list(
        "id", "year", "kind", "data"
    ):
        serie = model.get_ts({"year": year, "kind": kind}, flat=True)
        rows[str(pk)] = {
            "id": pk,
            "year": year,
            "kind": kind,
            "blob": _layout(blob),
            "data": specs.canon_curve(serie),
        }
    return {"rows": rows}


def _dump_frames(model) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as parquet
    import specs

    rows = {}
    for row in model.objects.order_by("id").values(
        "id", "client_id", "key", "meta", "created_at", "updated_at", "payload"
    ):
        payload = bytes(row.pop("payload"))
        meta = parquet.ParquetFile(pa.BufferReader(payload)).metadata
        codecs = {meta.row_group(0).column(i).compression for i in range(meta.num_columns)}
        frame = model.load_df(row["client_id"], row["key"])
        rows[str(row["id"])] = {
            **row,
            "created_at": _when(row["created_at"]),
            "updated_at": _when(row["updated_at"]),
            "compression": sorted(codecs),
            "frame": specs.canon_frame(frame),
        }
    return {"rows": rows}


def dump(args) -> dict:
    import importlib.metadata

    import pandas as pd

    from hostore.models import Store, TimeseriesStore

    out = {"hostore": importlib.metadata.version("holcstore"), "pandas": pd.__version__}
    for name, model in _stores().items():
        if issubclass(model, Store):
            out[name] = _dump_store(model)
        elif issubclass(model, TimeseriesStore):
            out[name] = _dump_series(model)
        else:
            out[name] = _dump_frames(model)
    Path(args.out).write_text(json.dumps(out, sort_keys=True))
    return {name: len(out[name]["rows"]) for name in _stores()}


# --------------------------------------------------------------------------- main
COMMANDS = {
    "makemigrations": (makemigrations, []),
    "check": (check, []),
    "migrate": (migrate, []),
    "schema": (schema, []),
    "write": (write, ["spec"]),
    "dump": (dump, ["out"]),
}


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="driver.py")
    parser.add_argument("--side", choices=["legacy", "ours"], required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--migrations", required=True)
    parser.add_argument("--frames", action="store_true")
    args, rest = parser.parse_known_args(argv)
    commands: list[list[str]] = [[]]
    for word in rest:
        if word == "+":
            commands.append([])
        else:
            commands[-1].append(word)
    _setup(args)
    for words in commands:
        if not words or words[0] not in COMMANDS:
            raise SystemExit(f"unknown command {words}; known: {sorted(COMMANDS)}")
        function, params = COMMANDS[words[0]]
        if len(words) != len(params) + 1:
            raise SystemExit(f"{words[0]} takes {params}")
        started = time.perf_counter()
        result = function(argparse.Namespace(**dict(zip(params, words[1:], strict=True))))
        result = {"command": words[0], **result}
        result["seconds"] = round(time.perf_counter() - started, 3)
        print(json.dumps(result), flush=True)


def exit_without_teardown() -> None:
    """End the process once every result is printed, skipping the interpreter's teardown.

    pyarrow's native thread pools can abort the process while Python shuts down
    ("terminate called without an active exception", apache/arrow#34314): seen once in CI
    with the published release's venv, after all the work was done.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
    exit_without_teardown()
