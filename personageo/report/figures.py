"""The write-up's figures: hero (delta per layer), delta ratio by layer, weight norm vs collapse.

Each figure is drawn with the Agg backend under fixed rcParams (bundled DejaVu Sans, fixed
hash salt, no timestamps), checked for overlapping text, and serialised to PNG + PDF + a JSON
sidecar in memory, so the same results always give the same bytes.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from personageo.files import dump_json  # noqa: E402
from personageo.numfmt import format_value  # noqa: E402
from personageo.report._overlap import check_text_overlap  # noqa: E402
from personageo.report._view import ExperimentView  # noqa: E402

#: colour-blind safe palette (Okabe-Ito), one colour per training setting
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]
HATCHES = ["", "//", "..", "xx", "\\\\"]
MARKERS = ["o", "s", "^", "D", "v", "P"]
DPI = 150

RC = {
    "font.family": "DejaVu Sans", "font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10,
    "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.linestyle": ":", "grid.alpha": 0.6, "hatch.linewidth": 0.8,
    "svg.hashsalt": "personageo", "pdf.fonttype": 3, "path.simplify": False,
    "figure.dpi": DPI, "savefig.dpi": DPI,
}
PNG_META = {"Software": None}
PDF_META = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}


@dataclass
class FigureFiles:
    """One figure serialised: file name suffix -> bytes, plus where it goes."""

    name: str
    png: bytes
    pdf: bytes
    sidecar: bytes
    figsize: tuple[float, float]
    layers: list[int]
    method: str | None


def _fit_legend(fig: Figure, handles, labels, max_cols: int = 4) -> None:
    """A figure legend below the panels, with as many columns as fit the figure's width."""
    for ncol in range(min(len(labels), max_cols), 0, -1):
        leg = fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False)
        fig.canvas.draw()
        box = leg.get_window_extent(fig.canvas.get_renderer())
        if box.x0 >= fig.bbox.x0 and box.x1 <= fig.bbox.x1:
            return
        leg.remove()
    fig.legend(handles, labels, loc="outside lower center", ncol=1, frameon=False)


def _style():
    return plt.rc_context(RC)


def _serialise(fig: Figure, name: str, meta: dict) -> tuple[bytes, bytes, bytes]:
    check_text_overlap(fig, name)
    png, pdf = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png", metadata=PNG_META)
    fig.savefig(pdf, format="pdf", metadata=PDF_META)
    w, h = fig.get_size_inches()
    side = dict(meta, figure=name, figsize=[round(float(w), 3), round(float(h), 3)], dpi=DPI,
                formats=["png", "pdf"])
    return png.getvalue(), pdf.getvalue(), dump_json(side).encode("utf-8")


def _setting_key(c) -> tuple:
    return (c.method, c.lr.value if c.lr else None)


def _setting_label(method: str, lr, source: int | None = None) -> str:
    bits = []
    if source:
        bits.append(f"#{source}")
    if lr is not None:
        bits.append(f"lr={_lr_text(lr.value)}")
    return f"{method}\n({', '.join(bits)})" if bits else method


def _lr_text(x: float) -> str:
    mant, exp = f"{x:.0e}".split("e")
    return f"{mant}e{int(exp)}"


def _intervals(view: ExperimentView) -> dict:
    """Recorded intervals (schema v1.1) by what they qualify: ``("cell", id)`` -> delta CI,
    ``("ratio", comparison id)`` -> ratio CI, ``("baseline", method, layer, group)`` -> the
    baseline delta's CI. Empty for files without intervals."""
    run, out = view.main.run, {}
    groups = {c.id: c.data.data_type for c in run.design.conditions}
    cells = {c.id: c for c in run.cells}
    for c in run.cells:
        if c.ci is not None:
            out[("cell", c.id)] = (c.ci.low, c.ci.high)
    for cmp in run.comparisons:
        if cmp.ratio_ci is not None:
            out[("ratio", cmp.id)] = (cmp.ratio_ci.low, cmp.ratio_ci.high)
        cell = cells.get(cmp.cell)
        if cmp.baseline_delta_ci is not None and cell is not None:
            key = ("baseline", cell.method, cell.layer, groups.get(cell.condition))
            out.setdefault(key, (cmp.baseline_delta_ci.low, cmp.baseline_delta_ci.high))
    return out


