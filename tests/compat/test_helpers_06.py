"""Our helpers against holcstore 0.6.7's own, case by case, through the old import paths.

Every case (``legacy/helpers_cases_series.py``, ``legacy/helpers_cases_misc.py``) is run
twice: by holcstore 0.6.7 in its venv (one subprocess for all the cases,
``legacy/helpers_runner.py``) and by this repository through ``hostore.utils.*``; results
(values, index labels, zones and frequencies, dtypes, names, errors' builtin classes) must
be the same. Only behaviour we keep is listed there: the deliberate corrections
(``Range.combine`` that shrank ranges, hashing, the tuple of ``check_ts_completeness``,
naive/aware bounds, ``_localised_now``, unsorted inputs of
``upsample_using_reference_serie``) are tested in ``tests/hostore/tools``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest

from hostore.utils import timeseries as our_timeseries
from hostore.utils import utils as our_utils
from hostore.utils.range import range as our_range

from .legacy import helpers_cases_misc, helpers_cases_series
from .legacy.helpers_runner import run_cases

RUNNER = Path(__file__).resolve().parent / "legacy" / "helpers_runner.py"
CASES = helpers_cases_series.CASES + helpers_cases_misc.CASES


@pytest.fixture(scope="module")
def theirs(legacy_python, tmp_path_factory) -> dict[str, dict]:
    """Every case run by holcstore 0.6.7, in one process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO"))}
    proc = subprocess.run(
        [str(legacy_python), "-I", str(RUNNER)],
        input=json.dumps({"cases": CASES}),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path_factory.mktemp("helpers"),
        env=env,
    )
    assert proc.returncode == 0, f"holcstore 0.6.7's runner failed:\n{proc.stderr[-6000:]}"
    return {r["id"]: r["out"] for r in json.loads(proc.stdout)}


@pytest.fixture(scope="module")
def ours() -> dict[str, dict]:
    modules = {"timeseries": our_timeseries, "utils": our_utils, "range": our_range}
    return {r["id"]: r["out"] for r in run_cases(CASES, modules)}


def same(got, want, path: str = "") -> None:
    """Assert that two encoded results agree (floats to 1e-9, errors by builtin class)."""
    if isinstance(want, dict) and "error" in want:
        assert isinstance(got, dict) and "error" in got, (
            f"{path}: 0.6.7 raised {want}, we gave {got}"
        )
        expected = want["error"]["builtins"][0]
        assert expected in got["error"]["builtins"], f"{path}: {got['error']} is no {expected}"
        return
    if isinstance(want, float) and isinstance(got, float):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {got} != {want}"
        return
    assert type(got) is type(want), f"{path}: {got!r} != {want!r}"
    if isinstance(want, dict):
        assert got.keys() == want.keys(), f"{path}: {got} != {want}"
        for key in want:
            same(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, list):
        assert len(got) == len(want), f"{path}: {got} != {want}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            same(g, w, f"{path}[{i}]")
    else:
        assert got == want, f"{path}: {got!r} != {want!r}"


def test_cases_are_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_same_as_holcstore_067(case, theirs, ours):
    same(ours[case["id"]], theirs[case["id"]], case["id"])
