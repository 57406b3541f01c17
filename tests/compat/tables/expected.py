"""What the stores of the tables project must hold after a list of writes (``driver.py``'s
specs), computed with pandas alone, as holcstore 0.5/0.6 document their semantics:

- ``set_lc``/``set_many_lc`` without versions overwrite the one row of (client, prm,
  attributes), whatever its version, or create version 0; with versions they add a row
  numbered one above the newest of (client, prm); all-NaN curves are skipped;
- ``set_ts(update=True)`` keeps ``new.combine_first(old)``, ``replace=True`` the new series;
- ``update_or_create_df`` keeps the last frame and meta of (client, key); 0.6 stores a
  RangeIndex as a column of integers (``index=True``), which reads back as an int64 Index.

Then :meth:`Expected.check` compares a dump with it (and names the first difference).
"""

from __future__ import annotations

import json

import pandas as pd

from . import specs


class Expected:
    def __init__(self) -> None:
        # store -> {(client_id, prm, version, year or None): curve}
        self.curves: dict[str, dict[tuple, pd.Series]] = {}
        self.series: dict[tuple[int, str], pd.Series] = {}  # (year, kind) -> series
        self.frames: dict[tuple[int, str], tuple[pd.DataFrame, dict]] = {}

    # ------------------------------------------------------------------ writes
    def apply(self, operations: list[dict], release: bool = False) -> Expected:
        """Apply the writes of a spec, made by a release (``release``) or by ours."""
        for op in operations:
            kind = op["op"]
            if kind in ("set_lc", "set_many_lc"):
                items = {op["prm"]: op["serie"]} if kind == "set_lc" else op["series"]
                for prm, spec in items.items():
                    self._set_lc(op, prm, specs.curve(spec))
            elif kind == "clear":
                rows = self.curves.setdefault(op["store"], {})
                for key in [k for k in rows if k[0] == op["client_id"] and k[1] in op["prms"]]:
                    del rows[key]
            elif kind == "set_ts":
                key, new = (op["attrs"]["year"], op["attrs"]["kind"]), specs.curve(op["serie"])
                if op.get("update") and key in self.series:
                    new = new.combine_first(self.series[key])
                self.series[key] = new
            elif kind == "update_or_create_df":
                df = specs.frame(op["frame"])
                if not op.get("store_index", True):
                    df = df.reset_index(drop=True)
                elif release and isinstance(df.index, pd.RangeIndex):
                    df.index = pd.Index(df.index.to_numpy(), dtype="int64")
                self.frames[(op["client_id"], op["key"])] = (df, dict(op.get("meta") or {}))
            else:
                raise ValueError(f"unknown op {kind!r}")
        return self

    def _set_lc(self, op: dict, prm: str, curve: pd.Series) -> None:
        if curve.isna().all():
            return
        rows = self.curves.setdefault(op["store"], {})
        client, year = op["client_id"], (op.get("attributes_to_set") or {}).get("year")
        mine = [k for k in rows if k[:2] == (client, prm)]
        if op.get("versionning"):
            version = max((k[2] for k in mine), default=-1) + 1
            rows[(client, prm, version, year)] = curve
            return
        same = [k for k in mine if year is None or k[3] == year]
        if len(same) > 1:
            raise ValueError(f"{prm}: several rows, an overwrite would fail")
        key = same[0] if same else (client, prm, 0, year)
        rows[key] = curve

    # ------------------------------------------------------------------ checks
    def check(self, dump: dict, frames: bool) -> None:
        """The dump holds exactly these rows (keys and canonical contents)."""
        for store in ("curves", "year_curves"):
            got = {
                (r["client_id"], r["prm"], r["version"], r.get("year")): r["data"]
                for r in dump[store]["rows"].values()
            }
            rows = self.curves.get(store, {})
            want = {k: specs.canon_curve(c.rename(k[1])) for k, c in rows.items()}
            same(got, want, store)
        got = {(r["year"], r["kind"]): r["data"] for r in dump["series"]["rows"].values()}
        want = {k: specs.canon_curve(s.rename("name")) for k, s in self.series.items()}
        same(got, want, "series")
        if not frames:
            assert "frames" not in dump
            return
        got = {
            (r["client_id"], r["key"]): (r["frame"], _meta(r["meta"]))
            for r in dump["frames"]["rows"].values()
        }
        want = {k: (specs.canon_frame(df), meta) for k, (df, meta) in self.frames.items()}
        same(got, want, "frames")


def _meta(meta: dict) -> dict:
    """``meta`` without ``store_index``, which 0.6 adds to the caller's dict."""
    return {k: v for k, v in meta.items() if k != "store_index"}


def same(got, want, what: str) -> None:
    """``got == want``, or an AssertionError naming the first difference."""
    if got == want:
        return
    raise AssertionError(f"{what}: {first_difference(got, want)}")


def first_difference(got, want, path: str = "") -> str:
    """Where two JSON-like values first differ, and how."""
    if isinstance(got, dict) and isinstance(want, dict):
        if set(got) != set(want):
            extra, missing = (
                sorted(map(str, set(got) - set(want))),
                sorted(map(str, set(want) - set(got))),
            )
            return f"{path or '/'}: extra keys {extra[:5]}, missing keys {missing[:5]}"
        for key in want:
            if got[key] != want[key]:
                return first_difference(got[key], want[key], f"{path}/{key}")
    if isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)):
        if len(got) != len(want):
            return f"{path}: {len(got)} items instead of {len(want)}"
        for n, (g, w) in enumerate(zip(got, want, strict=True)):
            if g != w:
                return first_difference(g, w, f"{path}[{n}]")
    shown = [json.dumps(v, default=str)[:200] for v in (got, want)]
    return f"{path}: got {shown[0]}, expected {shown[1]}"
