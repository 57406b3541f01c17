"""Run helper calls described as JSON, with holcstore 0.6.7's helpers or with ours.

Shared by both sides: ``python -I helpers_runner.py`` (holcstore 0.6.7's venv) reads
``{"cases": [...]}`` on stdin, runs every case with the release's ``hostore.utils``
modules and prints one JSON list of results; our test imports :func:`run_cases` and runs the
same cases with this repository's modules (the old import paths, re-exported). Only numpy,
pandas and the standard library are imported here, so that the file works in both
environments.

A case is ``{"id": ..., "fn": "<module>.<name>[.<method>]", "args": [...], "kwargs": {...}}``
where ``<module>`` is ``timeseries``, ``utils`` or ``range`` (``hostore.utils.range.range``).
Extra keys: ``"msgs": true`` passes a fresh list as ``msgs`` and returns it with the result;
``"returns_arg": i`` returns argument ``i`` after the call (in-place sorts);
``"generator": true`` passes the first argument as a generator; ``"list": true`` turns the
result into a list (generators). ``fn`` may also be ``"op.eq"``, ``"op.ne"`` or
``"op.str"``.

Values (both ways) are JSON with tagged objects: ``{"S": ...}`` Series, ``{"F": ...}``
DataFrame, ``{"I": ...}`` Index, ``{"T": iso, "tz": ...}`` Timestamp, ``{"DT": iso, ...}``
datetime, ``{"D": iso}`` date, ``{"TM": iso}`` time, ``{"TD": text}`` Timedelta,
``{"PYTD": seconds}`` timedelta, ``{"OFF": alias}`` offset, ``{"R": [sd, ed]}`` Range,
``{"L": [...]}`` list, ``{"TU": [...]}`` tuple, ``{"RG": [start, stop, step]}`` range,
``{"F8": "nan"|"inf"|"-inf"}`` special floats. Errors come back as
``{"error": {"type": name, "builtins": [builtin classes in the error's MRO]}}``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd

MODULES = {
    "timeseries": "hostore.utils.timeseries",
    "utils": "hostore.utils.utils",
    "range": "hostore.utils.range.range",
}


# ------------------------------------------------------------------------------ decoding
_TAGS = ("S", "F", "I", "T", "DT", "D", "TM", "TD", "PYTD", "OFF", "R", "L", "TU", "RG", "F8")


def decode(spec: Any, range_class: type) -> Any:
    """The Python value a JSON spec describes (``Range`` specs use ``range_class``)."""
    if isinstance(spec, list):
        return [decode(item, range_class) for item in spec]
    if not isinstance(spec, dict):
        return spec
    tag = next((t for t in _TAGS if t in spec), None)
    body = spec.get(tag)
    if tag == "S":
        index = decode_index(body.get("index"))
        values = [
            np.nan if v is None and body.get("dtype") != "object" else decode(v, range_class)
            for v in body["values"]
        ]
        return pd.Series(values, index=index, dtype=body.get("dtype"), name=body.get("name"))
    if tag == "F":
        index = decode_index(body.get("index"))
        columns = {k: [np.nan if v is None else v for v in vs] for k, vs in body["columns"].items()}
        return pd.DataFrame(columns, index=index, dtype=body.get("dtype"))
    if tag == "I":
        return decode_index(body)
    if tag == "T":
        ts = pd.Timestamp(body)
        return ts.tz_localize(spec["tz"]) if spec.get("tz") and ts.tzinfo is None else ts
    if tag == "DT":
        value = dt.datetime.fromisoformat(body)
        return value.replace(tzinfo=dt.timezone.utc) if spec.get("utc") else value
    if tag == "D":
        return dt.date.fromisoformat(body)
    if tag == "TM":
        return dt.time.fromisoformat(body)
    if tag == "TD":
        return pd.Timedelta(body)
    if tag == "PYTD":
        return dt.timedelta(seconds=body)
    if tag == "OFF":
        return pd.tseries.frequencies.to_offset(body)
    if tag == "R":
        return range_class(*decode(body, range_class))
    if tag == "L":
        return decode(body, range_class)
    if tag == "TU":
        return tuple(decode(body, range_class))
    if tag == "RG":
        return range(*body)
    if tag == "F8":
        return float(body)
    raise ValueError(f"unknown spec {spec!r}")


def decode_index(spec: Any) -> pd.Index | None:
    """An index from ``{"dt": [...], "tz": ...}``, ``{"start", "periods", "freq", "tz"}`` or
    ``{"labels": [...]}``; None (default RangeIndex) when absent."""
    if spec is None:
        return None
    if "start" in spec:
        return pd.date_range(
            spec["start"], periods=spec["periods"], freq=spec["freq"], tz=spec.get("tz")
        )
    if "dt" in spec:
        index = pd.DatetimeIndex([pd.Timestamp(v) for v in spec["dt"]], name=spec.get("name"))
        if spec.get("tz"):
            index = (
                index.tz_localize("UTC").tz_convert(spec["tz"])
                if spec.get("utc")
                else index.tz_localize(spec["tz"])
            )
        return index
    return pd.Index(spec["labels"], name=spec.get("name"))


# ------------------------------------------------------------------------------ encoding
def encode(value: Any) -> Any:
    """A JSON form of a result, comparable between pandas versions (units and string dtypes
    are not part of it)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"F8": repr(value)}
    if value is pd.NaT:
        return {"NaT": True}
    if value is pd.NA:
        return {"NA": True}
    if isinstance(value, pd.Timestamp):
        return {"T": value.isoformat(), "tz": None if value.tz is None else str(value.tz)}
    if isinstance(value, dt.datetime):
        offset = value.utcoffset()
        return {
            "DT": value.isoformat(),
            "tz": None if value.tzinfo is None else str(value.tzinfo),
            "offset": None if offset is None else offset.total_seconds(),
        }
    if isinstance(value, pd.Timedelta):
        return {"TD": str(value)}
    if isinstance(value, dt.timedelta):
        return {"PYTD": value.total_seconds()}
    if isinstance(value, pd.Series):
        return {
            "S": {
                "index": encode_index(value.index),
                "values": [encode(v) for v in value.tolist()],
                "dtype": _dtype(value.dtype),
                "name": encode(value.name),
            }
        }
    if isinstance(value, pd.DataFrame):
        return {
            "F": {
                "index": encode_index(value.index),
                "columns": [encode(c) for c in value.columns],
                "data": [[encode(v) for v in value[c].tolist()] for c in value.columns],
                "dtypes": [_dtype(t) for t in value.dtypes],
            }
        }
    if isinstance(value, pd.Index):
        return {"I": encode_index(value)}
    if type(value).__name__ == "Range" and hasattr(value, "sd"):
        return {"R": [encode(value.sd), encode(value.ed)]}
    if isinstance(value, list):
        return {"L": [encode(v) for v in value]}
    if isinstance(value, tuple):
        return {"TU": [encode(v) for v in value]}
    if isinstance(value, range):
        return {"RG": [value.start, value.stop, value.step]}
    if isinstance(value, np.ndarray):
        return {"A": [encode(v) for v in value.tolist()]}
    return {"repr": type(value).__name__}


