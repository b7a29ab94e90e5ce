"""Statistics of persona geometry: pure numpy / scipy / statsmodels, no torch.

Public surface (implementation lives in the submodules):

* geometry -- :func:`centroids`, :func:`cosine_matrix`, :func:`offdiag`, :func:`m1` and the
  metric registry (:class:`Metric`, :func:`register_metric`, :func:`get_metric`).
* permutation tests -- :func:`pair_signflip_test` (+ ``_many``), :func:`persona_test`,
  :func:`question_test`, all returning :class:`PermutationResult`.
* multiple testing -- :func:`adjust_pvalues`, :func:`reject`, :func:`p_floor`,
  :func:`smallest_adjusted_p`.
* verdicts -- :func:`vote` -> :class:`VoteResult` (the original point rule);
  :func:`vote_intervals` -> :class:`IntervalVoteResult` (abstaining layers, "undetermined");
  :func:`undefined_ratio_reason`.
* seeds -- :func:`aggregate_seeds` -> :class:`SeedSummary` (mean, sd, t interval, t test).
* intervals -- :mod:`personageo.stats.bootstrap` (question bootstrap, seeds as an outer level).
* unbiased metric -- :func:`cross_fitted_m1` (split-half centroids).
* duplicated questions -- :func:`merge_duplicate_questions`.
"""

from personageo.stats._exchange import gpu_selected
from personageo.stats._question_torch import warm_up
from personageo.stats.crossfit import cross_fitted_m1
from personageo.stats.geometry import (
    Metric,
    centroids,
    cosine_matrix,
    get_metric,
    m1,
    metric_ids,
    offdiag,
    register_metric,
)
from personageo.stats.multitest import (
    CORRECTIONS,
    adjust_pvalues,
    p_floor,
    reject,
    smallest_adjusted_p,
    unreachable_alpha,
)
from personageo.stats.permutation import (
    PermutationResult,
    pair_signflip_test,
    pair_signflip_test_many,
    persona_test,
    question_test,
)
from personageo.stats.questions import merge_duplicate_questions
from personageo.stats.seeds import SeedSummary, aggregate_seeds
from personageo.stats.verdicts import (
    VERDICT_LABELS,
    IntervalVoteResult,
    VoteResult,
    undefined_ratio_reason,
    vote,
    vote_intervals,
)

__all__ = [
    "CORRECTIONS",
    "IntervalVoteResult",
    "cross_fitted_m1",
    "merge_duplicate_questions",
    "undefined_ratio_reason",
    "vote_intervals",
    "Metric",
    "PermutationResult",
    "SeedSummary",
    "VERDICT_LABELS",
    "VoteResult",
    "adjust_pvalues",
    "aggregate_seeds",
    "centroids",
    "cosine_matrix",
    "get_metric",
    "gpu_selected",
    "m1",
    "metric_ids",
    "offdiag",
    "p_floor",
    "pair_signflip_test",
    "pair_signflip_test_many",
    "persona_test",
    "question_test",
    "register_metric",
    "reject",
    "smallest_adjusted_p",
    "unreachable_alpha",
    "vote",
    "warm_up",
]
