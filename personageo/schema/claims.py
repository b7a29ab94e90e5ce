"""The claims sidecar (``<body>.claims.json``): every rendered number and what it is bound to.

The renderer writes one :class:`Claim` per number it puts in the body; the linter binds numbers
through it first (exact binding), and ``report update`` uses it to tell which numbers changed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CLAIMS_VERSION = "1"

Derivation = Literal[
    "identity",        # value at one path
    "difference",      # inputs[0] - inputs[1]
    "ratio",           # inputs[0] / inputs[1]
    "percent_change",  # (inputs[0] - inputs[1]) / inputs[1]
    "count",           # number of records satisfying `rule` (shown as k or k/n)
    "min",
    "max",
    "mean",
    "literal",         # a design constant given in the narrative (still recorded)
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, use_attribute_docstrings=True)


class Binding(_Model):
    derivation: Derivation
    paths: list[str] = Field(default_factory=list)
    """Record paths (see :mod:`personageo.schema.paths`) of the inputs, in derivation order."""
    value: float
    """The exact derived value that was formatted."""
    spec: str
    """Format spec used (see :mod:`personageo.numfmt`)."""
    rule: str | None = None
    """For ``count``: the predicate, e.g. ``comparisons.ratio > 1.5``; ``denominator`` below."""
    denominator: int | None = None
    """For counts shown as ``k/n``: n."""
    results: int = 0
    """Index into :attr:`ClaimsSidecar.results` of the results file the paths refer to."""


class Claim(_Model):
    text: str
    """The number exactly as shown in the body."""
    line: int = Field(ge=1)
    col: int = Field(ge=1)
    """1-based line and column of the first character in the body."""
    binding: Binding
    key: str | None = None
    """Stable name of the claim in the template (e.g. ``headline.delta.full_em_lr2e5``)."""


class ResultsRef(_Model):
    path: str
    sha256: str


class ClaimsSidecar(_Model):
    claims_version: Literal["1"] = CLAIMS_VERSION
    body_sha256: str
    personageo_version: str
    results: list[ResultsRef]
    claims: list[Claim]
