"""The question test's fast backends return the float64 reference's count b, pattern for pattern.

The float32 backend decides each permutation in float32 when its value lies outside an error
band around the decision boundary and asks the float64 reference otherwise; these tests check
the band against the measured float32 error, and b against the reference on inputs built to be
hard (ties, a tiny centroid, centroids far from the origin, two-sided boundaries).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from personageo.stats import _patterns as pat
from personageo.stats import _question_engines as qe
from personageo.stats import question_test
from personageo.stats._exchange import BACKEND_ENV, _pick_backend
from personageo.stats._question_torch import cuda_available

ALTERNATIVES = ["greater", "less", "two-sided"]


def _pair(seed, p=5, q=14, d=40, offset=0.4, noise=0.8, dtype=np.float64):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(p, q, d)) + offset
    post = base + rng.normal(size=base.shape) * noise
    return base.astype(dtype), post.astype(dtype)


def _cases():
    yield "plain", _pair(0)
    yield "float32 input", _pair(1, dtype=np.float32)
    yield "far from the origin (cosines near 1)", _pair(2, offset=30.0, noise=0.5)
    yield "weak effect", _pair(3, noise=0.05)
    base, post = _pair(4)
    post[:, ::2] = base[:, ::2]  # half the questions unchanged: many exact ties
    yield "half the questions unchanged", (base, post)
    base, post = _pair(5)
    base[0] -= base[0].mean(axis=0)  # one base centroid exactly at the origin ...
    base[0] += 1e-6                  # ... almost
    yield "a tiny centroid", (base, post)
    base, _ = _pair(6)
    yield "identical checkpoints", (base, base.copy())


@pytest.mark.parametrize(("backend", "options"), [
    ("float32", {"batch_size": 128}),
    pytest.param("torch", {}, marks=pytest.mark.skipif(
        not cuda_available(), reason="needs torch and a CUDA device"))])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize(("name", "arrays"), list(_cases()), ids=[c[0] for c in _cases()])
def test_fast_backend_returns_the_reference_result(name, arrays, alternative, backend, options):
    base, post = arrays
    ref = question_test(base, post, n_perm=600, seed=3, alternative=alternative,
                        backend="float64")
    fast = question_test(base, post, n_perm=600, seed=3, alternative=alternative,
                         backend=backend, **options)
    if backend == "float32":  # the host's centroids: the very same statistic
        assert fast == ref
    else:  # the GPU sums the centroids in another order: the statistic to float64 rounding
        assert fast.statistic == pytest.approx(ref.statistic, rel=1e-11, abs=1e-15)
        assert dataclasses.replace(fast, statistic=ref.statistic) == ref


@pytest.mark.parametrize("seed", range(4))
def test_float32_error_stays_well_inside_its_band(seed):
    base, post = _pair(seed, p=6, q=30, d=300, offset=[0.3, 5.0, 0.0, 1.0][seed])
    data = qe.QuestionData(base, post)
    forms = qe.QuadraticForms(data, np.float32)
    swaps = pat.random_patterns(np.random.default_rng(seed), 400, 30)
    null, band = qe.band_and_null(forms.deviations(swaps.astype(np.float32)), data,
                                  forms.c_norm, np.finfo(np.float32).eps)
    ref = qe.reference_null(data, swaps.astype(np.float64))
    assert np.all(np.abs(null - ref) <= band / 30)


def test_float32_exact_enumeration_and_ties_match_the_reference():
    base, post = _pair(7, p=4, q=9, d=50)
    post[:, :3] = base[:, :3]
    for alternative in ALTERNATIVES:
        runs = [question_test(base, post, n_perm=10**4, alternative=alternative, backend=b)
                for b in ("float64", "float32")]
        assert runs[0].exact and runs[0] == runs[1]


def test_auto_picks_float32_only_where_it_does_less_work(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    expected_cpu = "float32" if not cuda_available() else "torch"
    assert _pick_backend(None, 12, 240, 3584) == expected_cpu
    if not cuda_available():
        assert _pick_backend(None, 12, 240, 64) == "float64"
    monkeypatch.setenv(BACKEND_ENV, "float64")
    assert _pick_backend(None, 12, 240, 3584) == "float64"
    monkeypatch.setenv(BACKEND_ENV, "fast")
    with pytest.raises(ValueError, match=BACKEND_ENV):
        _pick_backend(None, 12, 240, 3584)
    with pytest.raises(ValueError, match="`backend` must be one of"):
        question_test(*_pair(0), n_perm=10, seed=0, backend="gpu")


@pytest.mark.skipif(cuda_available(), reason="checks the message on a machine without CUDA")
def test_torch_backend_without_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="needs torch and a CUDA device"):
        question_test(*_pair(0), n_perm=10, seed=0, backend="torch")


@pytest.mark.parametrize("seed", range(3))
def test_torch_engine_algebra_on_the_cpu_matches_the_reference(seed):
    """The torch engine's code, run by CPU torch (CUDA machines run the same code on the GPU)."""
    pytest.importorskip("torch")
    from personageo.stats._question_torch import TorchForms

    base, post = _pair(seed, p=5, q=20, d=60, offset=[0.4, 6.0, 0.0][seed])
    engine = TorchForms(base, post, device="cpu")
    data = qe.QuestionData(base, post, engine.centroids)
    swaps = pat.random_patterns(np.random.default_rng(seed), 300, 20).astype(np.float64)
    null, band = engine.null_and_band(swaps)
    ref = qe.reference_null(data, swaps)
    assert np.all(np.abs(null - ref) <= np.maximum(band / 30, 1e-13))
    observed = data.observed()
    for alternative in ALTERNATIVES:
        assert qe.refined_count(data, null, band, swaps, observed, alternative) == int(
            pat.count_extreme(ref, observed, alternative, 2.0))


@pytest.mark.parametrize("backend", ["float64", "float32"])
@pytest.mark.parametrize("which, bad", [(0, np.nan), (1, np.inf), (1, -np.inf)])
def test_non_finite_vectors_are_refused_by_every_backend(backend, which, bad):
    """The check reads the centroids (float64 sums over the questions), so one value decides."""
    arrays = list(_pair(0, dtype=np.float32))
    arrays[which][3, 7, 11] = bad
    name = ("base_vectors", "post_vectors")[which]
    with pytest.raises(ValueError, match=f"`{name}` must contain only finite numbers"):
        question_test(*arrays, n_perm=10, seed=0, backend=backend)