def _interval_handle(view: ExperimentView) -> list:
    """A legend entry naming the error bars' level and method (none without intervals)."""
    spec = view.main.run.intervals
    if spec is None:
        return []
    from matplotlib.lines import Line2D

    what = "question bootstrap" + (", seeds outer" if spec.outer_level == "seed" else "")
    return [Line2D([], [], color="black", linewidth=0.9, marker="_", markersize=6,
                   label=f"{spec.level:.0%} interval ({what})")]


def _error_bar(ax, x: float, value: float, ci) -> tuple[float, float]:
    """Draw ``ci`` as an error bar at ``x``; the y-range it covers (for the axis limits)."""
    if ci is None:
        return value, value
    # drawn from low to high as recorded (a percentile interval need not contain the value)
    ax.vlines(x, ci[0], ci[1], colors="black", linewidth=0.9, zorder=3)
    ax.plot([x, x], [ci[0], ci[1]], linestyle="none", marker="_", markersize=6,
            color="black", zorder=3)
    return min(value, ci[0]), max(value, ci[1])


def hero(view: ExperimentView, layers: list[int], method: str) -> Figure:
    """Δ metric per layer panel: baseline then every condition, data groups by hatching."""
    groups = view.groups or [None]
    settings: list[tuple] = []  # (key, label, kind) in display order: baseline first
    for b in view.baseline_rows(method, layers[0]):
        key = ("baseline", b.condition.method, b.condition.lr.value if b.condition.lr else None)
        if key not in [s[0] for s in settings]:
            settings.append((key, _setting_label(b.condition.method, b.condition.lr,
                                                 b.condition.source_issue), "baseline"))
    for c in view.conditions:
        key = ("cond",) + _setting_key(c)
        if key not in [s[0] for s in settings]:
            settings.append((key, _setting_label(c.method, c.lr), "cond"))
    fig, axes = plt.subplots(1, len(layers), figsize=(5.2 * len(layers), 4.6), squeeze=False,
                             layout="constrained")
    width = 0.8 / max(1, len(settings))
    labels: list = []
    spec = _value_spec(view, layers, method)
    cis = _intervals(view)
    for ax, layer in zip(axes[0], layers, strict=True):
        top = bottom = 0.0
        for gi, g in enumerate(groups):
            base = {(("baseline", b.condition.method,
                      b.condition.lr.value if b.condition.lr else None)): b.delta.value
                    for b in view.baseline_rows(method, layer) if b.group == g}
            for si, (key, _label, kind) in enumerate(settings):
                if kind == "baseline":
                    val = base.get(key)
                    ci = cis.get(("baseline", method, layer, g))
                else:
                    cells = [c for c in view.select(method=method, layer=layer, group=g)
                             if ("cond",) + _setting_key(c.condition) == key]
                    val = cells[0].delta.value if cells else None
                    ci = cis.get(("cell", cells[0].id)) if cells else None
                if val is None:
                    continue
                x = gi + (si - (len(settings) - 1) / 2) * width
                ax.bar(x, val, width * 0.92, color=PALETTE[si % len(PALETTE)],
                       hatch=HATCHES[gi % len(HATCHES)], edgecolor="black", linewidth=0.6)
                lo, hi = _error_bar(ax, x, val, ci)
                below = val < 0  # a negative bar's label goes under its end (or its bar's)
                labels.append(ax.annotate(format_value(val, spec), (x, lo if below else hi),
                                          xytext=(0, -2 if below else 2),
                                          textcoords="offset points", ha="center",
                                          va="top" if below else "bottom", fontsize=7.5))
                top, bottom = max(top, hi), min(bottom, lo)
        ax.set_xticks(range(len(groups)), [view.group_label(g) for g in groups])
        ax.set_title(f"Layer {layer} (Method {method})")
        span = (top - bottom) or 1.0
        ax.set_ylim(bottom - 0.18 * span if bottom < 0 else 0, top + 0.18 * span)
        if bottom < 0:
            ax.axhline(0, color="black", linewidth=0.8)
        ax.grid(axis="x", visible=False)
    axes[0][0].set_ylabel(f"Δ {view.metric or 'metric'} (post − base)")
    handles = [Patch(facecolor=PALETTE[i % len(PALETTE)], edgecolor="black",
                     label=label.replace("\n", " "))
               for i, (_k, label, _kind) in enumerate(settings)]
    handles += [Patch(facecolor="white", edgecolor="black", hatch=HATCHES[i % len(HATCHES)],
                      label=f"{view.group_label(g)} data") for i, g in enumerate(groups)]
    handles += _interval_handle(view) if cis else []
    _fit_legend(fig, handles, [h.get_label() for h in handles])
    _rotate_if_crowded(fig, labels)
    return fig


