"""Correctness checks of the sync phase (untimed): a pull counts only once it is checked.

- a server holds what it was given: its chunks decode to the expected arrays
  (:class:`bench.sync_data.Expected`), value for value, NaN for NaN;
- a client after a pull is a replica of its server: the same chunk rows, byte for byte, with
  the same start, dtype and deletion flag (holcstore moves blobs as stored, never re-encoded).

Together they say that the client's series equal the server's, and the source's. A failed
check raises :class:`bench.checks.WrongResult`, which stops the benchmark.
"""

from __future__ import annotations

import numpy as np

from .checks import WrongResult
from .sync_data import Expected
from .sync_db import Rows


def check_values(rows: Rows, expected: Expected, what: str, meters: list[str] | None = None):
    """Every expected chunk of ``meters`` (all by default) is live in ``rows`` and decodes to
    the expected values, and no other live chunk of those series is there."""
    from hostore import codecs

    meters = list(expected.chunks) if meters is None else meters
    for meter in meters:
        for ci, want in expected.chunks[meter].items():
            row = rows.get((meter, ci))
            if row is None or row[2]:
                state = "missing" if row is None else "deleted"
                raise WrongResult(f"{what}: chunk {ci} of {meter} is {state}")
            got = codecs.decode(row[3], row[1])
            if len(got) != len(want) or not np.array_equal(got, want, equal_nan=True):
                raise WrongResult(
                    f"{what}: chunk {ci} of {meter} does not hold the expected values"
                )
    wanted = set(meters)
    live = sum(1 for (meter, _), row in rows.items() if meter in wanted and not row[2])
    count = sum(len(expected.chunks[m]) for m in meters)
    if live != count:
        raise WrongResult(f"{what}: {live} live chunks, expected {count}")


def same_replica(got: Rows, want: Rows, what: str) -> None:
    """The client's chunk rows (``got``) are the server's (``want``), byte for byte."""
    if got == want:
        return
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    if missing or extra:
        raise WrongResult(
            f"{what}: {len(missing)} chunks missing (first {missing[:1]}), "
            f"{len(extra)} unexpected (first {extra[:1]})"
        )
    fields = ("start", "dtype", "is_deleted", "bytes")
    for key in sorted(want):
        if got[key] != want[key]:
            differ = [f for f, a, b in zip(fields, got[key], want[key], strict=True) if a != b]
            raise WrongResult(
                f"{what}: chunk {key} differs from the server's ({', '.join(differ)})"
            )
