"""``personageo lint``: check clean-result bodies' structure, wording and numbers.

BODIES are files, folders (their ``*.md``, narrative files left out) and globs (``**`` too), as
ruff takes them. Without ``--results`` each body's results files are found by
:mod:`personageo.lint.discover`.

Exit status: 0 clean (warnings allowed), 1 when any error is found, 2 for usage or input errors
(unreadable body, bad results file, unknown rule id), 3 when a body's numbers could not be
checked (no results given or found) and nothing worse happened; ``--structure-only`` asks for
structure and wording only.
"""

from __future__ import annotations

import json
import sys

import click

from personageo.cli._params import ISSUE


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _list_rules() -> str:
    from personageo.lint.registry import all_rules

    rows = [(r.id, r.name, r.severity, "/".join(r.layouts), r.summary) for r in all_rules().active()]
    w = max(len(r[1]) for r in rows)
    return "\n".join(f"{i}  {n:<{w}}  {s:<7}  {lay:<5}  {summ}" for i, n, s, lay, summ in rows) + "\n"


@click.command("lint")
@click.argument("bodies", nargs=-1)
@click.option("--results", "results", multiple=True, type=click.Path(dir_okay=False),
              help="Results file(s) every body reports, in the render marker's order "
                   "(repeatable; legacy layouts imported). Default: found for each body by "
                   "the hashes its render marker records (eval_results/issue_N/...).")
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="Research repo whose eval_results/ holds the results (default: the folder "
                   "above each body that has one). For a body kept elsewhere, e.g. fetched "
                   "from the tracker; pass --issue too.")
@click.option("--structure-only", is_flag=True,
              help="Check structure and wording only (no number check, no UNCHECKED outcome).")
@click.option("--claims", type=click.Path(dir_okay=False), default=None,
              help="A claims sidecar of a body rendered before bindings were kept in the body "
                   "(<body>.claims.json); one body only.")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. unbound numbers) as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="Output format (github = workflow annotations).")
@click.option("--select", multiple=True, help="Only these rule ids, names or id prefixes "
                                                "(comma-separated or repeated), e.g. PG2,PG301.")
@click.option("--ignore", multiple=True, help="Skip these rule ids, names or id prefixes.")
@click.option("--title", default=None, help="The issue title (else the frontmatter's title:).")
@click.option("--issue", type=ISSUE, default=None, help="This issue's number (else frontmatter).")
@click.option("--created", default=None,
              help="The issue's creation date (reported only: no check depends on dates).")
@click.option("--labels", default=None, help="Comma-separated issue labels (reported only).")
@click.option("--layout", type=click.Choice(["auto", "v1", "v2"]), default="auto",
              show_default=True, help="Force a layout instead of detecting it from the shape.")
@click.option("--config", "pyproject", type=click.Path(dir_okay=False, exists=True), default=None,
              help="pyproject.toml holding [tool.personageo.lint] (default: nearest one).")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
def command(bodies, results, root, structure_only, claims, strict, fmt, select, ignore, title, issue,
            created, labels, layout, pyproject, list_rules) -> None:
    """Lint BODIES (clean-result markdown files, folders or globs; - for stdin)."""
    from personageo.errors import InputError, PersonageoError
    from personageo.files import read_stream
    from personageo.lint.engine import EXIT_UNCHECKED, MAX_BYTES, LintOptions, decode_body
    from personageo.lint.output import FORMAT_VERSION, render, to_dict
    from personageo.pipeline import stages

    if list_rules:
        click.echo(_list_rules(), nl=False)
        return
    if not bodies:
        raise InputError("missing BODY argument", hint="personageo lint reports/issue_N.md")
    paths = _expand(bodies)
    if claims and len(paths) > 1:
        raise InputError("--claims names the sidecar of one body; got several bodies")
    base = LintOptions(
        select=_split(select), ignore=_split(ignore), strict=strict, title=title, issue=issue,
        created=created, labels=_split((labels,)) if labels else (), results=tuple(results),
        claims=claims, layout=layout, structure_only=structure_only,
    )
    codes: dict[str, int] = {}
    reports: list[dict] = []
    for path in paths:
        try:
            text = decode_body(read_stream(sys.stdin.buffer, "<stdin>", MAX_BYTES), "<stdin>") \
                if path == "-" else None
            result = stages.lint(stages.LintRequest(path, base, text=text, root=root,
                                                    pyproject=pyproject))
        except PersonageoError as err:
            if len(paths) == 1:
                raise
            click.echo(f"error: {err}", err=True)
            codes[path] = 2
            continue
        if fmt == "json" and len(paths) > 1:
            reports.append(to_dict(result))
        else:
            click.echo(render(result, fmt), nl=False)
        codes[path] = result.exit_code
    if len(paths) > 1 and fmt == "text":
        click.echo(_summary(codes))
    if len(paths) > 1 and fmt == "json":  # one JSON document: every body, then the total
        click.echo(json.dumps({"format_version": FORMAT_VERSION, "bodies": reports,
                               "exit_codes": codes}, indent=2, ensure_ascii=False))
    worst = max(codes.values(), key=lambda c: {2: 3, 1: 2, EXIT_UNCHECKED: 1, 0: 0}[c])
    if worst:
        raise click.exceptions.Exit(worst)


def _expand(args: tuple[str, ...]) -> list[str]:
    """Files, folders (their ``*.md`` but narrative files) and globs, each body once, in order."""
    import glob
    from pathlib import Path

    from personageo.errors import InputError

    out: list[str] = []
    for arg in args:
        if arg == "-":
            if len(args) > 1:
                raise InputError("- (stdin) cannot be linted together with other bodies")
            return ["-"]
        if any(ch in arg for ch in "*?["):
            hits = sorted(glob.glob(arg, recursive=True))
            if not hits:
                raise InputError(f"no file matches {arg!r}")
        elif Path(arg).is_dir():
            hits = sorted(str(p) for p in Path(arg).rglob("*.md"))
        else:
            hits = [arg]
        for h in hits:
            if Path(h).is_dir() or (h != arg and h.endswith(".narrative.md")):
                continue
            if h not in out:
                out.append(h)
    if not out:
        raise InputError(f"no markdown body (*.md) in the file(s) or directory given: "
                         f"{' '.join(args)}")
    return out


def _summary(codes: dict[str, int]) -> str:
    from personageo.lint.engine import EXIT_UNCHECKED

    names = {0: "passed", 1: "failed", EXIT_UNCHECKED: "unchecked", 2: "could not be read"}
    parts = [f"{sum(c == code for c in codes.values())} {name}" for code, name in names.items()
             if any(c == code for c in codes.values())]
    return f"Total: {len(codes)} bodies — " + ", ".join(parts)
