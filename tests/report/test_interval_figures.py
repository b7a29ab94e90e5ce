"""Figures draw the recorded intervals (schema v1.1) as error bars, exactly where recorded."""

from __future__ import annotations

import numpy as np
import pytest

from personageo.analysis import analyze
from personageo.report._view import ExperimentView, Results
from personageo.report.figures import hero, ratio_by_layer, weight_vs_collapse
from personageo.schema import WeightNorm
from tests.analysis.synthetic import LAYERS, build
from tests.analysis.test_analyze_uncertainty import single_seed


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    root = tmp_path_factory.mktemp("figs")
    cfg, _ = build(root, single_seed())
    run = analyze(cfg, root=root)
    return ExperimentView(Results(run, 0, "r.json", "0" * 64))


def bars(fig) -> set[tuple[float, float]]:
    """(low, high) of every vertical error bar drawn in the figure, rounded."""
    out = set()
    for ax in fig.axes:
        for coll in ax.collections:
            for seg in getattr(coll, "get_segments", list)():  # scatter points have none
                if len(seg) == 2 and np.isclose(seg[0][0], seg[1][0]):
                    lo, hi = sorted((seg[0][1], seg[1][1]))
                    out.add((round(lo, 9), round(hi, 9)))
    return out


def test_hero_draws_each_delta_interval(view):
    run = view.main.run
    fig = hero(view, LAYERS, "A")
    want = {(round(c.ci.low, 9), round(c.ci.high, 9)) for c in run.cells
            if c.method == "A" and c.condition == "full_em"}
    assert want and want <= bars(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "90% interval (question bootstrap)" in legend


def test_ratio_figure_draws_each_ratio_interval(view):
    run = view.main.run
    fig = ratio_by_layer(view)
    want = {(round(c.ratio_ci.low, 9), round(c.ratio_ci.high, 9)) for c in run.comparisons
            if c.ratio_ci is not None}
    assert want and want <= bars(fig)


def test_weight_figure_draws_each_delta_interval(view):
    run = view.main.run.model_copy(deep=True)
    trained = sorted({c.post.split("/")[0] for c in run.cells})
    run.weight_norms = [WeightNorm(checkpoint=ck, global_l2=10.0 + i, dtype="float32")
                        for i, ck in enumerate(trained)]
    fig = weight_vs_collapse(ExperimentView(Results(run, 0, "r.json", "0" * 64)), LAYERS[1])
    want = {(round(c.ci.low, 9), round(c.ci.high, 9)) for c in run.cells
            if c.layer == LAYERS[1] and c.condition == "full_em"}  # the treatment's points
    assert len(want) == 2 and want <= bars(fig)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "90% interval (question bootstrap)" in legend
    for ax in fig.axes:  # every bar inside the axis range
        lo, hi = ax.get_ylim()
        assert lo <= min(b[0] for b in bars(fig)) and max(b[1] for b in bars(fig)) <= hi
