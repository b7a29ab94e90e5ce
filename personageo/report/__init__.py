"""Render clean-result write-ups from results files: body, claims sidecar and figures.

Public surface: :func:`render_report` (render + write), :func:`render` (in memory),
:func:`write_outputs`, :class:`RenderOptions`, :class:`RenderedReport`, :class:`Settings`.
Imported lazily so that sibling modules (``personageo.report.post``) do not pull in matplotlib.
"""

from __future__ import annotations

__all__ = ["MAX_BODY_CHARS", "RenderOptions", "RenderedReport", "Settings", "render",
           "render_report", "write_outputs"]


def __getattr__(name: str):
    if name in __all__:
        import importlib

        return getattr(importlib.import_module("personageo.report.renderer"), name)
    raise AttributeError(f"module 'personageo.report' has no attribute {name!r}")
