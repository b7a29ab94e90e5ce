"""Bootstrap over questions (with seeds as an outer level) for M1, deltas, ratios and differences.

Every checkpoint of an experiment is measured on the same questions, so the rows of one question
(base, post, baseline post, every seed) are correlated through it. A resample therefore draws
question indices once and applies the *same* indices to every checkpoint: the correlation that
shared questions induce between M1(base), M1(post) and M1(baseline post) is kept, and a delta's
or ratio's interval reflects it. With several seeds per condition the seeds are resampled as an
outer level: each replicate draws seeds with replacement and averages their (question-resampled)
deltas.

Typical use::

    idx = draw_questions(rng, n_resamples, n_questions)        # [B, Q], shared by all rows
    reps = {ck: m1_replicates(vectors[ck], idx) for ck in ...}  # [B] each
    low, high = percentile_interval(reps["post"] - reps["base"], 0.95)
"""

from __future__ import annotations

import numpy as np

from personageo.stats._exchange import _m1_from_gram

__all__ = [
    "draw_questions",
    "m1_replicates",
    "percentile_interval",
    "ratio_replicates",
    "seed_mean_replicates",
]

NOT_FINITE = "`vectors` must contain only finite numbers (found NaN or inf)"

#: Bytes of centroids held at once by :func:`m1_replicates` (the result does not depend on it).
CHUNK_BYTES = 32 * 2**20

#: Inputs with at least this many numbers resample in float32 by default (4x faster products;
#: centroids then carry a relative error of about 1e-6, far below any interval's width).
FLOAT32_FROM = 2**22


def draw_questions(rng: np.random.Generator, n_resamples: int, n_questions: int) -> np.ndarray:
    """Question indices of ``n_resamples`` bootstrap resamples, shape ``[B, Q]``.

    Each row draws ``Q`` questions uniformly with replacement. Apply the same row to every
    checkpoint of a comparison so that shared-question correlation is kept.
    """
    if int(n_resamples) < 1:
        raise ValueError(f"`n_resamples` must be >= 1, got {n_resamples!r}")
    if int(n_questions) < 1:
        raise ValueError(f"`n_questions` must be >= 1, got {n_questions!r}")
    return rng.integers(0, n_questions, size=(int(n_resamples), int(n_questions)))


def _weights(idx: np.ndarray, n_questions: int) -> np.ndarray:
    """Multiplicity of each question in each resample, divided by Q: ``[B, Q]``."""
    n_rows = idx.shape[0]
    flat = (np.arange(n_rows)[:, None] * n_questions + idx).ravel()
    counts = np.bincount(flat, minlength=n_rows * n_questions).reshape(n_rows, n_questions)
    return counts / idx.shape[1]


