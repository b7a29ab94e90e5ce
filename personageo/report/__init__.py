"""Render clean-result write-ups from results files: body (bindings inside) and figures.

Public surface: :class:`PublishTarget` (where a write-up goes and its files),
:func:`render_report` (render + write), :func:`render` (in memory), :func:`write_outputs`,
:class:`RenderedReport`, :class:`Settings`. Imported lazily so that sibling modules
(``personageo.report.post``) do not pull in matplotlib.
"""

from __future__ import annotations

_HOMES = {"PublishTarget": "target", "WriteUpFiles": "target"}

__all__ = ["MAX_BODY_CHARS", "PublishTarget", "RenderedReport", "Settings", "WriteUpFiles",
           "render", "render_report", "write_outputs"]


def __getattr__(name: str):
    if name in __all__:
        import importlib

        module = importlib.import_module(f"personageo.report.{_HOMES.get(name, 'renderer')}")
        return getattr(module, name)
    raise AttributeError(f"module 'personageo.report' has no attribute {name!r}")
