"""Merging duplicated questions: equal to a loop, and recorded."""

from __future__ import annotations

import numpy as np
import pytest

from personageo.stats import merge_duplicate_questions


def loop_merge(vectors, ids, groups):
    first_of = {}
    for g in groups:
        for q in g:
            first_of[q] = g[0]
    out_ids, cols = [], []
    for q in ids:
        if first_of.get(q, q) != q:
            continue
        members = [i for i, x in enumerate(ids) if first_of.get(x, x) == q]
        out_ids.append(q)
        cols.append(np.mean([vectors[:, i] for i in members], axis=0))
    return np.stack(cols, axis=1), out_ids


def test_merge_equals_a_loop():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3, 7, 2, 4))
    ids = ["a", "b", "c", "d", "e", "f", "g"]
    groups = [["b", "e", "g"], ["c", "f"]]
    merged, kept, merges = merge_duplicate_questions(vectors, ids, groups)
    want, want_ids = loop_merge(vectors, ids, groups)
    assert kept == want_ids == ["a", "b", "c", "d"]
    np.testing.assert_allclose(merged, want, rtol=1e-15)
    assert merges == [("b", ["b", "e", "g"]), ("c", ["c", "f"])]


def test_no_duplicates_leaves_the_input_alone():
    v = np.ones((2, 3, 4))
    merged, kept, merges = merge_duplicate_questions(v, [1, 2, 3], [])
    assert merged is v and kept == [1, 2, 3] and merges == []


def test_bad_groups_are_refused():
    v = np.ones((2, 3, 4))
    with pytest.raises(ValueError, match="unknown question ids"):
        merge_duplicate_questions(v, [1, 2, 3], [[1, 9]])
    with pytest.raises(ValueError, match="more than one"):
        merge_duplicate_questions(v, [1, 2, 3], [[1, 2], [2, 3]])