def m1_replicates(vectors, idx: np.ndarray, dtype=None, device: str | None = None) -> np.ndarray:
    """M1 of the centroids of every bootstrap resample.

    Parameters
    ----------
    vectors : array_like, shape (P, Q, D)
        Per-question vectors of one checkpoint, one layer.
    idx : ndarray of int, shape (B, Q')
        Resampled question indices (rows of :func:`draw_questions`); ``Q'`` questions per
        resample (usually ``Q``).
    dtype : numpy dtype or None
        Precision of the resampling product. None: float64 below :data:`FLOAT32_FROM` numbers,
        float32 from there on. Cosines are always taken in float64.
    device : str or None
        None: numpy on the host. A torch device name ("cuda", "cpu"): the same algebra in torch
        on that device (torch imported lazily), the resampling product in float32 (or
        ``dtype``) and the Gram matrices in float64, as on the host; used when the question
        test runs on a GPU.

    Returns
    -------
    ndarray, shape (B,)
        ``M1(vectors[:, idx[b]].mean(axis=1))`` for every ``b``: the resampling weights times
        the vectors in one matrix product, then M1 from each resample's Gram matrix, in chunks
        of about 32 MiB.
    """
    arr = np.asarray(vectors)
    if arr.ndim != 3:
        raise ValueError(f"`vectors` must have shape (P, Q, D), got {arr.shape}")
    # one float64 sum is finite when every value is (the elementwise check only when it is
    # not: huge finite values); the torch path checks on its device
    if (device is None and not np.isfinite(arr.sum(dtype=np.float64))
            and not np.all(np.isfinite(arr))):
        raise ValueError(NOT_FINITE)
    n_personas, n_questions, dim = arr.shape
    if n_personas < 2:
        raise ValueError(f"`vectors` must hold at least 2 personas, got {n_personas}")
    idx = np.asarray(idx)
    if idx.ndim != 2 or idx.size and (idx.min() < 0 or idx.max() >= n_questions):
        raise ValueError(f"`idx` must be [B, Q] indices into {n_questions} questions")
    if dtype is None:
        dtype = np.float64 if arr.size < FLOAT32_FROM else np.float32
    if device is not None:
        return _m1_replicates_torch(arr, idx, np.dtype(dtype), device)
    flat = arr.transpose(1, 0, 2).reshape(n_questions, n_personas * dim).astype(dtype)
    rows, cols = np.triu_indices(n_personas, k=1)
    step = max(1, CHUNK_BYTES // (8 * n_personas * dim))
    out = np.empty(idx.shape[0])
    for start in range(0, idx.shape[0], step):
        w = _weights(idx[start:start + step], n_questions).astype(dtype)
        cents = (w @ flat).reshape(-1, n_personas, dim).astype(np.float64)
        gram = np.matmul(cents, cents.transpose(0, 2, 1))
        if np.any(np.einsum("mii->mi", gram) == 0):
            raise ValueError("a resample has a zero centroid: its cosine is undefined")
        out[start:start + step] = _m1_from_gram(gram, rows, cols)
    return out


def _m1_replicates_torch(arr: np.ndarray, idx: np.ndarray, dtype, device: str) -> np.ndarray:
    """:func:`m1_replicates` in torch: ``P`` products ``[B, Q] @ [Q, D]`` on ``device``."""
    import torch

    n_personas, n_questions, dim = arr.shape
    tdtype = torch.float64 if dtype == np.float64 else torch.float32
    x = torch.as_tensor(np.ascontiguousarray(arr)).to(device).to(tdtype)  # [P, Q, D]
    if not bool(torch.isfinite(x).all()):
        raise ValueError(NOT_FINITE)
    rows, cols = np.triu_indices(n_personas, k=1)
    step = max(1, 8 * CHUNK_BYTES // (8 * n_personas * dim))  # the GPU holds 8x the host's
    out = np.empty(idx.shape[0])
    for start in range(0, idx.shape[0], step):
        w = torch.as_tensor(_weights(idx[start:start + step], n_questions), device=device)
        cents = torch.matmul(w.to(tdtype).unsqueeze(0), x)  # [P, B, D]
        cents = cents.transpose(0, 1).to(torch.float64)  # [B, P, D]
        gram = torch.matmul(cents, cents.transpose(1, 2)).cpu().numpy()
        if np.any(np.einsum("mii->mi", gram) == 0):
            raise ValueError("a resample has a zero centroid: its cosine is undefined")
        out[start:start + step] = _m1_from_gram(gram, rows, cols)
    return out


def seed_mean_replicates(per_seed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seeds as an outer bootstrap level: mean over seeds drawn with replacement.

    Parameters
    ----------
    per_seed : ndarray, shape (S, B)
        Replicates of one statistic per seed, all from the same question resamples.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray, shape (B,)
        For replicate ``b``: ``mean(per_seed[s, b] for s in S seeds drawn with replacement)``.
        With one seed this is ``per_seed[0]`` (no outer level).
    """
    per_seed = np.asarray(per_seed, dtype=np.float64)
    if per_seed.ndim != 2 or per_seed.shape[0] < 1:
        raise ValueError(f"`per_seed` must have shape (S, B) with S >= 1, got {per_seed.shape}")
    n_seeds, n_rep = per_seed.shape
    if n_seeds == 1:
        return per_seed[0].copy()
    draws = rng.integers(0, n_seeds, size=(n_rep, n_seeds))
    return per_seed[draws, np.arange(n_rep)[:, None]].mean(axis=1)


def ratio_replicates(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Replicates of a ratio; a zero denominator gives NaN (dropped by the interval)."""
    num = np.asarray(numerator, dtype=np.float64)
    den = np.asarray(denominator, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def percentile_interval(replicates, level: float = 0.95) -> tuple[float, float] | None:
    """Two-sided percentile interval ``[q_{(1-level)/2}, q_{(1+level)/2}]`` of the replicates.

    NaN replicates (undefined ratios) are dropped; None when fewer than half are finite (the
    statistic is then too often undefined for an interval to mean anything).
    Uses :func:`numpy.quantile` with its default (linear) interpolation.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"`level` must be in (0, 1), got {level!r}")
    reps = np.asarray(replicates, dtype=np.float64).ravel()
    finite = reps[np.isfinite(reps)]
    if finite.size == 0 or 2 * finite.size < reps.size:
        return None
    low, high = np.quantile(finite, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)
