"""One findings model for every checker: the schema's semantic checks, ``verify``, ``lint`` and
the number checker.

A :class:`Finding` is a value: a registered code, a severity, a :class:`Location` (file plus
line:column or JSON pointer), a message and what was expected. Every code lives in one
:class:`CodeRegistry` (:data:`CODES`): lint rules register their ``PGnnn`` ids, ``verify`` its
``Vnnn`` codes, the schema its ``Snnn`` semantic codes, and this package the internal-error code
``X001``, which any checker reports (as an error, never a pass) for a part of it that could not
run. Ids are unique across all of them and never reused.

This package sits at the bottom of the layers beside ``schema``: it imports only leaf helpers
(``errors``, ``annotations``) and is imported by ``schema``, ``lint``, ``verify`` and ``report``.

Public API::

    Finding(code, message, location=Location(...), expected=None, severity="", name="",
            checked_against=None, extra={})
    Location(path, line, col, pointer, end_line, end_col)     # personageo.errors.Location
    Severity, SEVERITIES, severity_rank(s)
    Code(code, name, severity, summary, source, doc), CodeRegistry, CODES, INTERNAL_ERROR
    internal_error(what, exc, location) -> Finding
"""

from personageo.errors import Location
from personageo.findings._formats import github_annotation, rule_line, text_line
from personageo.findings._model import SEVERITIES, Finding, Severity, severity_rank
from personageo.findings._registry import (
    CODES,
    INTERNAL_ERROR,
    Code,
    CodeRegistry,
    CodeRegistryError,
    internal_error,
)

__all__ = ["CODES", "INTERNAL_ERROR", "SEVERITIES", "Code", "CodeRegistry", "CodeRegistryError",
           "Finding", "Location", "Severity", "github_annotation", "internal_error", "rule_line",
           "severity_rank", "text_line"]
