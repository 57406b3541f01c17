"""holcstore 0.6.7's side of the sync phase: its venv, its server and its client, all run
(never imported) through the compatibility tests' driver (``tests/compat/legacy/driver.py``)
on its ``halfhourly`` store (meter, 30 minutes, Europe/Paris, monthly chunks).

The venv is the compatibility tests' recipe for 0.6.7 (:mod:`tests.compat.legacy_env`) plus
psycopg, so that 0.6.7 runs on PostgreSQL too: ``.venvs/holcstore-0.6.7-bench``, built on
first use with uv (seconds, from its cache) and kept; the tests' own venv is left as it is.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.compat import legacy_env

from .sync_procs import REPO, Server, clean_env, run_json, serving

RELEASE = "0.6.7"
STORE = "halfhourly"
DRIVER = REPO / "tests" / "compat" / "legacy" / "driver.py"
EXTRA = "psycopg[binary]>=3.1,<4"
_MARKER = ".bench-env.json"


def venv_dir() -> Path:
    return legacy_env.VENVS / f"holcstore-{RELEASE}-bench"


def ensure_python(log=print) -> Path:
    """The interpreter of the benchmark's 0.6.7 venv, built first if missing or stale."""
    recipe = legacy_env.RELEASES[RELEASE]
    wanted = {"version": RELEASE, "requirements": [*recipe["requirements"], EXTRA]}
    venv = venv_dir()
    python = legacy_env.python_of(venv)
    if _marker(venv) == wanted and python.exists():
        return python
    legacy_env.VENVS.mkdir(parents=True, exist_ok=True)
    with legacy_env._locked(legacy_env.VENVS / f".holcstore-{RELEASE}-bench.lock"):
        if _marker(venv) == wanted and python.exists():
            return python
        log(f"building the venv of holcstore {RELEASE} with psycopg at {venv}")
        legacy_env._build(venv, {**recipe, "requirements": wanted["requirements"]})
        probe = "import psycopg, importlib.metadata as m; print(m.version('holcstore'))"
        done = subprocess.run(
            [str(python), "-I", "-c", probe], cwd=venv, capture_output=True, text=True
        )
        if done.returncode or done.stdout.strip() != RELEASE:
            raise legacy_env.LegacyEnvError(f"{venv} does not import holcstore {RELEASE}")
        (venv / _MARKER).write_text(json.dumps(wanted, indent=1))
    return python


def _marker(venv: Path) -> dict | None:
    try:
        return json.loads((venv / _MARKER).read_text())
    except (OSError, ValueError):
        return None


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
