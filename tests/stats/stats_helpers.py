"""Brute-force references shared by the statistics tests (``from tests.stats.stats_helpers``)."""

from __future__ import annotations

import numpy as np


def brute_m1(centroids: np.ndarray) -> float:
    """M1 by a double loop over persona pairs (reference for the vectorised code)."""
    n = len(centroids)
    total, count = 0.0, 0
    for i in range(n):
        for j in range(i + 1, n):
            a, b = centroids[i], centroids[j]
            total += float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
            count += 1
    return total / count


def drawn_patterns(seed: int, n_perm: int, n: int) -> np.ndarray:
    """The documented Monte-Carlo draw: bits of ``rng.bytes``, numpy unpackbits order."""
    rng = np.random.default_rng(seed)
    raw = np.frombuffer(rng.bytes((n_perm * n + 7) // 8), dtype=np.uint8)
    return np.unpackbits(raw, count=n_perm * n).reshape(n_perm, n)


def all_patterns(n: int) -> np.ndarray:
    """Every non-identity 0/1 pattern of ``n`` units (order irrelevant for counts)."""
    import itertools

    return np.array([s for s in itertools.product((0, 1), repeat=n) if any(s)], dtype=np.uint8)


def is_extreme(value: float, observed: float, alternative: str, scale: float = 2.0) -> bool:
    """One permutation's exceedance, with the documented tie tolerance
    ``1e-10 * max(|observed|, scale)`` (``scale`` 2 bounds a difference of mean cosines)."""
    gamma = max(abs(observed), scale) * 1e-10
    if alternative == "greater":
        return value >= observed - gamma
    if alternative == "less":
        return value <= observed + gamma
    return abs(value) >= abs(observed) - gamma


def brute_bh(p):
    """BH by its definition: q_(i) = min over j >= i of min(1, m p_(j) / j)."""
    m = len(p)
    ranked = sorted(range(m), key=lambda k: p[k])
    out = [0.0] * m
    for i, k in enumerate(ranked):
        out[k] = min(min(1.0, m * p[ranked[j]] / (j + 1)) for j in range(i, m))
    return np.array(out)


def brute_holm(p):
    """Holm by its definition: q_(i) = max over j <= i of min(1, (m - j + 1) p_(j))."""
    m = len(p)
    ranked = sorted(range(m), key=lambda k: p[k])
    out = [0.0] * m
    for i, k in enumerate(ranked):
        out[k] = max(min(1.0, (m - j) * p[ranked[j]]) for j in range(i + 1))
    return np.array(out)


def brute_running_max(p):
    """The original code: running max of m p_(i) / i from the smallest p upward, clipped at 1."""
    m = len(p)
    ranked = sorted(range(m), key=lambda k: p[k])
    out, running = [0.0] * m, 0.0
    for i, k in enumerate(ranked):
        running = max(running, m * p[k] / (i + 1))
        out[k] = min(1.0, running)
    return np.array(out)


#: each correction by its definition (no statsmodels, which ``adjust_pvalues`` calls)
BRUTE_CORRECTIONS = {
    "bh": brute_bh, "holm": brute_holm, "bh_running_max": brute_running_max,
    "bonferroni": lambda p: np.minimum(1.0, len(p) * np.asarray(p)), "none": np.asarray,
}