def encode_index(index: pd.Index) -> dict:
    kind = "datetime" if isinstance(index, pd.DatetimeIndex) else type(index).__name__
    if kind == "RangeIndex":
        kind = "Index"  # RangeIndex or materialised integers: same labels
    freq = getattr(index, "freqstr", None)
    return {
        "kind": kind,
        "tz": str(index.tz) if getattr(index, "tz", None) is not None else None,
        "labels": [encode(v) for v in index.tolist()],
        "name": encode(index.name),
        "freq": freq,
    }


def _dtype(dtype: Any) -> str:
    name = str(dtype)
    return "text" if name in ("object", "str", "string") else name


def encode_error(exc: BaseException) -> dict:
    builtins = [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]
    return {"error": {"type": type(exc).__name__, "builtins": builtins}}


# ------------------------------------------------------------------------------- running
def run_cases(cases: list[dict], modules: dict[str, Any]) -> list[dict]:
    """Run every case with ``modules`` (``{"timeseries": module, "utils": ..., "range":
    ...}``); the encoded result (or error) of each, in order."""
    range_class = modules["range"].Range
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in cases:
            try:
                out = _run(case, modules, range_class)
            except Exception as exc:  # compared with the other side's error
                out = encode_error(exc)
            results.append({"id": case["id"], "out": out})
    return results


def _run(case: dict, modules: dict[str, Any], range_class: type) -> Any:
    args = decode(case.get("args", []), range_class)
    kwargs = {k: decode(v, range_class) for k, v in case.get("kwargs", {}).items()}
    if case.get("generator"):
        args[0] = (item for item in args[0])
    if case.get("msgs"):
        kwargs["msgs"] = []
    module_name, _, name = case["fn"].partition(".")
    if module_name == "op":
        operation = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "str": str}[name]
        return encode(operation(*args))
    target: Any = modules[module_name]
    for part in name.split("."):
        target = getattr(target, part)
    result = target(*args, **kwargs)
    if case.get("list"):
        result = list(result)
    if "returns_arg" in case:
        result = (result, args[case["returns_arg"]])
    if case.get("msgs"):
        return {"result": encode(result), "msgs": kwargs["msgs"]}
    return encode(result)


def main() -> None:
    import importlib
    from pathlib import Path

    modules = {key: importlib.import_module(path) for key, path in MODULES.items()}
    ours = Path(__file__).resolve().parents[3] / "hostore"
    origin = Path(modules["timeseries"].__file__).resolve()
    if origin.is_relative_to(ours):  # the release must come from the venv
        raise RuntimeError(f"hostore is imported from {origin}, not from the venv")
    cases = json.load(sys.stdin)["cases"]
    json.dump(run_cases(cases, modules), sys.stdout)


if __name__ == "__main__":
    main()
