"""Engines of the question-level test: the float64 reference and two fast paths that agree with it.

All engines evaluate the same null statistic ``T(s) = M1(post') - M1(base')`` for a chunk of
0/1 swap patterns ``S`` (rows), where ``base' = c_base + e``, ``post' = c_post - e`` and
``e_i = sum_q s_q d_qi`` with ``d_qi = (post[i, q] - base[i, q]) / Q``.

* ``float64`` (:func:`reference_null`) forms ``e`` explicitly (``S @ d``) and expands the
  permuted Gram matrices around the observed ones. It defines the p-value.
* ``float32`` (:class:`QuadraticForms`, numpy) never forms ``e``: the Gram matrices of the
  permuted centroids are quadratic and linear forms in ``s``,
  ``e_i . e_j = s^T K_ij s`` with ``K_ij = d_i d_j^T`` (Q x Q) and
  ``e_i . c_j = s . (d_i c_j)``, so one float32 matrix product ``S @ [K | U]`` per block of
  patterns gives them all (about half the multiply-adds of the reference, in a single large
  product at twice the SIMD width). Each permuted statistic comes with an error band; the
  patterns whose value lies within its band of the decision boundary (``T_obs``, or
  ``+-|T_obs|`` two-sided) are recomputed by the float64 reference, so the count ``b`` is the
  reference's.
* ``torch`` runs the same quadratic forms in float64 on a CUDA device (torch imported lazily),
  with the same band-and-refine rule (its band is ~1e-9 times narrower).
"""

from __future__ import annotations

import numpy as np

from personageo.stats import _patterns as pat

KAPPA = 16.0
"""Safety factor of the error band over the unit roundoff (measured errors are < KAPPA / 30)."""


