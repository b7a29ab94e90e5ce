"""Analysis: stored per-question activations + experiment config -> ``run_result.json``."""

from personageo.analysis._analyze import analyze
from personageo.analysis._provenance import collect_provenance, package_versions

__all__ = ["analyze", "collect_provenance", "package_versions", "default_results_path"]


def default_results_path(cfg) -> str:
    """``paths.results`` or ``eval_results/issue_<N>/run_result.json``."""
    if cfg.paths.results:
        return cfg.paths.results
    key = f"issue_{cfg.experiment.issue}" if cfg.experiment.issue is not None else cfg.experiment.id
    return f"eval_results/{key}/run_result.json"
