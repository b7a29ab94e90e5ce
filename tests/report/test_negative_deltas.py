"""Fine-tuning can also spread personas apart (negative Δ, negative ratios): the figures must
show such values, label them without overlap, and never print ``-0.000``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from personageo.report import figures  # noqa: E402
from personageo.report._overlap import find_text_overlaps  # noqa: E402
from personageo.report._view import ExperimentView, Results  # noqa: E402
from personageo.schema import parse_run_result  # noqa: E402
from tests.builders import TOY_BASE, toy, with_post  # noqa: E402


def _negative_run():
    doc = toy()
    for layer in TOY_BASE:  # benign data now spreads personas apart
        with_post(doc, f"full_benign_lr2e5/A/L{layer}", TOY_BASE[layer] - 0.004)
    run = parse_run_result(doc)
    return ExperimentView(Results(run, 0, "r.json", "0" * 64))


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_hero_shows_negative_bars_with_labels_below_them():
    view = _negative_run()
    fig = figures.hero(view, [7, 20], "A")
    for ax in fig.axes:
        lo, _hi = ax.get_ylim()
        assert lo < -0.004, "negative bars must be inside the axes"
    labels = _texts(fig)
    assert "-0.004" in labels and not any(t.startswith("-0.000") and set(t) <= set("-0.")
                                           for t in labels)
    assert find_text_overlaps(fig) == []


def test_ratio_and_weight_figures_include_negative_values():
    view = _negative_run()
    ratio = figures.ratio_by_layer(view)
    assert ratio.axes[0].get_ylim()[0] < min(c.comparison.ratio.value for c in view.cells)
    weights = figures.weight_vs_collapse(view, 20)
    assert weights.axes[0].get_ylim()[0] < -0.004
    for fig in (ratio, weights):
        assert find_text_overlaps(fig) == []
