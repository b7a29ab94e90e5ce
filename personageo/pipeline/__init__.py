"""``personageo run``: the stage graph from one config, skipping what is current.

:mod:`personageo.pipeline.stages` is the stage API that the pipeline and the single commands
share. Names are imported on first access (PEP 562), so ``personageo lint`` reaching its stage
does not load the config models.
"""

from __future__ import annotations

import importlib

_EXPORTS = {"_preflight": ("Problem", "preflight"),
            "_run": ("STAGES", "Pipeline", "RunSummary", "StageOutcome")}

__all__ = sorted(name for names in _EXPORTS.values() for name in names)


def __getattr__(name: str):
    for module, names in _EXPORTS.items():
        if name in names:
            return getattr(importlib.import_module(f"personageo.pipeline.{module}"), name)
    raise AttributeError(f"module 'personageo.pipeline' has no attribute {name!r}")
