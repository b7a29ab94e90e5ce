"""What every fuzzed input must satisfy: a result or a located PersonageoError, never another
exception (shared by the Hypothesis tests and ``bench/fuzz_campaign.py``)."""

from __future__ import annotations

import json
from pathlib import Path

from personageo.errors import PersonageoError
from personageo.lint.engine import LintOptions, lint_text
from personageo.lint.output import render as render_lint


def lint_outcome(text: str, results: tuple[str, ...] = ()) -> str:
    """Lint ``text`` (rule bugs raise instead of becoming findings) and format the result in
    every output format; ``ok``, ``findings`` or ``input-error``."""
    try:
        result = lint_text(text, "fuzz.md", LintOptions(results=results, raise_rule_errors=True))
    except PersonageoError as err:
        assert err.location is not None or err.message, err
        return "input-error"
    for fmt in ("text", "github"):
        render_lint(result, fmt).encode("utf-8")
    json.loads(render_lint(result, "json"))
    return "findings" if result.exit_code else "ok"


def results_outcome(text: str, path: Path, body: str, render_root: Path | None = None) -> str:
    """Write ``text`` to ``path``, then load, verify, lint ``body`` against it and (with
    ``render_root``) render it; ``input-error`` or ``ok``."""
    from personageo.schema import load_run_result
    from personageo.verify import format_json, verify_run

    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        run = load_run_result(path, semantic=False)
    except PersonageoError as err:
        assert err.location is not None and err.location.path == str(path), err
        return "input-error"
    json.loads(format_json(verify_run(run, path=str(path))))
    lint_outcome(body, (str(path),))
    if render_root is not None:
        from personageo.report import PublishTarget, render

        try:
            render(PublishTarget(issue=7, root=render_root, results=path, repo="acme/research",
                                 commit="189a247" + "0" * 33))
        except PersonageoError:
            return "input-error"
    return "ok"
