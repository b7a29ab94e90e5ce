"""Fixtures of the ``report update`` tests.

Figures are real but drawn once per results file (memoised by the source-results hashes in
their metadata): the update logic never looks at figure bytes, and drawing dominates a render.
"""

from __future__ import annotations

import json

import pytest

_FIGURES: dict[str, list] = {}


@pytest.fixture(autouse=True)
def _memo_figures(monkeypatch):
    import personageo.report.renderer as renderer

    real = renderer.render_figures

    def memo(view, *args, **kwargs):
        # everything but the view (which the results hashes in the metadata stand for)
        key = json.dumps([args, kwargs], sort_keys=True, default=str)
        if key not in _FIGURES:
            _FIGURES[key] = real(view, *args, **kwargs)
        return _FIGURES[key]

    monkeypatch.setattr(renderer, "render_figures", memo)
