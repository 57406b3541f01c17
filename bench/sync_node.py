"""Our side of the sync phase, one process per command, on the database the environment names
(``BENCH_DB`` and its location, see :mod:`bench.settings`), with the project
:mod:`bench.syncsite`::

    python -m bench.sync_node setup N STORE...        server: tables, then N series-years
    python -m bench.sync_node patch N ROUND STORE...  server: a round of 1% changes
    python -m bench.sync_node serve PORT              server: runserver --noreload
    python -m bench.sync_node pull URL STORE [--compress] [--no-prefetch] [--migrate]
                                                      client: one pull, timed

Each command but ``serve`` prints one JSON line. A pull's time is the ``pull()`` call alone
(Django's set-up and the imports come before it); its bytes are counted twice: as the
client's stats count them (bodies after gzip decoding) and as they came off the socket
(``wire_bytes``, the bodies as sent).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from time import perf_counter

SETTINGS = "bench.syncsite.settings"


def _setup() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def setup(args) -> dict:
    """Create the tables and write the stored year of N series into each store, with one
    ``set_many_ts`` (the other phases time it; here it is only the server's data)."""
    from .data import make_workload
    from .syncsite.models import STORES

    _migrate()
    work = make_workload("realistic", args.n)
    mapping = {(meter,): serie for meter, serie in work.series.items()}
    chunks = {}
    for name in args.stores:
        STORES[name].set_many_ts(mapping, keys=("meter",))
        chunks[name] = STORES[name].objects.filter(is_deleted=False).count()
    return {"chunks": chunks, "tables": {n: STORES[n]._meta.db_table for n in args.stores}}


def patch(args) -> dict:
    """Round ``ROUND`` of changes: ``set_ts(update=True)`` of each changed series' patch."""
    from .sync_data import patches
    from .syncsite.models import STORES

    changes = patches(args.n, args.round)
    for name in args.stores:
        for meter, serie in changes.items():
            STORES[name].set_ts({"meter": meter}, serie, update=True)
    return {"series": len(changes)}


def serve(args) -> None:
    from django.core.management import call_command

    call_command("runserver", f"127.0.0.1:{args.port}", use_reloader=False, skip_checks=True)


def count_wire(session) -> dict:
    """Count the requests a ``requests`` session sends and the body bytes it reads off the
    socket (``raw.tell()``: before gzip decoding). Returns the live counters."""
    counts = {"requests": 0, "wire_bytes": 0}
    send = session.send

    def counted(request, **kwargs):
        response = send(request, **kwargs)
        counts["requests"] += 1
        if not kwargs.get("stream"):  # the body is read: tell() is its size on the wire
            counts["wire_bytes"] += response.raw.tell()
        return response

    session.send = counted
    return counts


def pull(args) -> dict:
    """One pull (full the first time, then incremental: the cursor is in the database)."""
    from hostore.sync import TimeseriesChunkStoreSyncClient

    from .syncsite.models import STORES

    if args.migrate:
        _migrate()
    model = STORES[args.store]
    client = TimeseriesChunkStoreSyncClient(
        endpoint=args.url, store_model=model, compress=args.compress, prefetch=args.prefetch
    )
    counts = count_wire(client.http.session)
    started = perf_counter()
    fetched, deleted = client.pull(batch=args.batch, page_size=args.page_size)
    seconds = perf_counter() - started
    return {
        "seconds": seconds,
        "fetched": fetched,
        "deleted": deleted,
        "requests": client.stats.requests,
        "pages": client.stats.pages,
        "body_bytes": client.stats.bytes,
        **counts,
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.sync_node")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("setup")
    cmd.add_argument("n", type=int)
    cmd.add_argument("stores", nargs="+")
    cmd.set_defaults(run=setup)
    cmd = commands.add_parser("patch")
    cmd.add_argument("n", type=int)
    cmd.add_argument("round", type=int)
    cmd.add_argument("stores", nargs="+")
    cmd.set_defaults(run=patch)
    cmd = commands.add_parser("serve")
    cmd.add_argument("port", type=int)
    cmd.set_defaults(run=serve)
    cmd = commands.add_parser("pull")
    cmd.add_argument("url")
    cmd.add_argument("store")
    cmd.add_argument("--compress", action="store_true", help="gzipped packs")
    cmd.add_argument(
        "--no-prefetch", dest="prefetch", action="store_false", help="no download ahead"
    )
    cmd.add_argument("--migrate", action="store_true", help="create the tables first")
    cmd.add_argument("--batch", type=int, default=50)
    cmd.add_argument("--page-size", type=int, default=200)
    cmd.set_defaults(run=pull)
    return parser


def main(argv=None) -> None:
    args = _parser().parse_args(argv)
    _setup()
    started = perf_counter()
    result = args.run(args)
    if result is not None:
        result = {"command": args.command, **result, "total_seconds": perf_counter() - started}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
