"""``Range``: an inclusive interval ``[sd, ed]`` of comparable values (usually timestamps), as
holcstore 0.5/0.6's ``hostore.utils.range.range.Range``, used to find what a store lacks.

Behaviour kept from 0.5/0.6: both ends are inclusive (touching ranges overlap); the ends are
plain, mutable attributes holding the very objects given (``pd.Timestamp``, ``datetime``,
numbers...); equality compares the ends (so ranges over the same instants in two time zones
are equal); ranges have no order (``<`` raises ``TypeError``); ``str`` is
``'Interval from <sd> to <ed>'``.

Corrections (each documented where it applies):

- :meth:`Range.combine` neither mutates nor reorders its input, and never shrinks a range
  (0.5/0.6 merged ``[0, 10]`` and ``[2, 5]`` into ``[0, 5]``, editing the inputs in place);
- the hash is consistent with equality (0.5/0.6 hashed the text, so equal ranges in two time
  zones had different hashes and could be two keys of one dict);
- comparing with something that is not a ``Range`` is ``False`` (0.5/0.6 raised
  ``AttributeError``), and ranges have a ``repr``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..exceptions import InvalidRangeError


class Range:
    """The inclusive interval from ``sd`` (start date) to ``ed`` (end date).

    :class:`~hostore.exceptions.InvalidRangeError` (an ``AssertionError`` and a
    ``ValueError``; 0.5/0.6 raised a bare ``AssertionError``) when ``sd > ed``; comparing a
    naive with an aware datetime, or ``None`` with anything, raises ``TypeError``.
    """

    def __init__(self, sd: Any, ed: Any) -> None:
        if not sd <= ed:
            raise InvalidRangeError(f"a Range must not end before it starts: {sd} > {ed}")
        self.sd = sd
        self.ed = ed

    # ------------------------------------------------------------------ identity and text
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Range):
            return NotImplemented
        return bool(self.sd == other.sd and self.ed == other.ed)

    def __hash__(self) -> int:
        """Hash of the ends themselves: equal ranges hash equally (a UTC and a Paris range over
        the same instants, a ``datetime`` and a ``pd.Timestamp`` one). Do not change the ends
        of a range while it is a key of a dict or a member of a set."""
        return hash((self.sd, self.ed))

    def __str__(self) -> str:
        return f"Interval from {self.sd} to {self.ed}"

    def __repr__(self) -> str:
        return f"Range({self.sd!r}, {self.ed!r})"

    # ------------------------------------------------------------------------ predicates
    def overlap(self, interval: Range) -> bool:
        """Whether the two ranges share at least one point (ends included)."""
        return bool(self.sd <= interval.ed and interval.sd <= self.ed)

    def check_date(self, date: Any) -> bool:
        """Whether ``date`` lies within the range (ends included)."""
        return bool(self.sd <= date <= self.ed)

    def includes(self, interval: Range) -> bool:
        """Whether ``interval`` lies entirely within this range (ends included)."""
        return bool(self.sd <= interval.sd and interval.ed <= self.ed)

    # ----------------------------------------------------------------------- operations
    def intersection(self, interval: Range, min_delta: Any) -> Range | None:
        """The common part of the two ranges, or ``None`` when it is shorter than
        ``min_delta`` (``ed - sd < min_delta``).

        Touching ranges have a one-point intersection, kept when ``min_delta`` is zero.
        Disjoint ranges with a negative ``min_delta`` raise
        :class:`~hostore.exceptions.InvalidRangeError` (as 0.5/0.6 raised
        ``AssertionError``).
        """
        start = max(self.sd, interval.sd)
        end = min(self.ed, interval.ed)
        if end - start >= min_delta:
            return Range(start, end)
        return None

    def difference_missing(self, interval: Range, min_delta: Any) -> list[Range]:
        """The parts of the requested ``interval`` that this (available) range lacks, each
        kept only if at least ``min_delta`` long, as in 0.5/0.6:

        - this range includes ``interval``: ``[]``;
        - ``interval`` includes this range: ``Range(interval.sd, self.sd)`` and
          ``Range(self.ed, interval.ed)`` (possibly one point long, e.g. when both start
          together);
        - otherwise the one side ``interval`` sticks out of: ``Range(interval.sd, self.sd)``
          if it starts first, else ``Range(self.ed, interval.ed)``. When the two ranges are
          disjoint, this runs from the near end of this range, beyond ``interval``: available
          00-02 and requested 05-10 give ``Range(02, 10)``.

        The ends of this range belong to the missing parts (ends are shared).
        """
        if self.includes(interval):
            return []
        if interval.includes(self):
            parts = [Range(interval.sd, self.sd), Range(self.ed, interval.ed)]
        elif interval.sd < self.sd:
            parts = [Range(interval.sd, self.sd)]
        else:
            parts = [Range(self.ed, interval.ed)]
        return [part for part in parts if part.ed - part.sd >= min_delta]

    # ------------------------------------------------------------------- lists of ranges
    @staticmethod
    def sort_by_start(ranges: list[Range], reverse: bool = False) -> None:
        """Sort the list ``ranges`` in place by start (stable), as in 0.5/0.6; returns None."""
        ranges.sort(key=_start, reverse=reverse)

    @staticmethod
    def combine(ranges: Iterable[Range]) -> list[Range]:
        """Merge overlapping or touching ranges: new ranges sorted by start, none overlapping.

        ``[(5, 6), (1, 2)]`` -> ``[(1, 2), (5, 6)]``; ``[(1, 2), (2, 3)]`` -> ``[(1, 3)]``;
        ``[(0, 10), (2, 5)]`` -> ``[(0, 10)]``.

        Corrections of 0.5/0.6: the input (any iterable, not only a list) is neither sorted in
        place nor mutated, the result holds new ``Range`` objects, and a range included in
        another no longer cuts it short (0.5/0.6 gave ``[(0, 5)]`` for the last example).
        """
        merged: list[Range] = []
        for current in sorted(ranges, key=_start):
            if merged and current.sd <= merged[-1].ed:
                if current.ed > merged[-1].ed:
                    merged[-1].ed = current.ed  # a Range of ours, not the caller's
            else:
                merged.append(Range(current.sd, current.ed))
        return merged


def _start(item: Range) -> Any:
    return item.sd
