"""Render clean-result write-ups from results files: body, claims sidecar and figures.

Public surface: :func:`render_report` (render + write), :func:`render` (in memory),
:func:`write_outputs`, :class:`RenderOptions`, :class:`RenderedReport`.
"""

from personageo.report.render import (MAX_BODY_CHARS, RenderedReport, RenderOptions, Settings,
                                      render, render_report, write_outputs)

__all__ = ["MAX_BODY_CHARS", "RenderOptions", "RenderedReport", "Settings", "render",
           "render_report", "write_outputs"]