def _value_spec(view: ExperimentView, layers: list[int], method: str) -> str:
    """Decimals for bar values: 3, or enough to show two significant digits of the median
    magnitude (a small model's deltas of 0.003 must not all read 0.000)."""
    vals = [abs(c.delta.value) for layer in layers
            for c in view.select(method=method, layer=layer) if c.delta is not None]
    vals += [abs(b.delta.value) for layer in layers for b in view.baseline_rows(method, layer)]
    vals = sorted(v for v in vals if v > 0)
    typical = vals[len(vals) // 2] if vals else 1.0
    return f".{min(6, max(3, 1 - math.floor(math.log10(typical))))}f"


def _rotate_if_crowded(fig: Figure, labels: list, headroom: float = 1.3) -> None:
    """Turn value labels vertical when neighbouring ones would collide (narrow bars)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in labels]
    if any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        for t in labels:
            t.set_rotation(90)
        for ax in fig.axes:
            lo, hi = ax.get_ylim()
            ax.set_ylim(lo * headroom if lo < 0 else lo, hi * headroom)


def ratio_by_layer(view: ExperimentView) -> Figure | None:
    """Δ_condition / Δ_baseline per layer, one panel per method, verdict boundaries dotted."""
    methods = [m for m in view.methods if view.ratios(method=m)]
    if not methods:
        return None
    cols = view.conditions_by_group()
    verdicts = view.verdicts()
    fig, axes = plt.subplots(1, len(methods), figsize=(5.4 * len(methods), 4.4), squeeze=False,
                             sharey=True, layout="constrained")
    width = 0.8 / max(1, len(cols))
    top = bottom = 0.0
    cis = _intervals(view)
    for ax, m in zip(axes[0], methods, strict=True):
        for ci, c in enumerate(cols):
            xs, ys = [], []
            for li, layer in enumerate(view.layers):
                cell = view.select(condition=c.id, method=m, layer=layer)
                if cell and cell[0].comparison and cell[0].comparison.ratio is not None:
                    xs.append(li + (ci - (len(cols) - 1) / 2) * width)
                    ys.append(cell[0].comparison.ratio.value)
                    lo, hi = _error_bar(ax, xs[-1], ys[-1],
                                        cis.get(("ratio", cell[0].comparison.id)))
                    top, bottom = max(top, hi), min(bottom, lo)
            ax.bar(xs, ys, width * 0.92, color=PALETTE[ci % len(PALETTE)], edgecolor="black",
                   linewidth=0.5, label=f"{view.group_label(c.group)} "
                   + (f"lr={_lr_text(c.lr.value)}" if c.lr else c.id))
            top, bottom = max([top, *ys]), min([bottom, *ys])
        ax.axhline(1.0, color="black", linestyle="--", linewidth=1, label="parity (1.0)")
        ax.axhline(0.0, color="black", linewidth=0.8)
        if verdicts:
            lo, hi = verdicts[0].low.value, verdicts[0].high.value
            for y in (lo, hi):
                ax.axhline(y, color="dimgrey", linestyle=":", linewidth=1.4,
                           label=f"verdict boundaries ({lo:g}, {hi:g})" if y == lo else None)
        ax.set_xticks(range(len(view.layers)), [f"L{L}" for L in view.layers])
        ax.set_xlabel("Extraction layer")
        ax.set_title(f"Method {m}")
        ax.grid(axis="x", visible=False)
    base = view.baseline_rows(methods[0], view.layers[0])
    base_name = base[0].condition.method if base else "baseline"
    treat = cols[0].method if cols else "condition"
    axes[0][0].set_ylabel(f"Δ {treat} / Δ {base_name}")
    top = max(top, 1.6)
    axes[0][0].set_ylim(bottom - 0.08 * (top - bottom) if bottom < 0 else 0, top * 1.08)
    handles, labels = axes[0][0].get_legend_handles_labels()
    extra = _interval_handle(view) if any(k[0] == "ratio" for k in cis) else []
    _fit_legend(fig, handles + extra, labels + [h.get_label() for h in extra], max_cols=3)
    return fig


def weight_vs_collapse(view: ExperimentView, layer: int) -> Figure | None:
    """Global weight-delta norm against Δ metric at ``layer``, one panel per method."""
    norms = {row["label"]: row["global"].value for row in view.weight_norms()}
    conds = [c for c in view.conditions_by_group() if c.id in norms]
    if not conds:
        return None
    methods = view.methods
    cis = _intervals(view)
    fig, axes = plt.subplots(1, len(methods), figsize=(5.2 * len(methods), 4.2), squeeze=False,
                             layout="constrained")
    for ax, m in zip(axes[0], methods, strict=True):
        ys = [0.0]  # the y range always holds zero: the spread in Δ is shown at its true scale
        for ci, c in enumerate(conds):
            cell = view.select(condition=c.id, method=m, layer=layer)
            if not cell:
                continue
            ax.scatter(norms[c.id], cell[0].delta.value, s=70, color=PALETTE[ci % len(PALETTE)],
                       marker=MARKERS[ci % len(MARKERS)], edgecolor="black", linewidth=0.6,
                       label=f"{view.group_label(c.group)} "
                       + (f"lr={_lr_text(c.lr.value)}" if c.lr else c.id), zorder=4)
            ys += _error_bar(ax, norms[c.id], cell[0].delta.value, cis.get(("cell", cell[0].id)))
        ax.set_xlim(0, max(norms.values()) * 1.1)
        pad = 0.1 * ((max(ys) - min(ys)) or 1.0)
        ax.set_ylim(min(ys) - pad if min(ys) < 0 else 0, max(ys) + pad)
        if min(ys) < 0:
            ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel(r"Global $\|\theta_{\mathrm{post}} - \theta_{\mathrm{base}}\|_2$")
        ax.set_title(f"Method {m}")
    axes[0][0].set_ylabel(f"Δ {view.metric or 'metric'} (post − base), L{layer}")
    handles, labels = axes[0][0].get_legend_handles_labels()
    if any(k[0] == "cell" for k in cis):
        extra = _interval_handle(view)
        handles, labels = handles + extra, labels + [h.get_label() for h in extra]
    _fit_legend(fig, handles, labels)
    return fig


def planned_figures(view: ExperimentView) -> list[str]:
    """Names of the figures :func:`render_figures` will draw for ``view``, in order."""
    names = ["hero"]
    if any(view.ratios(method=m) for m in view.methods):
        names.append("ratio_by_layer")
    norms = {row["label"] for row in view.weight_norms()}
    if any(c.id in norms for c in view.conditions):
        names.append("weight_vs_collapse")
    return names


def render_figures(view: ExperimentView, hero_layers: list[int], hero_method: str,
                   collapse_layer: int, meta: dict) -> list[FigureFiles]:
    """Draw, check and serialise every figure this experiment supports, in display order."""
    out: list[FigureFiles] = []
    with _style():
        specs = [("hero", lambda: hero(view, hero_layers, hero_method), hero_layers,
                  hero_method),
                 ("ratio_by_layer", lambda: ratio_by_layer(view), list(view.layers), None),
                 ("weight_vs_collapse", lambda: weight_vs_collapse(view, collapse_layer),
                  [collapse_layer], None)]
        for name, draw, layers, method in specs:
            fig = draw()
            if fig is None:
                continue
            try:
                if fig.get_layout_engine() is None:
                    fig.set_layout_engine("constrained")
                png, pdf, side = _serialise(fig, name, meta)
                w, h = fig.get_size_inches()
            finally:
                plt.close(fig)
            out.append(FigureFiles(name, png, pdf, side, (float(w), float(h)), layers, method))
    return out
