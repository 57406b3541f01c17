"""Cutting sequences into batches, as holcstore 0.5/0.6's ``hostore.utils.utils.chunks``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar, cast

S = TypeVar("S", bound=Sequence)


def chunks(l: S, n: int) -> Iterator[S]:  # noqa: E741 (0.5/0.6's keyword name)
    """Yield consecutive slices ``l[i:i + n]`` of ``l``, the last one possibly shorter.

    Slices keep the sequence's type (lists give lists, strings strings, a ``range`` ranges).
    ``l`` needs ``len`` and slicing (a set raises ``TypeError``); ``n == 0`` raises
    ``ValueError`` once iterated and a negative ``n`` yields nothing, as in 0.5/0.6.
    """
    for start in range(0, len(l), n):
        yield cast(S, l[start : start + n])
