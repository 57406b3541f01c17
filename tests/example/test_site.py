"""The example site (``scripts/example serve``), in its own processes: demo data written by
``demo_site``, then ``runserver`` answering the admin login, the series list and the sync
endpoints over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

EXAMPLE = Path(__file__).resolve().parents[2] / "example"


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated example database with 6 demo meters over a year, and its running server."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path_factory.mktemp('site') / 'site.sqlite3'}"
    _manage(env, "migrate", "-v0")
    args = ["demo_site", "--meters", "6", "--years", "1", "--password", "pw", "--no-progress"]
    first = _manage(env, *args).stdout
    again = _manage(env, *args).stdout
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=EXAMPLE,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
        while True:
            try:
                requests.get(base + "/admin/login/", timeout=5)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "runserver did not answer within 120 s"
                time.sleep(0.2)
        yield {"base": base, "first": first, "again": again}
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


def test_demo_site_stores_the_curves_once_and_prints_the_login(site):
    assert "stored 6 demo meters x 17568 half-hours" in site["first"]
    assert "admin login: user 'admin', password 'pw'" in site["first"]
    assert "the demo data is already there (6 series)" in site["again"]


def test_the_admin_logs_in_and_lists_the_demo_series(site):
    session = requests.Session()
    login = session.get(site["base"] + "/admin/login/", timeout=10)
    assert login.status_code == 200
    answer = session.post(
        site["base"] + "/admin/login/?next=/admin/",
        data={
            "username": "admin",
            "password": "pw",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"Referer": site["base"] + "/admin/login/"},
        timeout=10,
    )
    assert answer.status_code == 200 and "Log out" in answer.text
    listing = session.get(site["base"] + "/admin/meters/loadcurve/", timeout=30)
    assert listing.status_code == 200
    assert "00000000000000" in listing.text and "00000000000005" in listing.text


def test_the_sync_endpoint_serves_the_demo_chunks(site):
    answer = requests.get(
        site["base"] + "/api/sync/loadcurves/updates/", params={"limit": 1000}, timeout=30
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["next"] is None and len(body["results"]) == 6 * 12  # monthly chunks
    meters = {change["attrs"]["meter"] for change in body["results"]}
    assert meters == {f"{i:014d}" for i in range(6)}
