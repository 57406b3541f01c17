"""Processes of the sync phase: servers on a free loopback port, and commands printing JSON.

A server is started on a port found free (bound to port 0, then released) and probed until
it answers; if another process took the port meanwhile, another one is tried. Servers are
stopped by their own process id, never by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
# variables of this process that must not reach another venv's Python or Django
PRIVATE_ENV = ("PYTHONPATH", "PYTHONHOME", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "VIRTUAL_ENV")


class ProcessFailed(RuntimeError):
    """A command of the phase exited with an error (its output's end is in the message)."""


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PRIVATE_ENV}
    return {**env, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_json(argv: list[str], env: dict[str, str], timeout: float = 3600) -> list[dict]:
    """Run a command; the JSON objects it printed, one a line, in order."""
    done = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode:
        raise ProcessFailed(
            f"{' '.join(argv[:6])}... failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@dataclass
class Server:
    url: str
    pid: int
    log: Path


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _ready(proc: subprocess.Popen, probe: str, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with contextlib.suppress(requests.RequestException):
            if requests.get(probe, timeout=5).status_code == 200:
                return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def serving(
    command: Callable[[int], list[str]], env: dict[str, str], log: Path, probe: str
) -> Iterator[Server]:
    """Run ``command(port)`` until the block ends, once ``probe`` (a path) answers 200."""
    for _attempt in range(3):
        port = free_port()
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                command(port), cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            if _ready(proc, url + probe, time.monotonic() + 120):
                yield Server(url, proc.pid, log)
                return
        finally:
            _stop(proc)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise ProcessFailed(f"the server {' '.join(command(0)[:4])}... did not start:\n{tail}")
