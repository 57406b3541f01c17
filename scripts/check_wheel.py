"""Checks an installed holcstore against the source tree it was built from (run by
scripts/release-check in a virtual environment holding only the built wheel).

Every module, template, static file and data file of ``hostore/`` in the source tree must be
in the installed package, which must be the one Python imports (not the source tree); the
installed templates and static files must be found by Django's loaders; a store must write
and read a series. Usage: ``python check_wheel.py SOURCE_TREE`` with the example project's
settings (``DJANGO_SETTINGS_MODULE``) and database ready (``migrate`` run).
"""

from __future__ import annotations

import sys
from pathlib import Path

SKIPPED = {"__pycache__"}


def source_files(package: Path) -> set[str]:
    """The files the wheel must hold: every file under the package but bytecode caches."""
    return {
        str(path.relative_to(package))
        for path in package.rglob("*")
        if path.is_file() and not SKIPPED & set(path.parts) and path.suffix != ".pyc"
    }


def main(source: Path) -> None:
    import django

    django.setup()
    import hostore

    installed = Path(hostore.__file__).resolve().parent
    if source.resolve() in installed.parents or installed == source.resolve() / "hostore":
        raise SystemExit(f"hostore is imported from the source tree ({installed}), not the wheel")
    missing = sorted(source_files(source / "hostore") - source_files(installed))
    if missing:
        raise SystemExit(f"files missing from the wheel: {missing}")

    from django.contrib.staticfiles import finders
    from django.template.loader import get_template

    static = installed / "static"
    for path in static.rglob("*"):
        if path.is_file() and not finders.find(str(path.relative_to(static))):
            raise SystemExit(f"static file not found by Django: {path}")
    templates = installed / "templates"
    for path in templates.rglob("*.html"):
        get_template(str(path.relative_to(templates)))

    import pandas as pd
    from meters.models import LoadCurve

    index = pd.date_range("2030-01-01", periods=96, freq="30min", tz="Europe/Paris")
    series = pd.Series(range(96), index=index, dtype=float)
    LoadCurve.set_ts({"meter": "wheel-smoke", "version": 0}, series)
    got = LoadCurve.get_ts({"meter": "wheel-smoke", "version": 0})
    if not got.equals(series.asfreq(got.index.freq)):
        raise SystemExit("the installed store does not give back what it was given")
    print(f"wheel check: {len(source_files(installed))} files in {installed}; store round trip ok")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
