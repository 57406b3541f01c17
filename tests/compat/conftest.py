"""Fixtures of the compatibility tests: a published release in its own venv and processes.

- ``legacy``: runs ``tests/compat/legacy/driver.py`` with holcstore 0.6.7's interpreter (the
  venv is built on first use, see :mod:`.legacy_env`); each call is one process, on a SQLite
  file of the test's temporary folder;
- ``our_server``: our test project served by ``runserver`` in another process, on the very
  database this pytest run created (tests using it need ``transactional_db``, so that what
  they write is committed and seen there);
- ``legacy_server``: holcstore 0.6.7's sync server (the legacy project's ``runserver``).

Servers listen on a free loopback port and are stopped (by their process id) when done.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection

from .legacy_env import REPO, ensure_env

LEGACY = Path(__file__).resolve().parent / "legacy"
DRIVER = LEGACY / "driver.py"
RELEASE = "0.6.7"
# variables of this run that must not reach the other processes' Django or Python
_PRIVATE_ENV = ("PYTHONPATH", "PYTHONHOME", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "VIRTUAL_ENV")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return {**env, **extra}


@dataclass
class Server:
    """A server process: its base URL and the file its output (request log) goes to."""

    url: str
    log: Path

    def requests(self) -> list[str]:
        """The request lines runserver logged so far ("GET /api/... HTTP/1.1" 200 ...)."""
        return [line for line in self.log.read_text().splitlines() if '" ' in line]

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text().splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(proc: subprocess.Popen, probe: str, deadline: float) -> bool:
    """Wait until ``probe`` answers a page of changes (False if the process ends first: the
    port was taken meanwhile, or the server failed to start)."""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            answer = requests.get(probe, timeout=2)
            if answer.status_code == 200 and "results" in answer.json():
                return True
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.1)
    return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def serving(
    command: Callable[[int], list[str]], env: dict, log: Path, probe: str, cwd: Path
) -> Iterator[Server]:
    """Run ``command(port)`` on a free port until the block ends. A port can be taken by
    another process between the probe for it and the server's bind: then another is tried."""
    for _attempt in range(3):
        port = _free_port()
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                command(port), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        server = Server(f"http://127.0.0.1:{port}", log)
        try:
            if _ready(proc, server.url + probe, time.monotonic() + 60):
                yield server
                return
        finally:
            _stop(proc)
    raise RuntimeError(f"the server did not start; its output:\n{server.tail()}")


class Legacy:
    """Runs the legacy driver with the release's interpreter; see ``driver.py``."""

    def __init__(self, python: Path, workdir: Path) -> None:
        self.python, self.workdir = python, workdir
        self.db = workdir / "legacy.sqlite3"

    def argv(self, *commands: list[str]) -> list[str]:
        words: list[str] = []
        for command in commands:
            words += ["+", *command] if words else list(command)
        return [str(self.python), str(DRIVER), "--db", str(self.db), *words]

    def run(self, *commands: list[str]) -> list[dict]:
        """Run commands in one process; their JSON results, in order."""
        argv = self.argv(*commands)
        proc = subprocess.run(
            argv,
            cwd=self.workdir,
            env=_clean_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode != 0:
            raise AssertionError(
                f"holcstore {RELEASE} driver failed ({proc.returncode}): {' '.join(argv[2:])}\n"
                f"{proc.stderr[-6000:]}"
            )
        return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]

    def write(self, name: str, payload) -> Path:
        """A JSON file of the work folder (specs for ``apply``)."""
        path = self.workdir / name
        path.write_text(json.dumps(payload))
        return path

    def read(self, name: str) -> dict:
        return json.loads((self.workdir / name).read_text())

    @contextlib.contextmanager
    def serve(self) -> Iterator[Server]:
        """holcstore 0.6.7's sync server on the legacy database (created first)."""
        with serving(
            lambda port: self.argv(["migrate"], ["serve", str(port)]),
            _clean_env(),
            self.workdir / "legacy-server.log",
            "/api/sync/hourly/updates/?since=2000-01-01T00:00:00%2B00:00&limit=1",
            self.workdir,
        ) as server:
            yield server


@pytest.fixture(scope="session")
def legacy_python() -> Path:
    """The interpreter of holcstore 0.6.7's venv (built on first use: a few seconds with
    uv and a package index at hand)."""
    return ensure_env(RELEASE)


@pytest.fixture
def legacy(legacy_python, tmp_path) -> Legacy:
    return Legacy(legacy_python, tmp_path)


@pytest.fixture
def legacy_server(legacy) -> Iterator[Server]:
    with legacy.serve() as server:
        yield server


def _database_url(settings: dict) -> str:
    """A DATABASE_URL naming the database this run's connection uses (the test database)."""
    if settings["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(settings["NAME"])
        if not path.is_file():
            raise RuntimeError(f"the SQLite test database {settings['NAME']!r} is not a file")
        return f"sqlite:///{path.resolve()}"
    if settings["ENGINE"] == "django.db.backends.postgresql":
        auth = quote(settings.get("USER") or "", safe="")
        if settings.get("PASSWORD"):
            auth += ":" + quote(settings["PASSWORD"], safe="")
        host = settings.get("HOST") or ""
        port = f":{settings['PORT']}" if settings.get("PORT") else ""
        at = f"{auth}@" if auth else ""
        return f"postgres://{at}{host}{port}/{quote(settings['NAME'], safe='')}"
    raise RuntimeError(f"no DATABASE_URL for {settings['ENGINE']}")


@pytest.fixture(scope="module")
def our_server(django_db_setup, tmp_path_factory) -> Iterator[Server]:
    """Our test project (``tests.urls``) served by another process on the test database."""
    env = _clean_env(
        DATABASE_URL=_database_url(connection.settings_dict),
        DJANGO_SETTINGS_MODULE="tests.settings",
    )
    log = tmp_path_factory.mktemp("our-server") / "server.log"
    with serving(
        lambda port: [
            sys.executable,
            "-m",
            "django",
            "runserver",
            "--noreload",
            "--skip-checks",
            f"127.0.0.1:{port}",
        ],
        env,
        log,
        "/api/sync/hourly/updates/?limit=1",
        REPO,
    ) as server:
        yield server
