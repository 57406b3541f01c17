"""Show the logs of the end-to-end deployments (server, agent) under a failing test."""

from __future__ import annotations

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    rig = getattr(item, "funcargs", {}).get("rig")
    if report.failed and rig is not None:
        for title, text in rig.logs():
            report.sections.append((title, text))
    return report
