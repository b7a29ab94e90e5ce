"""Shared machinery of the permutation tests: argument checks, swap patterns, exceedance counts.

Every test here permutes by *swapping* labels inside pairs (a sign flip of a paired difference,
or exchanging a persona's or a question's base and post vectors). A permutation is therefore a
0/1 pattern over the ``n`` exchangeable units, 1 meaning "swapped". Patterns are drawn the same
way by every test, so a result can be re-derived from its recorded seed:

* Monte Carlo: ``rng = numpy.random.default_rng(seed)``; the ``n_perm x n`` pattern matrix is
  the first ``n_perm * n`` bits of ``rng.bytes(ceil(n_perm * n / 8))`` in numpy's
  ``unpackbits`` (big-endian) order, row-major. Each pattern is uniform on {0, 1}^n; the
  identity may be drawn (it counts like any other draw).
* Exact: when ``n_perm >= 2**n - 1`` all ``2**n - 1`` non-identity patterns are enumerated
  (pattern k holds the bits of k, least significant bit = unit 0) and ``n_perm`` is reported as
  ``2**n - 1``, so the "+1" of the usual Monte-Carlo p-value is exactly the identity and
  ``(b + 1) / (n_perm + 1)`` is the exact permutation p-value.
"""

from __future__ import annotations

import numbers
import secrets
from collections.abc import Iterator

import numpy as np

ALTERNATIVES = ("greater", "less", "two-sided")
_CHUNK_BYTES = 32 * 1024 * 1024


def check_n_perm(n_perm) -> int:
    if isinstance(n_perm, bool) or not isinstance(n_perm, numbers.Integral) or n_perm < 1:
        raise ValueError(f"`n_perm` must be an integer >= 1, got {n_perm!r}")
    return int(n_perm)


def check_alternative(alternative) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"`alternative` must be one of {ALTERNATIVES}, got {alternative!r}")
    return alternative


def check_seed(seed) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"`seed` must be None or an integer >= 0, got {seed!r}")
    return int(seed)


def resolve_seed(seed: int | None) -> int:
    """The seed actually used: ``seed``, or fresh OS entropy (recorded so a run can be redone)."""
    if seed is not None:
        return seed
    return secrets.randbits(63)


def finite_array(x, name: str, ndim: int, keep_float32: bool = False,
                 check_finite: bool = True) -> np.ndarray:
    """``x`` as a finite float64 array (float32 kept as is when ``keep_float32``); with
    ``check_finite=False`` the caller checks (:func:`require_finite`)."""
    arr = np.asarray(x)
    if not (keep_float32 and arr.dtype == np.float32):
        arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != ndim:
        raise ValueError(f"`{name}` must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty, got shape {arr.shape}")
    if check_finite:
        require_finite(arr, name)
    return arr


def require_finite(arr: np.ndarray, name: str, sums=None) -> None:
    """Raise unless every value of ``arr`` is finite.

    A sum in float64 is finite when every value is (float32 values cannot overflow it), so one
    float64 sum -- or partial sums over a partition of ``arr`` that the caller has already, such
    as centroids -- decides; the elementwise check runs only when a sum is not finite.
    """
    total = arr.sum(dtype=np.float64) if sums is None else np.asarray(sums).sum()
    if not np.isfinite(total) and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must contain only finite numbers (found NaN or inf)")


def paired_arrays(base, post, names: tuple[str, str], ndim: int, keep_float32: bool = False,
                  check_finite: bool = True):
    """``base`` and ``post`` as float arrays of ``ndim`` dimensions and one shape, finite unless
    ``check_finite`` is False (the caller then calls :func:`require_finite`)."""
    a = finite_array(base, names[0], ndim, keep_float32, check_finite)
    b = finite_array(post, names[1], ndim, keep_float32, check_finite)
    if a.shape != b.shape:
        raise ValueError(f"`{names[0]}` and `{names[1]}` must have the same shape, "
                         f"got {a.shape} and {b.shape}")
    return a, b


def check_batch_size(batch_size) -> int | None:
    if batch_size is None:
        return None
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size < 1
    ):
        raise ValueError(f"`batch_size` must be None or an integer >= 1, got {batch_size!r}")
    return int(batch_size)


def is_exact(n_perm: int, n: int) -> bool:
    """True when ``n_perm`` covers every non-identity pattern of ``n`` units."""
    return n < 63 and n_perm >= 2**n - 1


def random_patterns(rng: np.random.Generator, n_perm: int, n: int) -> np.ndarray:
    """``n_perm x n`` uniform 0/1 patterns (uint8) drawn from ``rng`` (see module docstring)."""
    total = n_perm * n
    raw = np.frombuffer(rng.bytes((total + 7) // 8), dtype=np.uint8)
    return np.unpackbits(raw, count=total).reshape(n_perm, n)


def pattern_chunks(
    rng: np.random.Generator,
    n_perm: int,
    n: int,
    row_bytes: int,
    *,
    exact: bool,
    batch_size: int | None = None,
) -> Iterator[np.ndarray]:
    """Yield the test's patterns as float64 chunks whose working set stays near 32 MiB.

    ``row_bytes`` is the caller's memory per pattern (``batch_size`` patterns per chunk when
    given); all non-identity patterns when ``exact``. Chunking never changes the patterns.
    """
    step = batch_size or max(1, _CHUNK_BYTES // max(1, row_bytes + 8 * n))
    if exact:
        shifts = np.arange(n, dtype=np.int64)
        for start in range(1, 2**n, step):
            k = np.arange(start, min(start + step, 2**n), dtype=np.int64)
            yield ((k[:, None] >> shifts) & 1).astype(np.float64)
        return
    bits = random_patterns(rng, n_perm, n)
    for start in range(0, n_perm, step):
        yield bits[start : start + step].astype(np.float64)


TIE_RTOL = 1e-10
"""Relative tie tolerance: a permuted statistic within ``TIE_RTOL * max(|T_obs|, scale)`` of the
observed one is a tie (counted as at least as extreme)."""


def tolerance(observed: np.ndarray | float, scale: np.ndarray | float) -> np.ndarray:
    """Absolute tolerance for ties with the observed statistic.

    ``scale`` is the statistic's natural size (a bound on ``|T|`` over all patterns, e.g. 2 for a
    difference of mean cosines): relative to it, not to ``|T_obs|`` alone, so that a statistic of
    exactly 0 still has a tie band wide enough to absorb the rounding of the algebraic shortcuts
    (a relative-to-``T_obs`` tolerance as in ``scipy.stats`` is 0 there, and exact ties computed
    along two different roundings are then counted at random).
    """
    obs = np.abs(np.asarray(observed, dtype=np.float64))
    return np.maximum(obs, np.asarray(scale, dtype=np.float64)) * TIE_RTOL


def count_extreme(null: np.ndarray, observed, alternative: str, scale) -> np.ndarray:
    """Number of null values at least as extreme as ``observed`` along axis 0.

    ``greater``: ``null >= observed``; ``less``: ``null <= observed``; ``two-sided``:
    ``|null| >= |observed|``; each up to the tie tolerance of :func:`tolerance`.
    """
    obs = np.asarray(observed, dtype=np.float64)
    gamma = tolerance(obs, scale)
    if alternative == "greater":
        hits = null >= obs - gamma
    elif alternative == "less":
        hits = null <= obs + gamma
    else:
        hits = np.abs(null) >= np.abs(obs) - gamma
    return hits.sum(axis=0)
