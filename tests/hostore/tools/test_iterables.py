"""``chunks``: batches of a sequence."""

from __future__ import annotations

import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostore.tools import chunks


def test_slices_keep_the_sequence_type():
    assert list(chunks([1, 2, 3, 4, 5], 2)) == [[1, 2], [3, 4], [5]]
    assert list(chunks("abcde", 2)) == ["ab", "cd", "e"]
    assert list(chunks((1, 2, 3), 5)) == [(1, 2, 3)]
    assert list(chunks(range(5), 2)) == [range(0, 2), range(2, 4), range(4, 5)]


def test_is_lazy():
    assert isinstance(chunks([1], 1), types.GeneratorType)


def test_edge_sizes():
    assert list(chunks([], 3)) == []
    assert list(chunks([1, 2], -1)) == []
    with pytest.raises(ValueError):
        list(chunks([1, 2], 0))
    with pytest.raises(TypeError):
        list(chunks({1, 2}, 1))


@given(st.lists(st.integers(), max_size=40), st.integers(1, 12))
def test_batches_rebuild_the_list(items, n):
    batches = list(chunks(items, n))
    assert [x for batch in batches for x in batch] == items
    assert all(len(batch) == n for batch in batches[:-1])
    assert all(1 <= len(batch) <= n for batch in batches)
