"""The raw floor of the sync phase: its server and client move the very blobs (loopback)."""

import json
import subprocess
import sys

import pytest

from bench import sync_raw
from bench.sync_procs import REPO, clean_env, run_json, serving


@pytest.fixture
def files(tmp_path):
    rows = [(f"m{i}", 24276 + i % 12, bytes([i]) * (100 + i)) for i in range(25)]
    blobs, index = tmp_path / "b.bin", tmp_path / "b.json"
    info = sync_raw.write_files(rows, blobs, index)
    assert info["bytes"] == sum(len(r[2]) for r in rows) == blobs.stat().st_size
    return rows, [str(blobs), str(index)]


def test_the_raw_client_gets_and_stores_every_blob(files, tmp_path):
    rows, paths = files
    env = clean_env(BENCH_DB="sqlite", BENCH_SQLITE_PATH=str(tmp_path / "client.sqlite3"))
    raw = [sys.executable, "-m", "bench.sync_raw"]
    serve = lambda port: [*raw, "serve", str(port), *paths]  # noqa: E731
    with serving(serve, env, tmp_path / "raw.log", "/chunks/0/0") as server:
        (out,) = run_json([*raw, "pull", server.url, *paths, "--batch", "10", "--store"], env)
        assert out["fetched"] == 25 and out["requests"] == 3
        assert out["wire_bytes"] == sum(len(r[2]) for r in rows)
        again = run_json([*raw, "pull", server.url, *paths, "--batch", "100"], env)[0]
        assert again["requests"] == 1  # a second pull upserts nothing new: no --store


def test_bytes_other_than_the_files_fail_the_check(files):
    _, (blobs, index) = files
    with open(index) as text, open(blobs, "rb") as binary:
        info, data = json.load(text), binary.read()
    sync_raw._check([data], info, None)
    with pytest.raises(AssertionError, match="not the blobs served"):
        sync_raw._check([data[:-1] + b"?"], info, None)


def test_the_command_needs_its_files():
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync_raw", "pull", "http://127.0.0.1:1"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "blobs" in done.stderr
