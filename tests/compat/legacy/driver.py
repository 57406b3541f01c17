"""Drive the legacy project with the holcstore release installed in its venv (0.6.7).

Run by the legacy venv's interpreter (never by ours), one subcommand per process::

    python driver.py --db FILE migrate                   create the tables
    python driver.py --db FILE apply SPEC.json           write, update, replace, delete series
    python driver.py --db FILE synth STORE N YEARS       write N synthetic series of YEARS years
    python driver.py --db FILE load STORE FILE.npz       write the series of a file (benchmark)
    python driver.py --db FILE pull STORE URL [...]      pull with 0.6's sync client
    python driver.py --db FILE dump STORE OUT.json       every series and chunk row, to a file
    python driver.py --db FILE serve PORT                0.6's sync server (runserver)

Commands joined by ``+`` run one after the other in one process (``migrate + pull ... + dump
...``): the imports of pandas and Django, most of a command's time, are paid once. Each
command but ``serve`` prints one JSON object on stdout (what it did, and its duration).
``--db`` may also be a PostgreSQL URL (``postgres://user@host:port/name``; the venv then needs
psycopg, which the benchmark's venv has). ``STORE`` is a name of
``legacy_site.models.STORES``; series are described as in
:mod:`series`. A ``SPEC.json`` is a list of operations, applied in order::

    {"op": "set_ts", "store": "hourly", "attrs": {...}, "serie": {...},
     "update": false, "replace": true}
    {"op": "delete", "store": "hourly", "filters": {...}}    # 0.6's delete(keep_tracking=True)

holcstore 0.6.7 refuses ``set_ts`` without ``update`` or ``replace``, and ``set_many_ts``
altogether, on stores that allow sync: every write here goes through ``set_ts`` with a flag.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]


def _setup(db: str) -> None:
    """Configure Django for the legacy project on the SQLite file ``db`` (or the PostgreSQL
    database of the URL ``db``)."""
    is_url = db.startswith(("postgres://", "postgresql://"))
    os.environ["HOLCSTORE_LEGACY_DB"] = db if is_url else str(Path(db).resolve())
    os.environ["DJANGO_SETTINGS_MODULE"] = "legacy_site.settings"
    import django

    import hostore

    # the release must come from the venv, never from this repository's own package
    if Path(hostore.__file__).resolve().is_relative_to(REPO / "hostore"):
        raise RuntimeError(f"hostore is imported from {hostore.__file__}, not from the venv")
    django.setup()


def _store(name: str):
    from legacy_site.models import STORES

    try:
        return STORES[name]
    except KeyError:
        raise SystemExit(f"unknown store {name!r}; known: {sorted(STORES)}") from None


def _keys(model) -> list[str]:
    return sorted(model.get_model_keys())


# --------------------------------------------------------------------------- commands
def migrate(args) -> dict:
    """Create the tables of hostore 0.6 and of the legacy stores (which have no migrations)."""
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)
    return {"db": os.environ["HOLCSTORE_LEGACY_DB"]}


def apply(args) -> dict:
    """Apply the operations of a spec file in order, with holcstore 0.6's API."""
    import series

    operations = json.loads(Path(args.spec).read_text())
    done: dict[str, int] = {}
    for n, op in enumerate(operations):
        model = _store(op["store"])
        if op["op"] == "set_ts":
            model.set_ts(
                op["attrs"],
                series.build(op["serie"]),
                update=bool(op.get("update", False)),
                replace=bool(op.get("replace", False)),
            )
        elif op["op"] == "delete":
            model.objects.filter(**op["filters"]).delete(keep_tracking=True)
        else:
            raise SystemExit(f"operation {n}: unknown op {op['op']!r}")
        done[op["op"]] = done.get(op["op"], 0) + 1
    return {"operations": done}


def synth(args) -> dict:
    """Write ``series`` synthetic series of ``years`` full years each (replace=True): the
    data of a benchmark, distinct values per series."""
    import pandas as pd
    import series

    model = _store(args.store)
    keys = _keys(model)
    for number in range(args.first, args.first + args.series):
        if keys == ["meter"]:
            attrs = {"meter": f"m{number:07d}"}
        elif keys == ["kind", "version"]:
            attrs = {"kind": "synth", "version": number}
        else:
            raise SystemExit(f"no synthetic keys for a store keyed by {keys}")
        years = range(args.first_year, args.first_year + args.years)
        serie = pd.concat([series.synthetic(number, y, model.STORE_FREQ) for y in years])
        model.set_ts(attrs, serie, replace=True)
    return {"series": args.series, "chunks": model.objects.filter(is_deleted=False).count()}


def load(args) -> dict:
    """Write the series of an ``.npz`` file (``meters``, ``values`` [series x slots], and the
    grid's ``start`` in UTC, ``freq`` and ``tz``) with ``set_ts``: ``replace=True``, or
    ``update=True`` with ``--update`` (the benchmark's data and changes, the very values
    our side writes)."""
    import numpy as np
    import pandas as pd

    model = _store(args.store)
    with np.load(args.file) as data:
        meters, values = [str(m) for m in data["meters"]], data["values"]
        start, freq, tz = str(data["start"]), str(data["freq"]), str(data["tz"])
    index = pd.date_range(pd.Timestamp(start).tz_convert(tz), periods=values.shape[1], freq=freq)
    for meter, row in zip(meters, values, strict=True):
        serie = pd.Series(row, index=index)
        model.set_ts({"meter": meter}, serie, update=args.update, replace=not args.update)
    live = model.objects.filter(is_deleted=False).count()
    return {"series": len(meters), "chunks": live, "table": model._meta.db_table}