def m1_from_gram(gram: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """M1 of a batch of centroid sets given their Gram matrices ``[m, P, P]``."""
    norms = np.sqrt(np.einsum("mii->mi", gram))
    cos = gram[:, rows, cols] / (norms[:, rows] * norms[:, cols])
    return np.clip(cos, -1.0, 1.0).mean(axis=1)


class QuestionData:
    """Everything one cell's engines share; centroids and Gram matrices in float64."""

    def __init__(self, base: np.ndarray, post: np.ndarray, centroids=None):
        self.base, self.post = base, post
        self.n_personas, self.n_questions, self.dim = base.shape
        if centroids is None:
            centroids = (base.mean(axis=1, dtype=np.float64), post.mean(axis=1, dtype=np.float64))
        self.c_base, self.c_post = centroids
        self.rows, self.cols = np.triu_indices(self.n_personas, k=1)
        self.gram_base = self.c_base @ self.c_base.T
        self.gram_post = self.c_post @ self.c_post.T
        self.both = np.concatenate([self.c_base, self.c_post])
        self._delta = self._diff = None

    @property
    def delta(self) -> np.ndarray:
        """``[q, i*D:(i+1)*D] = (post[i, q] - base[i, q]) / Q`` in float64 (built on first use)."""
        if self._delta is None:
            diff = self.post.astype(np.float64) - self.base.astype(np.float64)
            self._delta = (diff.transpose(1, 0, 2)
                           .reshape(self.n_questions, self.n_personas * self.dim)
                           / self.n_questions)
        return self._delta

    def diff(self) -> np.ndarray:
        """``(post - base) / Q`` in float64, persona-major (P, Q, D): for a few patterns."""
        if self._diff is None:
            self._diff = np.subtract(self.post, self.base, dtype=np.float64)
            self._diff /= self.n_questions
        return self._diff

    def m1(self, gram: np.ndarray) -> np.ndarray:
        return m1_from_gram(gram, self.rows, self.cols)

    def observed(self) -> float:
        return float(self.m1(self.gram_post[None])[0] - self.m1(self.gram_base[None])[0])


def reference_null(data: QuestionData, swaps: np.ndarray, few: bool = False) -> np.ndarray:
    """Null statistics of ``swaps`` (float64 rows of 0/1) by the float64 reference algebra.

    ``few``: the shifts are formed persona by persona (cheap for a handful of patterns, and
    no (Q, P*D) copy of the data); the algebra and precision are the same.
    """
    p, dim = data.n_personas, data.dim
    if few:
        diff = data.diff()
        shift = np.empty((swaps.shape[0], p, dim))
        for i in range(p):  # one BLAS product per persona (a broadcast matmul is far slower)
            shift[:, i] = swaps @ diff[i]
    else:
        shift = (swaps @ data.delta).reshape(-1, p, dim)
    shift_gram = np.matmul(shift, shift.transpose(0, 2, 1))
    cross = (shift.reshape(-1, dim) @ data.both.T).reshape(-1, p, 2 * p)
    cross_base, cross_post = cross[:, :, :p], cross[:, :, p:]
    new_base = data.gram_base + cross_base + cross_base.transpose(0, 2, 1) + shift_gram
    new_post = data.gram_post - cross_post - cross_post.transpose(0, 2, 1) + shift_gram
    return data.m1(new_post) - data.m1(new_base)


def undecided(null: np.ndarray, band: np.ndarray, observed: float, alternative: str,
              gamma: float) -> np.ndarray:
    """Patterns whose fast value cannot be told apart from the decision boundary."""
    width = band + gamma
    near = np.abs(null - observed) <= width
    if alternative == "two-sided":
        near |= np.abs(null + observed) <= width
    return near | ~np.isfinite(null)


def refined_count(data, null, band, swaps, observed, alternative) -> int:
    """``b`` of one chunk: fast values where clear, the reference's values where not."""
    gamma = float(pat.tolerance(observed, 2.0))
    redo = undecided(null, band, observed, alternative, gamma)
    null = np.where(redo, 0.0, null)
    if redo.any():
        few = int(redo.sum()) <= 64
        null[redo] = reference_null(data, swaps[redo].astype(np.float64), few=few)
    return int(pat.count_extreme(null, observed, alternative, 2.0))


class QuadraticForms:
    """Gram matrices of the permuted centroids as forms in ``s``; shared by float32 and torch."""

    def __init__(self, data: QuestionData, dtype):
        p, q = data.n_personas, data.n_questions
        self.p, self.q = p, q
        flat = ((data.post - data.base) / q).astype(dtype, copy=False).reshape(p * q, data.dim)
        self.iu, self.ju = np.triu_indices(p)  # pairs with i <= j, diagonal included
        self.n_forms = len(self.iu) * q
        # columns (pair, r) of the quadratic forms K_ij[q, r] = d_qi . d_rj, pairs in triu
        # order, so row block i of the Gram of all d's gives consecutive columns (one large
        # product for the Gram: much faster than a product per block row); then the 2 P^2
        # linear forms [q, (i, j')] = d_qi . c_j'
        gram = flat @ flat.T
        self.weights = np.empty((q, self.n_forms + 2 * p * p), dtype=dtype)
        col = 0
        for i in range(p):
            width = (p - i) * q
            self.weights[:, col:col + width] = gram[i * q:(i + 1) * q, i * q:]
            col += width
        del gram
        self.shape = self.weights.shape
        u = (flat @ data.both.astype(dtype).T).reshape(p, q, 2 * p).transpose(1, 0, 2)
        self.weights[:, col:] = u.reshape(q, -1)
        self.c_norm = np.sqrt(np.concatenate([np.diag(data.gram_base), np.diag(data.gram_post)]))

    def deviations(self, swaps: np.ndarray):
        """How a chunk's patterns move the Gram matrices: ``(dev_base, dev_post, |e|)``.

        ``G_base' = G_base + dev_base`` and ``G_post' = G_post + dev_post``; only the
        deviations are computed in the engine's precision, the observed Gram matrices stay
        float64, so rounding scales with the size of the shift, not of the centroids.
        """
        p, m = self.p, swaps.shape[0]
        r = swaps @ self.weights
        quad = r[:, : self.n_forms].reshape(m, -1, self.q)
        h_pairs = np.einsum("mkq,mq->mk", quad, swaps)
        h = np.zeros((m, p, p), dtype=r.dtype)
        h[:, self.iu, self.ju] = h_pairs
        h[:, self.ju, self.iu] = h_pairs
        lin = r[:, self.n_forms:].reshape(m, p, 2 * p)
        xb, xp = lin[:, :, :p], lin[:, :, p:]
        dev_base = xb + xb.transpose(0, 2, 1) + h
        dev_post = h - xp - xp.transpose(0, 2, 1)
        return dev_base, dev_post, np.sqrt(np.maximum(np.einsum("mii->mi", h), 0.0))


def band_and_null(deviations, data: QuestionData, c_norm, eps: float):
    """Null statistics (float64) and their error bands from the Gram deviations.

    The deviation of Gram entry ``(i, j)`` is a sum of terms of size up to
    ``a_i b_j + b_i a_j`` with ``a_i = |e_i|`` (the shift) and ``b_i = |c_i| + |e_i|``;
    rounding perturbs it by about ``eps`` times that. With ``rho_i = a_i / |c'_i|`` and
    ``beta_i = b_i / |c'_i|`` a cosine moves by at most ``eps (rho_i + rho_j)(beta_i + beta_j)``,
    and M1 by the mean of that over pairs; the band is ``KAPPA`` times the sum for base and post.
    """
    dev_base, dev_post, shift = deviations
    p, rows, cols = data.n_personas, data.rows, data.cols
    new_base = data.gram_base + dev_base.astype(np.float64)
    new_post = data.gram_post + dev_post.astype(np.float64)
    shift = shift.astype(np.float64)
    band = np.zeros(len(shift))
    with np.errstate(divide="ignore", invalid="ignore"):
        for gram, c_norm_side in ((new_base, c_norm[:p]), (new_post, c_norm[p:])):
            norm = np.sqrt(np.einsum("mii->mi", gram))
            rho, beta = shift / norm, (c_norm_side + shift) / norm
            band += ((rho[:, rows] + rho[:, cols]) * (beta[:, rows] + beta[:, cols])).mean(axis=1)
        band *= KAPPA * eps
        null = data.m1(new_post) - data.m1(new_base)
    return null, np.where(np.isfinite(band), band, np.inf)
