"""Duplicated questions are one unit: merged before any metric, test or interval."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["merge_duplicate_questions"]


def merge_duplicate_questions(vectors, question_ids: Sequence, groups: Sequence[Sequence]):
    """Average the vectors of each group of duplicated questions into one question.

    Parameters
    ----------
    vectors : array_like, shape (P, Q, ...)
        Per-question vectors (axis 1 is the question axis, in ``question_ids`` order).
    question_ids : sequence
        Id of each question along axis 1.
    groups : sequence of sequences
        Groups of ids with identical text (each of length >= 2; e.g. from
        ``QuestionFile.duplicates()`` or the activation manifest's ``duplicate_questions``).

    Returns
    -------
    merged : ndarray, shape (P, Q - sum(len(g) - 1), ...)
        The first id of each group stands for the group, at its position, holding the mean of
        the group's vectors per persona; the other ids are dropped. Other questions unchanged.
    kept_ids : list
        Question ids along the merged axis 1.
    merges : list of (kept, ids)
        One entry per group actually merged, for the results file.

    Notes
    -----
    A duplicated question tested as two units counts one question's evidence twice: its
    permutation patterns and bootstrap draws treat the copies as independent although they are
    not. Merging makes the question the unit again; every distinct question weighs equally in
    the centroids.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.arange(8.0).reshape(1, 4, 2)
    >>> merged, ids, merges = merge_duplicate_questions(v, [10, 11, 12, 13], [[11, 13]])
    >>> merged.tolist(), ids, merges
    ([[[0.0, 1.0], [4.0, 5.0], [4.0, 5.0]]], [10, 11, 12], [(11, [11, 13])])
    """
    arr = np.asarray(vectors)
    ids = list(question_ids)
    if arr.ndim < 2 or arr.shape[1] != len(ids):
        raise ValueError(f"`vectors` axis 1 has {arr.shape[1] if arr.ndim > 1 else 0} "
                         f"questions but {len(ids)} question ids were given")
    pos = {q: i for i, q in enumerate(ids)}
    if len(pos) != len(ids):
        raise ValueError("`question_ids` must be unique")
    replace: dict[int, list[int]] = {}
    drop: set[int] = set()
    merges = []
    for group in groups:
        members = [q for q in group if q in pos]
        unknown = [q for q in group if q not in pos]
        if unknown:
            raise ValueError(f"duplicate group {list(group)} names unknown question ids {unknown}")
        if len(set(members)) < 2:
            continue
        idx = [pos[q] for q in members]
        if drop.intersection(idx) or any(i in replace for i in idx):
            raise ValueError(f"question ids {members} appear in more than one duplicate group")
        replace[idx[0]] = idx
        drop.update(idx[1:])
        merges.append((members[0], members))
    if not merges:
        return arr, ids, []
    out = arr.astype(np.result_type(arr.dtype, np.float32), copy=True)
    for first, idx in replace.items():
        out[:, first] = arr[:, idx].mean(axis=1)
    keep = [i for i in range(len(ids)) if i not in drop]
    return out[:, keep], [ids[i] for i in keep], merges
