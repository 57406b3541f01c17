"""Helpers of the file command tests: run a command, write files, make series."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from django.core.management import call_command
from django.db import connection

PARIS = "Europe/Paris"


def run(*args) -> tuple[str, str]:
    """``call_command`` with captured stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write_csv(path, text: str) -> str:
    """Write ``text`` (its lines stripped of indentation) as a CSV file."""
    lines = [line.strip() for line in text.strip().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def half_hours(start: str, end: str, seed: int = 0, tz: str = PARIS) -> pd.Series:
    """A 30-minute series of random floats (exact decimals and not), with a few NaN."""
    index = pd.date_range(start, end, freq="30min", tz=tz)
    rng = np.random.default_rng(seed)
    values = rng.random(len(index)) * 100
    values[::7] = np.round(values[::7], 3)
    values[3:5] = np.nan
    return pd.Series(values, index=index)


def raw_update(model, pk: int, **columns) -> None:
    """``UPDATE`` a row's columns in SQL, behind the store's back (to damage it)."""
    table = connection.ops.quote_name(model._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {sets} WHERE id = %s", [*columns.values(), pk])
