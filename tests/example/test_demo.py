"""The example project's demo runs, in its own process, on a fresh SQLite database: it uses
every store (chunks, versions and holes, a forecast, a DataFrame report) and checks what it
reads back itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "example"


def test_the_demo_runs_and_reads_back_what_it_wrote(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    for args in (["migrate", "-v0"], ["demo", "--meters", "3"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=EXAMPLE,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "read back meter 0 exactly: 17568 points, freq=30min" in out
    assert "DST day 2024-03-31 has 46 half-hours" in out
    assert "meter 00000000000001 misses 2024-01-21 20:00:00+01:00" in out
    # questions across the meters: meter 1 lost two days (96 half-hours) of February
    assert "coverage: 96 missing half-hours over 3 meters" in out
    assert (
        "meter 00000000000001: no data from 2024-02-11 16:00:00+01:00 to "
        "2024-02-13 15:30:00+01:00" in out
    )
    assert "daily energy: 366 local days x 3 meters; 2024-03-31 holds 46 half-hours" in out
    assert "report: 12 months x 3 meters, kept exactly" in out
    assert out.rstrip().endswith("done")
