"""holcstore 0.6.7's side of the sync phase: its venv, its server and its client, all run
(never imported) through the compatibility tests' driver (``tests/compat/legacy/driver.py``)
on its ``halfhourly`` store (meter, 30 minutes, Europe/Paris, monthly chunks).

The venv is the compatibility tests' ``0.6.7-pg`` (:mod:`tests.compat.legacy_env`: 0.6.7 with
psycopg, so that it runs on PostgreSQL too), built on first use with uv and kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from tests.compat import legacy_env

from .sync_procs import REPO, Server, clean_env, run_json, serving

RELEASE = "0.6.7-pg"  # 0.6.7 with psycopg (tests/compat/legacy_env.py), for PostgreSQL too
STORE = "halfhourly"
DRIVER = REPO / "tests" / "compat" / "legacy" / "driver.py"


def ensure_python(log=print) -> Path:
    """The interpreter of holcstore 0.6.7's venv (with psycopg), built first if missing."""
    return legacy_env.ensure_env(RELEASE, log=log)


class Legacy:
    """Runs the driver with 0.6.7's interpreter on one database (a SQLite file or a
    PostgreSQL URL)."""

    def __init__(self, python: Path, db: str, workdir: Path) -> None:
        self.python, self.db, self.workdir = python, db, workdir

    def on(self, db: str) -> Legacy:
        """The same on another database (a client's)."""
        return Legacy(self.python, db, self.workdir)

    def argv(self, *commands: list[str]) -> list[str]:
        words: list[str] = []
        for command in commands:
            words += ["+", *command] if words else list(command)
        return [str(self.python), str(DRIVER), "--db", self.db, *words]

    def run(self, *commands: list[str]) -> list[dict]:
        return run_json(self.argv(*commands), clean_env())

    def load(self, path: Path, update: bool = False, migrate: bool = False) -> dict:
        """Write the series of an ``.npz`` file (``replace=True``, or ``update=True``)."""
        load = ["load", STORE, str(path), *(["--update"] if update else [])]
        return self.run(*([["migrate"]] if migrate else []), load)[-1]

    def pull(self, url: str, migrate: bool = False, batch: int = 50, page_size: int = 200):
        """One pull with 0.6.7's client; its result (``pull_seconds``, requests, bytes)."""
        endpoint = f"{url}/api/sync/{STORE}/"
        pull = ["pull", STORE, endpoint, "--batch", str(batch), "--page-size", str(page_size)]
        return self.run(*([["migrate"]] if migrate else []), pull)[-1]

    @contextlib.contextmanager
    def serve(self) -> Iterator[Server]:
        """0.6.7's sync server (runserver) on this database."""
        probe = f"/api/sync/{STORE}/updates/?since=2000-01-01T00:00:00%2B00:00&limit=1"
        log = self.workdir / "legacy-server.log"
        with serving(lambda port: self.argv(["serve", str(port)]), clean_env(), log, probe) as s:
            yield s
