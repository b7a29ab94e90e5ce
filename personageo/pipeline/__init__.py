"""``personageo run``: the stage graph from one config, skipping what is current.

:mod:`personageo.pipeline.stages` is the stage API that the pipeline and the single commands
share.
"""

from personageo.pipeline._preflight import Problem, preflight
from personageo.pipeline._run import STAGES, Pipeline, RunSummary, StageOutcome

__all__ = ["STAGES", "Pipeline", "Problem", "RunSummary", "StageOutcome", "preflight"]
