"""The render fails when two text elements of a figure overlap, naming both texts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from personageo.report._overlap import FigureLayoutError, check_text_overlap, find_text_overlaps  # noqa: E402


def test_legend_colliding_with_axis_label_is_rejected():
    """The reference hero's defect: a legend drawn over the right panel's y label."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(6, 3))
    a.bar([0, 1], [1, 2], label="LoRA (#205, lr=1e-4)")
    b.bar([0, 1], [1, 2])
    b.set_ylabel("mean off-diagonal cos-sim (post - base)")
    ylabel = b.yaxis.label
    fig.canvas.draw()
    # put the legend exactly where the right panel's y label is drawn
    box = ylabel.get_window_extent(fig.canvas.get_renderer())
    x, y = fig.transFigure.inverted().transform(((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))
    fig.legend(loc="center", bbox_to_anchor=(x, y), handlelength=0, handletextpad=0)
    with pytest.raises(FigureLayoutError) as err:
        check_text_overlap(fig, "hero")
    assert "'LoRA (#205, lr=1e-4)'" in str(err.value)
    assert "'mean off-diagonal cos-sim (post - base)'" in str(err.value)
    plt.close(fig)


def test_two_annotations_on_the_same_spot_are_reported_as_a_pair():
    fig, ax = plt.subplots()
    ax.text(0.5, 0.5, "first label")
    ax.text(0.5, 0.5, "second label")
    assert ("'first label'", "'second label'") in find_text_overlaps(fig)
    plt.close(fig)


def test_a_clean_figure_passes_and_hidden_texts_are_ignored():
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="upper left")
    hidden = ax.text(0.05, 0.95, "hidden", transform=ax.transAxes)
    hidden.set_visible(False)  # would overlap the legend if it were drawn
    check_text_overlap(fig, "clean")
    plt.close(fig)


def test_rendered_figures_have_no_overlap(toy_root):
    from personageo.report import PublishTarget, render

    r = render(PublishTarget(issue=7, root=toy_root, repo="a/b", commit="abcdef1"),
               figures_only=True)
    assert sorted(p.name for p in r.files if p.suffix == ".png") == [
        "hero.png", "ratio_by_layer.png", "weight_vs_collapse.png"]


def test_text_cut_off_by_the_figure_edge_is_rejected():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.text(0.9, 0.5, "a label running off the right edge", transform=ax.transAxes)
    with pytest.raises(FigureLayoutError) as err:
        check_text_overlap(fig, "edge")
    assert "cut off" in str(err.value) and "running off" in str(err.value)
    plt.close(fig)
