"""A Django process of the example project that the end-to-end test drives over a pipe.

It writes into the server's store the way an application would (``set_many_ts``, ``set_ts``,
queryset ``delete()``, through :mod:`tests.e2e.curves`) and dumps what a store holds, every
series read back with ``yield_many_ts`` and every chunk row, for the test to compare. One
long-lived process serves every database of the test (the server's PostgreSQL one and each
client's SQLite file, as aliases routed per request), so that Django and pandas start once.

Run as ``python -m tests.e2e.agent`` from the repository root, with ``DATABASE_URL`` (the
server's database, alias ``default``) and ``E2E_DATABASES`` (``{"alias": url}`` of the
clients). Requests are JSON lines on stdin, ``{"cmd": "apply" | "dump" | "quit", "db":
alias, ...}``; each is answered by one JSON line on stdout, ``{"ok": true, ...}`` or ``{"ok":
false, "error": traceback}``. Anything else the process prints goes to stderr.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import sys
import traceback
from pathlib import Path

from tests.e2e import curves

EXAMPLE = Path(__file__).resolve().parents[2] / "example"


class Router:
    """Send every query to the database of the request being served."""

    alias = "default"

    def db_for_read(self, model, **hints):
        return self.alias

    def db_for_write(self, model, **hints):
        return self.alias

    @contextlib.contextmanager
    def use(self, alias: str):
        self.alias = alias
        try:
            yield
        finally:
            self.alias = "default"


ROUTER = Router()


def setup() -> None:
    """Configure the example project's Django with the extra databases and the router."""
    import dj_database_url

    sys.path.insert(0, str(EXAMPLE))
    os.environ["DJANGO_SETTINGS_MODULE"] = "exampleproject.settings"
    from exampleproject import settings

    for alias, url in json.loads(os.environ.get("E2E_DATABASES", "{}")).items():
        settings.DATABASES[alias] = dj_database_url.parse(url)
    settings.DATABASE_ROUTERS = [ROUTER]

    import django

    django.setup()


def apply(ops: list[dict]) -> list:
    """Perform the operations on the current database; a delete answers its row count."""
    from meters.models import LoadCurve

    done = []
    for op in ops:
        if op["op"] == "set_many":
            series = {curves.key_of(s): curves.curve(s) for s in op["specs"]}
            LoadCurve.set_many_ts(series, keys=("meter", "version"))
            done.append(len(series))
        elif op["op"] == "set":
            attrs = {"meter": op["spec"]["meter"], "version": op["spec"]["version"]}
            mode = op["mode"]
            LoadCurve.set_ts(
                attrs,
                curves.curve(op["spec"]),
                update=mode == "update",
                replace=mode == "replace",
            )
            done.append(mode)
        elif op["op"] == "delete":
            rows = LoadCurve.objects.filter(meter=op["meter"], version=op["version"])
            if op.get("month") is not None:
                rows = rows.filter(chunk_index=curves.chunk_index(op["month"]))
            count, _ = rows.delete()
            done.append(count)
        else:
            raise ValueError(f"unknown operation {op['op']!r}")
    return done


def dump(path: str) -> dict:
    """Pickle to ``path`` every series, every chunk row and the pull cursors of the current
    database; answer a few counts."""
    from meters.models import LoadCurve

    from hostore.models.sync_state import SyncCursor

    series = {(a["meter"], a["version"]): s for s, a in LoadCurve.yield_many_ts()}
    fields = ("meter", "version", "chunk_index", "is_deleted", "sync_seq", "dtype", "data")
    rows = [
        (*row[:6], hashlib.sha256(bytes(row[6])).hexdigest(), updated)
        for *row, updated in LoadCurve.objects.order_by(
            "meter", "version", "chunk_index"
        ).values_list(*fields, "updated_at")
    ]
    cursors = list(SyncCursor.objects.values_list("endpoint", "filters", "position", "updated_at"))
    with open(path, "wb") as f:
        pickle.dump({"series": series, "rows": rows, "cursors": cursors}, f)
    return {"series": len(series), "rows": len(rows)}


def main() -> None:
    replies = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not mix with the answers
    setup()
    from django.db import connections

    replies.write(json.dumps({"ok": True, "ready": True}) + "\n")
    replies.flush()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "quit":
                break
            with ROUTER.use(request.get("db", "default")):
                if request["cmd"] == "apply":
                    answer = {"ok": True, "done": apply(request["ops"])}
                elif request["cmd"] == "dump":
                    answer = {"ok": True, **dump(request["path"])}
                else:
                    raise ValueError(f"unknown command {request['cmd']!r}")
        except Exception:
            answer = {"ok": False, "error": traceback.format_exc()}
        finally:
            connections.close_all()  # hold no SQLite lock while a pull process writes
        replies.write(json.dumps(answer) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
