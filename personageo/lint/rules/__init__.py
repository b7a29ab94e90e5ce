"""Every lint rule, imported explicitly; the registry is frozen after this list.

Adding a rule family: write ``personageo/lint/rules/<family>.py`` with ``@rule``-decorated
functions, add it to the import list below, add a case file under ``tests/lint/cases/`` and run
``python -m personageo.lint.docs`` to regenerate ``docs/rules.md``.
"""

from personageo.lint.registry import REGISTRY
from personageo.lint.rules import (  # noqa: F401  (imported for their registrations)
    background,
    claims,
    detailed,
    figures,
    malformed,
    methodology,
    numbers,
    references,
    render_set,
    rendering,
    results_block,
    samples,
    structure,
    title,
    tldr,
    wording,
)

REGISTRY.freeze()
