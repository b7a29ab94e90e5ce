"""Results schema v1 (``run_result.json``): models, semantic validation, I/O, legacy import."""

from personageo.schema._io import (
    SCHEMA_FILE,
    json_schema,
    json_schema_text,
    load_run_result,
    parse_run_result,
    run_result_json,
    save_run_result,
)
from personageo.schema._models import (
    SCHEMA_VERSION,
    BaselineRef,
    Checkpoint,
    Comparison,
    Condition,
    DataRef,
    Design,
    Experiment,
    Family,
    Hardware,
    LoraParams,
    Measurement,
    Method,
    PermutationTest,
    Persona,
    Provenance,
    QuestionSet,
    RunResult,
    Sample,
    SeedAggregate,
    SourceFile,
    SourceIssue,
    TestedCell,
    Training,
    Verdict,
    VerdictRule,
    WeightNorm,
)
from personageo.schema._semantics import Issue, check_semantics, is_significant

__all__ = [
    "SCHEMA_FILE", "SCHEMA_VERSION", "BaselineRef", "Checkpoint", "Comparison", "Condition",
    "DataRef", "Design", "Experiment", "Family", "Hardware", "Issue", "LoraParams",
    "Measurement", "Method", "PermutationTest", "Persona", "Provenance", "QuestionSet",
    "RunResult", "Sample", "SeedAggregate", "SourceFile", "SourceIssue", "TestedCell",
    "Training", "Verdict", "VerdictRule", "WeightNorm", "check_semantics", "is_significant",
    "json_schema", "json_schema_text", "load_run_result", "parse_run_result",
    "run_result_json", "save_run_result",
]
