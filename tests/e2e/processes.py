"""The processes of the end-to-end test: the example project (server, clients, the agent
that writes and dumps stores), a PostgreSQL database of its own, free ports, logs."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "example"
CLOCKSHIFT = Path(__file__).resolve().parent / "clockshift"
TIMEOUT = 120  # seconds for any one process step: a hung step fails instead of blocking CI
LOG_TAIL = 8000
SYNC_PATH = "/api/sync/loadcurves/"


# --------------------------------------------------------------------------- processes
def tail(path: Path) -> str:
    """The end of a log file, for failure messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(cannot read {path}: {exc})"
    return text if len(text) <= LOG_TAIL else "...\n" + text[-LOG_TAIL:]


class Example:
    """Starts processes of the example project (the server, the clients, the agent).

    They share a bytecode cache under the test's temporary directory, even where
    ``PYTHONDONTWRITEBYTECODE`` is set: a process then starts in about a second rather than
    three, and nothing is written next to the sources or in the virtualenv.
    """

    def __init__(self, pycache: Path) -> None:
        self.pycache = pycache

    def env(self, database_url: str, shift_hours: float = 0, **extra: str) -> dict[str, str]:
        """The environment of a process on ``database_url``; with a wall clock
        ``shift_hours`` off (see ``clockshift/sitecustomize.py``)."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "HOSTORE_")) and k != "PYTHONDONTWRITEBYTECODE"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="exampleproject.settings",
            DATABASE_URL=database_url,
            PYTHONPYCACHEPREFIX=str(self.pycache),
            PYTHONUNBUFFERED="1",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            **extra,
        )
        if shift_hours:
            path = [str(CLOCKSHIFT), env.get("PYTHONPATH")]
            env["PYTHONPATH"] = os.pathsep.join(filter(None, path))
            env["HOSTORE_E2E_CLOCK_SHIFT"] = str(shift_hours * 3600)
        return env

    def manage(
        self, database_url: str, *args: str, shift_hours: float = 0, **popen
    ) -> subprocess.Popen:
        """Start ``manage.py *args`` (output captured unless redirected)."""
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=EXAMPLE,
            env=self.env(database_url, shift_hours),
            text=True,
            **popen,
        )


def finish(procs: dict[str, subprocess.Popen]) -> dict[str, tuple[int, str, str]]:
    """Wait for every process (killing those past ``TIMEOUT``): ``{name: (rc, out, err)}``."""
    done = {}
    for name, proc in procs.items():
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            err += f"\n(killed after {TIMEOUT} s)"
        done[name] = (proc.returncode, out, err)
    return done


def run_ok(procs: dict[str, subprocess.Popen]) -> dict[str, str]:
    """Wait for every process and check that each succeeded; their standard outputs."""
    done = finish(procs)
    for name, (rc, out, err) in done.items():
        assert rc == 0, f"{name} failed (exit {rc}):\n{out}\n{err}"
    return {name: out for name, (_, out, _) in done.items()}


def stop(proc: subprocess.Popen) -> None:
    """Stop a process started by the test, for good."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port() -> int:
    """A loopback TCP port free right now (the system picks it), for the server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sqlite_url(path: Path) -> str:
    """The ``DATABASE_URL`` of a client's SQLite file (an absolute path: four slashes)."""
    return f"sqlite:///{path}"


@contextlib.contextmanager
def postgres_database():
    """A new, empty PostgreSQL database on pytest's server (its URL), dropped at the end."""
    import psycopg
    from django.db import connection
    from psycopg import sql

    cfg = connection.settings_dict
    params = {
        "host": cfg["HOST"] or "127.0.0.1",
        "port": int(cfg["PORT"] or 5432),
        "user": cfg["USER"] or "postgres",
        "password": cfg["PASSWORD"] or None,
    }
    name = f"hostore_e2e_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        auth = quote(params["user"], safe="")
        if params["password"]:
            auth += ":" + quote(params["password"], safe="")
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def runserver(example: Example, database_url: str, log_path: Path):
    """The example server on a free loopback port, answering; yields its sync endpoint."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with open(log_path, "a") as log:
        for _ in range(3):  # another process may take the port between our probe and bind
            port = free_port()
            endpoint = f"http://127.0.0.1:{port}{SYNC_PATH}"
            proc = example.manage(
                database_url,
                "runserver",
                f"127.0.0.1:{port}",
                "--noreload",
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                deadline = time.monotonic() + 60
                while proc.poll() is None and time.monotonic() < deadline:
                    try:
                        with opener.open(f"{endpoint}updates/?limit=1", timeout=5) as answer:
                            assert json.load(answer)["results"] == []
                            break
                    except urllib.error.HTTPError as exc:
                        body = exc.read().decode(errors="replace")[:2000]
                        raise AssertionError(f"the server answered {exc.code}: {body}") from None
                    except OSError:
                        time.sleep(0.1)
                else:
                    if proc.poll() is not None and "already in use" in tail(log_path):
                        continue
                    raise AssertionError(f"the server did not answer:\n{tail(log_path)}")
                yield endpoint
                return
            finally:
                stop(proc)
        raise AssertionError(f"no free port for the server:\n{tail(log_path)}")


class Agent:
    """The agent process (``agent.py``): writes to and dumps the stores of every database."""

    def __init__(
        self, example: Example, server_url: str, clients: dict[str, str], log_path: Path
    ) -> None:
        self.log_path = log_path
        # closed by close(), which the fixture always calls
        self._log = open(log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.agent"],
            cwd=ROOT,
            env=example.env(server_url, E2E_DATABASES=json.dumps(clients)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self._answers: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._answers.put(line)
        self._answers.put(None)

    def answer(self, what: str) -> dict:
        """The agent's next answer, which must be a success."""
        try:
            line = self._answers.get(timeout=TIMEOUT)
        except queue.Empty:
            raise AssertionError(f"the agent did not answer {what} in {TIMEOUT} s") from None
        if line is None:
            raise AssertionError(
                f"the agent exited before answering {what}:\n{tail(self.log_path)}"
            )
        answer = json.loads(line)
        assert answer["ok"], f"the agent failed on {what}:\n{answer['error']}"
        return answer

    def call(self, cmd: str, **args: Any) -> dict:
        """Send a request (see ``agent.py``) and return its successful answer."""
        self.proc.stdin.write(json.dumps({"cmd": cmd, **args}) + "\n")
        self.proc.stdin.flush()
        return self.answer(cmd)

    def close(self) -> None:
        """Ask the agent to quit (stop it if it does not) and close its pipes and log."""
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write('{"cmd": "quit"}\n')
                self.proc.stdin.flush()
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):  # a dead agent: its pipe is broken
                self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                stop(self.proc)
            self._reader.join(10)
            self.proc.stdout.close()
            self._log.close()
