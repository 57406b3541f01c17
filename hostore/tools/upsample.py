"""Spreading a coarse series over a finer one: holcstore 0.5/0.6's
``upsample_using_reference_serie``, vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..exceptions import DuplicateTimestampError


def upsample_using_reference_serie(ds_resampled: pd.Series, ds_reference: pd.Series) -> pd.Series:
    """``ds_resampled`` (coarse values) spread over the index of ``ds_reference`` (a finer
    series), following the profile of the reference.

    Each coarse value at ``t[k]`` covers the reference points from ``t[k]`` to the next
    coarse timestamp ``t[k+1]``, both included (to the end of the reference for the last
    one). Each of these points gets ``value * ref / mean(ref over the group)`` (the mean
    skips NaN), so that the group averages to the coarse value; when that mean is exactly 0
    every point of the group gets the coarse value itself. A point shared by two groups (the
    next coarse timestamp) takes the value of the later group, but counts in the mean of
    both. Reference points before the first coarse timestamp are NaN. Example: coarse
    ``[10 @00:00, 20 @01:00]`` over a reference ``[1, 3, 2, 2]`` every 30 minutes gives
    ``[5, 15, 20, 20]``.

    As in 0.5/0.6, coarse timestamps absent from the reference's index and NaN coarse values
    are ignored (the previous group extends over them), the result is a float Series without
    a name, on the reference's index (its order and name kept), and an index that mixes
    naive and aware timestamps matches nothing (all NaN).

    Unlike 0.5/0.6, whose results depended on the order of unsorted inputs, the groups
    follow time whatever the order of either series; duplicated timestamps in either series
    raise :class:`~hostore.exceptions.DuplicateTimestampError` (a ``ValueError``).
    """
    ref_index = ds_reference.index
    _require_unique(ref_index, "ds_reference")
    coarse = ds_resampled.dropna()
    _require_unique(coarse.index, "ds_resampled")

    n = len(ref_index)
    order = ref_index.argsort(kind="stable")
    sorted_index = ref_index[order]
    ref = ds_reference.to_numpy(dtype=float, na_value=np.nan)[order]

    # anchors: positions (in the sorted reference) of the coarse timestamps found there
    positions = sorted_index.get_indexer(coarse.index)
    found = positions >= 0
    anchor_order = np.argsort(positions[found], kind="stable")
    anchors = positions[found][anchor_order]
    anchor_values = coarse.to_numpy(dtype=float, na_value=np.nan)[found][anchor_order]

    result = np.full(n, np.nan)
    if len(anchors):
        means = _group_means(ref, anchors)
        group = np.searchsorted(anchors, np.arange(n), side="right") - 1
        covered = group >= 0
        g = group[covered]
        value, mean = anchor_values[g], means[g]
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = value * (ref[covered] / mean)
        result[covered] = np.where(mean == 0, value, spread)
    out = np.empty(n)
    out[order] = result
    return pd.Series(out, index=ref_index)


def _group_means(ref: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Mean of ``ref`` (NaN skipped) over ``[anchors[k], anchors[k+1]]`` (ends included; to
    the end of ``ref`` for the last group); NaN for a group without values."""
    valid = ~np.isnan(ref)
    sums = np.add.reduceat(np.where(valid, ref, 0.0), anchors)
    counts = np.add.reduceat(valid.astype(np.int64), anchors)
    # each group but the last also holds the next group's first point
    boundary = anchors[1:]
    sums[:-1] += np.where(valid[boundary], ref[boundary], 0.0)
    counts[:-1] += valid[boundary]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _require_unique(index: pd.Index, name: str) -> None:
    if index.has_duplicates:
        raise DuplicateTimestampError(
            f"upsample_using_reference_serie: {name} has duplicated timestamps, e.g. "
            f"{index[index.duplicated()][0]}"
        )
