"""Geometry: centroids, cosine matrix, off-diagonal order, M1 and the metric registry."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from personageo.stats import (
    Metric,
    centroids,
    cosine_matrix,
    get_metric,
    m1,
    metric_ids,
    offdiag,
    register_metric,
)
from personageo.stats import geometry as geometry_module
from tests.stats.stats_helpers import brute_m1


def test_centroids_is_mean_over_questions_by_loop():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(4, 7, 3))
    expected = np.array(
        [[sum(vectors[p, q, k] for q in range(7)) / 7 for k in range(3)] for p in range(4)]
    )
    np.testing.assert_allclose(centroids(vectors), expected, rtol=1e-14)


def test_centroids_keeps_leading_batch_dimensions():
    vectors = np.random.default_rng(2).normal(size=(5, 4, 7, 3))  # layers first
    out = centroids(vectors)
    assert out.shape == (5, 4, 3)
    np.testing.assert_allclose(out[2], centroids(vectors[2]))


def test_cosine_matrix_matches_scipy_cosine_distance():
    from scipy.spatial.distance import cdist

    x = np.random.default_rng(3).normal(size=(6, 10))
    np.testing.assert_allclose(cosine_matrix(x), 1.0 - cdist(x, x, metric="cosine"), atol=1e-12)


def test_offdiag_order_is_row_major_upper_triangle():
    mat = np.arange(16).reshape(4, 4)
    expected = [mat[i, j] for i in range(4) for j in range(i + 1, 4)]
    assert offdiag(mat).tolist() == expected
    assert offdiag(np.stack([mat, mat + 100])).shape == (2, 6)


@pytest.mark.parametrize("n_personas", [2, 3, 12])
def test_m1_matches_brute_force_double_loop(n_personas):
    c = np.random.default_rng(n_personas).normal(size=(n_personas, 16)) + 0.3
    assert m1(c) == pytest.approx(brute_m1(c), abs=1e-13)
    assert isinstance(m1(c), float)


def test_m1_is_batched_over_leading_dimensions():
    c = np.random.default_rng(4).normal(size=(3, 2, 5, 8))
    out = m1(c)
    assert out.shape == (3, 2)
    assert out[1, 0] == pytest.approx(brute_m1(c[1, 0]), abs=1e-13)


@pytest.mark.parametrize(
    ("func", "arg", "match"),
    [
        (cosine_matrix, np.array([[1.0, 0.0], [0.0, 0.0]]), "zero row"),
        (cosine_matrix, np.array([[1.0, np.nan]]), "finite"),
        (m1, np.ones((1, 3)), "P >= 2"),
        (offdiag, np.ones((2, 3)), "square"),
        (centroids, np.ones((2, 3)), "at least 3 dimensions"),
    ],
)
def test_bad_inputs_name_the_parameter(func, arg, match):
    with pytest.raises(ValueError, match=match):
        func(arg)


def test_registry_has_m1_and_suggests_close_ids():
    metric = get_metric("M1")
    assert metric.fn is m1 and metric.bounds == (-1.0, 1.0)
    assert "M1" in metric_ids()
    with pytest.raises(ValueError, match="did you mean 'M1'"):
        get_metric("m1")


def test_registry_refuses_duplicates_and_accepts_new_metrics(monkeypatch):
    monkeypatch.setattr(geometry_module, "_REGISTRY", dict(geometry_module._REGISTRY))
    with pytest.raises(ValueError, match="already registered"):
        register_metric(Metric(id="M1", name="other", fn=m1))
    with pytest.raises(ValueError, match="name 'mean-offdiag-cosine'"):
        register_metric(Metric(id="M9", name="mean-offdiag-cosine", fn=m1))
    spread = register_metric(
        Metric(id="M9", name="spread", fn=lambda c: float(np.std(c)), bounds=None)
    )
    assert get_metric("M9") is spread


# --------------------------------------------------------------------------- properties
_finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def _well_conditioned(c: np.ndarray) -> bool:
    return bool(np.all(np.linalg.norm(c, axis=1) > 1e-3))


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    c=arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 5)), elements=_finite),
    factor=st.floats(1e-3, 1e3),
    row=st.integers(0, 5),
)
def test_m1_scale_invariant_and_cosines_symmetric(c, factor, row):
    if not _well_conditioned(c):
        return
    cos = cosine_matrix(c)
    np.testing.assert_allclose(cos, cos.T, atol=1e-15)
    assert np.all(np.abs(cos) <= 1.0)
    scaled = c.copy()
    scaled[row % len(c)] *= factor
    assert m1(scaled) == pytest.approx(m1(c), abs=1e-12)
    assert -1.0 <= m1(c) <= 1.0


@settings(derandomize=True, max_examples=40, deadline=None)
@given(
    c=arrays(np.float64, st.tuples(st.integers(2, 6), st.integers(1, 5)), elements=_finite),
    seed=st.integers(0, 2**16),
)
def test_m1_invariant_to_persona_order(c, seed):
    if not _well_conditioned(c):
        return
    perm = np.random.default_rng(seed).permutation(len(c))
    assert m1(c[perm]) == pytest.approx(m1(c), abs=1e-13)
