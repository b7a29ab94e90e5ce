"""Persona geometry: centroids, cosine matrices and the metrics computed from them.

Shapes follow one convention: personas ``P``, questions ``Q``, hidden size ``D``; any leading
dimensions are batch dimensions (layers, permutations) and are carried through unchanged.

A metric is a plain function ``centroids [P, D] -> float`` registered under a short id (``M1``)
in a small registry, so the analysis stage and the results file can name metrics by id and new
metrics can be added without touching their callers.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Metric",
    "centroids",
    "cosine_matrix",
    "get_metric",
    "m1",
    "metric_ids",
    "offdiag",
    "register_metric",
]


def _as_float_array(x, name: str, min_ndim: int) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < min_ndim:
        raise ValueError(
            f"`{name}` must have at least {min_ndim} dimensions, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must contain only finite numbers (found NaN or inf)")
    return arr


def centroids(vectors: np.ndarray) -> np.ndarray:
    """Persona centroids: the plain mean of the per-question vectors, no centering.

    Parameters
    ----------
    vectors : array_like, shape (..., P, Q, D)
        Per-question vectors of ``P`` personas on ``Q`` questions.

    Returns
    -------
    ndarray, shape (..., P, D)
        ``vectors.mean(axis=-2)`` (axis 1 for a 3-D input), in float64.

    Examples
    --------
    >>> import numpy as np
    >>> centroids(np.arange(12.0).reshape(1, 3, 4))
    array([[4., 5., 6., 7.]])
    """
    arr = _as_float_array(vectors, "vectors", 3)
    if arr.shape[-2] == 0:
        raise ValueError("`vectors` must hold at least one question (axis -2 has length 0)")
    return arr.mean(axis=-2)


def cosine_matrix(x: np.ndarray) -> np.ndarray:
    """Cosine similarity between every pair of rows.

    Parameters
    ----------
    x : array_like, shape (..., P, D)
        Row vectors (e.g. persona centroids). No row may be the zero vector.

    Returns
    -------
    ndarray, shape (..., P, P)
        ``cos[i, j] = <x_i, x_j> / (|x_i| |x_j|)``, computed on L2-normalised rows and clipped
        to [-1, 1]; the diagonal is 1 up to rounding.

    Examples
    --------
    >>> cosine_matrix(np.array([[1.0, 0.0], [1.0, 1.0]])).round(4)
    array([[1.    , 0.7071],
           [0.7071, 1.    ]])
    """
    arr = _as_float_array(x, "x", 2)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(
            "`x` must not contain a zero row: the cosine of a zero vector is undefined"
        )
    unit = arr / norms
    return np.clip(unit @ np.swapaxes(unit, -1, -2), -1.0, 1.0)


def offdiag(mat: np.ndarray) -> np.ndarray:
    """Upper-triangle entries above the diagonal, in row-major order.

    Parameters
    ----------
    mat : array_like, shape (..., P, P)

    Returns
    -------
    ndarray, shape (..., P * (P - 1) / 2)
        ``mat[..., i, j]`` for ``i < j``, ordered (0, 1), (0, 2), ..., (1, 2), ...
        (``numpy.triu_indices(P, k=1)``).

    Examples
    --------
    >>> offdiag(np.arange(9).reshape(3, 3))
    array([1, 2, 5])
    """
    arr = np.asarray(mat)
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"`mat` must be square in its last two dimensions, got shape {arr.shape}")
    rows, cols = np.triu_indices(arr.shape[-1], k=1)
    return arr[..., rows, cols]


def m1(centroids: np.ndarray) -> float | np.ndarray:
    """M1: the mean off-diagonal cosine between persona centroids.

    Parameters
    ----------
    centroids : array_like, shape (..., P, D)
        Persona centroids, ``P >= 2``.

    Returns
    -------
    float or ndarray, shape (...)
        Mean of the ``P (P - 1) / 2`` pairwise cosines (66 for 12 personas); a float for a 2-D
        input, an array over the leading dimensions otherwise.

    Notes
    -----
    Cosines are taken between L2-normalised centroids without centering (as the original
    issue-238 code did). M1 is symmetric in the personas and invariant to rescaling any centroid
    by a positive factor. It lies in [-1/(P-1), 1] for real vectors.

    Examples
    --------
    >>> round(m1(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])), 4)
    0.4714
    """
    arr = np.asarray(centroids, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-2] < 2:
        raise ValueError(f"`centroids` must have shape (..., P, D) with P >= 2, got {arr.shape}")
    values = offdiag(cosine_matrix(arr)).mean(axis=-1)
    return float(values) if values.ndim == 0 else values


# --------------------------------------------------------------------------- metric registry
@dataclass(frozen=True)
class Metric:
    """A geometry metric computed from persona centroids.

    Attributes
    ----------
    id : str
        Short id used in results files (``"M1"``).
    name : str
        Human-readable kebab-case name (``"mean-offdiag-cosine"``).
    fn : callable
        ``centroids [P, D] -> float``.
    bounds : tuple of float or None
        Closed range every value must lie in (checked by ``verify``), or None if unbounded.
    """

    id: str
    name: str
    fn: Callable[[np.ndarray], float]
    bounds: tuple[float, float] | None = None


_REGISTRY: dict[str, Metric] = {}


def register_metric(metric: Metric) -> Metric:
    """Add ``metric`` to the registry; refuses a duplicate id or name (ValueError)."""
    if not isinstance(metric, Metric):
        raise TypeError(f"`metric` must be a Metric, got {type(metric).__name__}")
    if metric.id in _REGISTRY:
        raise ValueError(f"metric id {metric.id!r} is already registered")
    if any(m.name == metric.name for m in _REGISTRY.values()):
        raise ValueError(f"metric name {metric.name!r} is already registered")
    if metric.bounds is not None and not metric.bounds[0] <= metric.bounds[1]:
        raise ValueError(
            f"`metric.bounds` must be (low, high) with low <= high, got {metric.bounds}"
        )
    _REGISTRY[metric.id] = metric
    return metric


def get_metric(metric_id: str) -> Metric:
    """Look a metric up by id; an unknown id raises ValueError with a "did you mean" hint."""
    try:
        return _REGISTRY[metric_id]
    except KeyError:
        close = difflib.get_close_matches(str(metric_id), list(_REGISTRY), n=1, cutoff=0.3)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown metric id {metric_id!r} (known: {known}){hint}") from None


def metric_ids() -> list[str]:
    """Ids of all registered metrics, sorted."""
    return sorted(_REGISTRY)


register_metric(Metric(id="M1", name="mean-offdiag-cosine", fn=m1, bounds=(-1.0, 1.0)))
