"""The experiment config (YAML): one file drives train -> extract -> analyze -> render -> lint.

Sections are defined in their own modules (``train``, ``extract``, ``analysis``) and composed by
:class:`ExperimentConfig` in ``experiment``; everything here is pure pydantic (no torch).
"""

from personageo.config._load import load_config
from personageo.config.experiment import (
    BASE_CHECKPOINT,
    BaselineSpec,
    CheckpointRef,
    ConditionSpec,
    DataSpec,
    ExperimentConfig,
    MethodSpec,
    ModelSpec,
    PathsSpec,
    checkpoint_id,
)

__all__ = [
    "BASE_CHECKPOINT", "CheckpointRef", "checkpoint_id",
    "BaselineSpec", "ConditionSpec", "DataSpec", "ExperimentConfig", "MethodSpec", "ModelSpec",
    "PathsSpec", "load_config",
]