def _count_requests() -> dict:
    """Count the requests of every ``requests`` session and the body bytes read off the
    socket (``raw.tell()``, before any gzip decoding): 0.6's client keeps no such count."""
    import requests

    counts = {"requests": 0, "wire_bytes": 0}
    send = requests.Session.send

    def counted(self, request, **kwargs):
        response = send(self, request, **kwargs)
        counts["requests"] += 1
        if not kwargs.get("stream"):
            counts["wire_bytes"] += response.raw.tell()
        return response

    requests.Session.send = counted
    return counts


def pull(args) -> dict:
    """Pull from a sync server with holcstore 0.6's client; ``pull_seconds`` is the time of
    the ``pull()`` call alone (without the import of the client's module)."""
    from hostore.utils.ts_sync import TimeseriesChunkStoreSyncClient

    client = TimeseriesChunkStoreSyncClient(endpoint=args.endpoint, store_model=_store(args.store))
    filters = json.loads(args.filters) if args.filters else None
    counts = _count_requests()
    started = time.perf_counter()
    fetched, deleted = client.pull(filters=filters, batch=args.batch, page_size=args.page_size)
    seconds = time.perf_counter() - started
    return {"fetched": fetched, "deleted": deleted, "pull_seconds": seconds, **counts}


def dump(args) -> dict:
    """Write every live series (canonical form, read with ``get_ts``) and every chunk row
    (tombstones included) of a store to a JSON file."""
    import lz4.frame
    import numpy as np
    import series

    model = _store(args.store)
    keys = _keys(model)
    live = model.objects.filter(is_deleted=False)
    found = {}
    for values in live.values(*keys).distinct():
        attrs = {k: values[k] for k in keys}
        found[series.key(attrs)] = {"attrs": attrs, **series.canonical(model.get_ts(attrs))}
    chunks = []
    for row in model.objects.order_by(*keys, "chunk_index"):
        blob = bytes(row.data)
        length = None
        if not row.is_deleted:
            length = len(np.frombuffer(lz4.frame.decompress(blob), dtype=row.dtype))
        chunks.append(
            {
                "attrs": {k: getattr(row, k) for k in keys},
                "chunk_index": row.chunk_index,
                "is_deleted": row.is_deleted,
                "dtype": row.dtype,
                "start_ts": row.start_ts.isoformat(),
                "updated_at": row.updated_at.isoformat(),
                "length": length,
                "magic": blob[:4].hex(),
            }
        )
    Path(args.out).write_text(json.dumps({"series": found, "chunks": chunks}))
    return {"series": len(found), "chunks": len(chunks)}


def serve(args) -> None:
    """Serve the legacy stores' sync endpoints on 127.0.0.1 (Django's runserver)."""
    from django.core.management import execute_from_command_line

    address = f"127.0.0.1:{args.port}"
    execute_from_command_line([sys.argv[0], "runserver", "--noreload", "--skip-checks", address])


# --------------------------------------------------------------------------- command line
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", required=True, help="SQLite file of the legacy project, or a PostgreSQL URL"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate").set_defaults(run=migrate)
    cmd = commands.add_parser("apply")
    cmd.add_argument("spec", help="JSON file: a list of operations")
    cmd.set_defaults(run=apply)
    cmd = commands.add_parser("synth")
    cmd.add_argument("store")
    cmd.add_argument("series", type=int)
    cmd.add_argument("years", type=int)
    cmd.add_argument("--first", type=int, default=0, help="number of the first series")
    cmd.add_argument("--first-year", type=int, default=2020)
    cmd.set_defaults(run=synth)
    cmd = commands.add_parser("load")
    cmd.add_argument("store")
    cmd.add_argument("file", help=".npz file of series on one grid")
    cmd.add_argument("--update", action="store_true", help="merge (update=True)")
    cmd.set_defaults(run=load)
    cmd = commands.add_parser("pull")
    cmd.add_argument("store")
    cmd.add_argument("endpoint", help="URL of the server's ViewSet, e.g. http://h/api/sync/x/")
    cmd.add_argument("--filters", help="JSON object of exact business-key values")
    cmd.add_argument("--batch", type=int, default=50)
    cmd.add_argument("--page-size", type=int, default=200)
    cmd.set_defaults(run=pull)
    cmd = commands.add_parser("dump")
    cmd.add_argument("store")
    cmd.add_argument("out", help="JSON file to write")
    cmd.set_defaults(run=dump)
    cmd = commands.add_parser("serve")
    cmd.add_argument("port", type=int)
    cmd.set_defaults(run=serve)
    return parser


def main(argv: list[str] | None = None) -> None:
    """Parse ``--db FILE command ... [+ command ...]`` and run the commands in order."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    first = parser.parse_args(argv[: argv.index("+")] if "+" in argv else argv)
    runs, segment = [], []
    for word in [*argv, "+"]:
        if word != "+":
            segment.append(word)
            continue
        if runs:  # later commands take the options of the first (--db)
            segment = ["--db", first.db, *segment]
        runs.append(parser.parse_args(segment))
        segment = []
    _setup(first.db)
    for args in runs:
        started = time.perf_counter()
        result = args.run(args)
        if result is not None:
            result = {"command": args.command, **result}
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
    main()
    exit_without_teardown()
