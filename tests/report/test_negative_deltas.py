"""Fine-tuning can also spread personas apart (negative Δ, negative ratios): the figures must
show such values, label them without overlap, and never print ``-0.000``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from personageo.report import figures  # noqa: E402
from personageo.report._overlap import find_text_overlaps  # noqa: E402
from personageo.report._view import ExperimentView, Results  # noqa: E402
from personageo.schema import parse_run_result  # noqa: E402

from .conftest import BASE, toy_run_dict  # noqa: E402


def _negative_run():
    doc = toy_run_dict()
    post = {m["id"]: m for m in doc["measurements"]}
    for cell, cmp in zip(doc["cells"], doc["comparisons"], strict=True):
        if cell["condition"] == "full_benign_lr2e5":  # benign data now spreads personas apart
            m = post[cell["post"]]
            m["value"] = BASE[cell["layer"]] - 0.004
            cell["delta"] = cmp["delta"] = m["value"] - BASE[cell["layer"]]
            cmp["ratio"] = cmp["delta"] / cmp["baseline_delta"]
    for v in doc["verdicts"]:
        ratios = [c["ratio"] for c in doc["comparisons"] if c["id"] in v["comparisons"]]
        v["votes_low"] = sum(r < 0.5 for r in ratios)
        v["votes_high"] = sum(r > 1.5 for r in ratios)
        v["result"] = "H1" if v["votes_low"] >= 2 else "H2"
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
