"""Refuse figures whose text collides: every pair of visible text elements is checked.

Bounding boxes come from the renderer matplotlib uses to draw (``Text.get_window_extent``), so
tick labels, axis labels, titles, legend entries, annotations and bar labels are all covered.
"""

from __future__ import annotations

from itertools import combinations

from matplotlib.axis import Axis, Tick
from matplotlib.figure import Figure
from matplotlib.text import Text

from personageo.errors import PersonageoError


class FigureLayoutError(PersonageoError):
    """Two text elements of a figure overlap."""


def _texts(fig: Figure) -> list[Text]:
    """Visible, non-empty texts whose every ancestor is visible (what is actually drawn)."""
    out: list[Text] = []
    seen: set[int] = set()

    def walk(artist) -> None:
        if id(artist) in seen or not artist.get_visible():
            return
        seen.add(id(artist))
        if isinstance(artist, Text) and artist.get_text().strip():
            out.append(artist)
        view = None
        if isinstance(artist, Axis):  # ticks outside the view limits exist but are not drawn
            lo, hi = sorted(artist.get_view_interval())
            view = (lo - 1e-9 * (abs(lo) + abs(hi)), hi + 1e-9 * (abs(lo) + abs(hi)))
        for child in artist.get_children():
            if view is not None and isinstance(child, Tick) and not (
                    view[0] <= child.get_loc() <= view[1]):
                continue
            walk(child)

    walk(fig)
    return out


def _describe(t: Text) -> str:
    text = t.get_text().replace("\n", " ")
    return repr(text if len(text) <= 40 else text[:37] + "...")


def find_text_overlaps(fig: Figure, pad_px: float = 0.0,
                       drawn: bool = False) -> list[tuple[str, str]]:
    """Pairs of overlapping visible text elements, described by their text."""
    if not drawn:
        fig.canvas.draw()  # lay out (tight/constrained layout, legends) before measuring
    renderer = fig.canvas.get_renderer()
    boxes = []
    for t in _texts(fig):
        bb = t.get_window_extent(renderer=renderer)
        if bb.width <= 0 or bb.height <= 0:
            continue
        boxes.append((t, bb.padded(pad_px)))
    hits = []
    for (a, ba), (b, bb) in combinations(boxes, 2):
        if ba.overlaps(bb):
            hits.append((_describe(a), _describe(b)))
    return hits


def find_clipped_texts(fig: Figure, drawn: bool = False) -> list[str]:
    """Visible texts that extend beyond the figure's canvas (cut off in the saved image)."""
    if not drawn:
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    out = []
    for t in _texts(fig):
        bb = t.get_window_extent(renderer=renderer)
        if bb.width > 0 and (bb.x0 < canvas.x0 - 0.5 or bb.x1 > canvas.x1 + 0.5
                             or bb.y0 < canvas.y0 - 0.5 or bb.y1 > canvas.y1 + 0.5):
            out.append(_describe(t))
    return out


def check_text_overlap(fig: Figure, name: str) -> None:
    """Raise :class:`FigureLayoutError` naming the first overlapping pair of texts, or the
    first text cut off by the figure's edge."""
    clipped = find_clipped_texts(fig)
    if clipped:
        raise FigureLayoutError(f"figure {name!r}: text {clipped[0]} is cut off by the figure "
                                "edge", details=clipped[1:6])
    hits = find_text_overlaps(fig, drawn=True)
    if hits:
        a, b = hits[0]
        more = f" (and {len(hits) - 1} more pair(s))" if len(hits) > 1 else ""
        raise FigureLayoutError(f"figure {name!r}: text {a} overlaps text {b}{more}",
                                details=[f"{x} overlaps {y}" for x, y in hits[1:6]])
