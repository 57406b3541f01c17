"""Virtual environments of published holcstore releases, for compatibility tests and benchmarks.

``ensure_env("0.6.7")`` returns the interpreter of ``.venvs/holcstore-0.6.7``
(``ensure_env("0.5.12-pg")`` that of a variant: 0.5.12 with psycopg), building the
venv first if it is missing or incomplete: the release is installed from the package index
with pins of a Django/pandas/numpy set it works with, never imported into our own
environments. A build is done under a file lock (concurrent test runs and benchmarks wait for
it), and a marker file written last records what was installed, so that later calls only
read that file. uv is used when found (on ``PATH`` or in ``~/.local/bin``), else
``python -m venv`` and pip.

A plain module, with no pytest or Django import: ``bench/`` uses it too, and
``python tests/compat/legacy_env.py 0.6.7`` prints the interpreter's path.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
VENVS = REPO / ".venvs"

_PYTHONS = ("3.11", "3.12", "3.10")
_PSYCOPG = "psycopg[binary]>=3.1,<4"
# What each environment is installed with: the Python versions it supports (the first found
# is used) and the pins of a combination that imports and runs the release. The key names
# the environment (``.venvs/holcstore-<key>``); ``release`` is the holcstore version it holds
# (the key itself when absent); ``imports`` are modules it must import besides holcstore.
RELEASES: dict[str, dict] = {
    # the sync compatibility tests (SQLite only)
    "0.6.7": {
        "pythons": _PYTHONS,
        "requirements": (
            "holcstore==0.6.7",
            "Django==4.2.*",
            "pandas==2.2.*",
            "numpy==2.*",
            "pyarrow<22",
        ),
    },
    # the tables-in-place tests (SQLite and PostgreSQL): 0.6.7 and 0.5.12 with psycopg, and
    # 0.5.12 under pandas 2.1, which writes the older Feather layout (the index as a column)
    "0.6.7-pg": {
        "release": "0.6.7",
        "pythons": _PYTHONS,
        "requirements": (
            "holcstore==0.6.7",
            "Django==4.2.*",
            "pandas==2.2.*",
            "numpy==2.*",
            "pyarrow<22",
            _PSYCOPG,
        ),
        "imports": ("psycopg",),
    },
    "0.5.12-pg": {
        "release": "0.5.12",
        "pythons": _PYTHONS,
        "requirements": (
            "holcstore==0.5.12",
            "Django==4.2.*",
            "pandas==2.2.*",
            "numpy==2.*",
            "pyarrow<22",
            _PSYCOPG,
        ),
        "imports": ("psycopg",),
    },
    "0.5.12-pd21-pg": {
        "release": "0.5.12",
        "pythons": _PYTHONS,
        "requirements": (
            "holcstore==0.5.12",
            "Django==4.2.*",
            "pandas==2.1.*",
            "numpy==1.26.*",
            "pyarrow==14.*",
            _PSYCOPG,
        ),
        "imports": ("psycopg",),
    },
}

_MARKER = ".holcstore-compat.json"
# Run by the venv's interpreter to check an environment built by hand or by an older marker.
_PROBE = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d: m.version(d) for d in ('holcstore', 'Django', 'pandas', 'numpy')}))"
)


class LegacyEnvError(RuntimeError):
    """The venv of a release could not be built (no suitable Python, an install failed)."""


def env_dir(version: str) -> Path:
    """Where the venv of ``version`` lives: ``.venvs/holcstore-<version>`` in the repository."""
    return VENVS / f"holcstore-{version}"


def python_of(venv: Path) -> Path:
    """The interpreter of a venv."""
    return venv / "bin" / "python"


def ensure_env(version: str = "0.6.7", log=None) -> Path:
    """The interpreter of the venv ``version`` (a key of :data:`RELEASES`: a holcstore
    version, or a variant such as ``"0.5.12-pg"``), built first if needed.

    Fast (one small file read) when the venv exists and its marker matches the pins.
    ``log(message)`` is told what is being done (default: stderr). Raises
    :class:`LegacyEnvError` when the venv cannot be built.
    """
    if version not in RELEASES:
        raise LegacyEnvError(f"no recipe for holcstore {version}; known: {sorted(RELEASES)}")
    recipe = RELEASES[version]
    venv = env_dir(version)
    wanted = {"version": version, "requirements": list(recipe["requirements"])}
    if _marker(venv) == wanted and python_of(venv).exists():
        return python_of(venv)
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    VENVS.mkdir(parents=True, exist_ok=True)
    with _locked(VENVS / f".holcstore-{version}.lock"):
        # another process may have built it while this one waited for the lock
        if _marker(venv) == wanted and python_of(venv).exists():
            return python_of(venv)
        if python_of(venv).exists() and _satisfies(python_of(venv), version):
            _write_marker(venv, wanted)
            return python_of(venv)
        started = time.monotonic()
        log(f"building the venv of holcstore {version} at {venv}")
        _build(venv, recipe)
        if not _satisfies(python_of(venv), version):
            raise LegacyEnvError(f"{venv} was built but does not import holcstore {version}")
        _write_marker(venv, wanted)
        log(f"built the venv of holcstore {version} in {time.monotonic() - started:.0f} s")
    return python_of(venv)


def _marker(venv: Path) -> dict | None:
    try:
        return json.loads((venv / _MARKER).read_text())
    except (OSError, ValueError):
        return None


def _write_marker(venv: Path, wanted: dict) -> None:
    tmp = venv / f"{_MARKER}.{os.getpid()}"
    tmp.write_text(json.dumps(wanted, indent=1))
    tmp.replace(venv / _MARKER)


@contextlib.contextmanager
def _locked(path: Path):
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def release_of(version: str) -> str:
    """The holcstore version the venv ``version`` holds (``"0.5.12"`` for ``"0.5.12-pg"``)."""
    return RELEASES[version].get("release", version)


def _satisfies(python: Path, version: str) -> bool:
    """Whether the venv's interpreter runs, has the holcstore release of the venv
    ``version`` installed and imports the recipe's other modules."""
    probe = "; ".join([*(f"import {m}" for m in RELEASES[version].get("imports", ())), _PROBE])
    try:
        # isolated (-I) and run elsewhere: the repository's own holcstore.egg-info must not
        # be found on the path
        out = subprocess.run(
            [str(python), "-I", "-c", probe],
            cwd=python.parent,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(out.stdout).get("holcstore") == release_of(version)
    except (OSError, subprocess.SubprocessError, ValueError):
        return False


def find_uv() -> str | None:
    """The uv executable, if installed (on ``PATH`` or where its installer puts it)."""
    found = shutil.which("uv")
    if found:
        return found
    local = Path.home() / ".local" / "bin" / "uv"
    return str(local) if local.exists() else None


def find_python(minors: tuple[str, ...]) -> str | None:
    """An interpreter of one of the ``minors`` (e.g. ``"3.11"``), in order of preference."""
    for minor in minors:
        candidates = [shutil.which(f"python{minor}")]
        pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
        candidates += sorted(str(p) for p in pyenv.glob(f"{minor}.*/bin/python"))
        candidates += [f"/usr/bin/python{minor}", f"/usr/local/bin/python{minor}"]
        if f"{sys.version_info[0]}.{sys.version_info[1]}" == minor:
            candidates.append(sys.executable)
        for candidate in candidates:
            if candidate and _runs(candidate, minor):
                return candidate
    return None


def _runs(python: str, minor: str) -> bool:
    check = f"import sys; assert '%d.%d' % sys.version_info[:2] == '{minor}'"
    try:
        subprocess.run([python, "-c", check], capture_output=True, timeout=30, check=True)
        return True
    except (OSError, subprocess.SubprocessError):
        return False


def _build(venv: Path, recipe: dict) -> None:
    """Create the venv from scratch and install the release with its pins."""
    requirements = list(recipe["requirements"])
    python = find_python(recipe["pythons"])
    uv = find_uv()
    if python is None and uv is None:
        raise LegacyEnvError(
            f"no Python {' or '.join(recipe['pythons'])} found (and no uv to find one): "
            "install one, e.g. pyenv install 3.11"
        )
    if venv.exists():
        shutil.rmtree(venv)
    if uv is not None:
        # without a local interpreter, uv looks for (or fetches) one of the first version
        _run([uv, "venv", "--quiet", "--python", python or recipe["pythons"][0], str(venv)])
        _run([uv, "pip", "install", "--quiet", "--python", str(python_of(venv)), *requirements])
    else:
        _run([python, "-m", "venv", str(venv)])
        _run([str(python_of(venv)), "-m", "pip", "install", "--quiet", *requirements])


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, capture_output=True, text=True, check=True, timeout=1800)
    except subprocess.CalledProcessError as exc:
        tail = "\n".join((exc.stdout + exc.stderr).splitlines()[-30:])
        raise LegacyEnvError(f"{' '.join(command)} failed ({exc.returncode}):\n{tail}") from None
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LegacyEnvError(f"{' '.join(command)} failed: {exc}") from None


if __name__ == "__main__":
    print(ensure_env(sys.argv[1] if len(sys.argv) > 1 else "0.6.7"))
