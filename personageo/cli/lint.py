"""``personageo lint``: check a clean-result body's structure, wording and numbers.

Exit status: 0 clean (warnings allowed), 1 when any error is found, 2 for usage or input errors
(unreadable body, bad results file, unknown rule id).
"""

from __future__ import annotations

import sys

import click


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _list_rules() -> str:
    from personageo.lint.registry import all_rules

    rows = [(r.id, r.name, r.severity, "/".join(r.layouts), r.summary) for r in all_rules().active()]
    w = max(len(r[1]) for r in rows)
    return "\n".join(f"{i}  {n:<{w}}  {s:<7}  {lay:<5}  {summ}" for i, n, s, lay, summ in rows) + "\n"


@click.command("lint")
@click.argument("body", required=False)
@click.option("--results", "results", multiple=True, type=click.Path(dir_okay=False),
              help="Results file(s) the body reports (repeatable; legacy layouts imported). "
                   "Without it, numbers are not checked and the report says so.")
@click.option("--claims", type=click.Path(dir_okay=False), default=None,
              help="The renderer's claims sidecar (<body>.claims.json) for exact bindings.")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. unbound numbers) as errors.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="Output format (github = workflow annotations).")
@click.option("--select", multiple=True, help="Only these rule ids, names or id prefixes "
                                                "(comma-separated or repeated), e.g. PG2,PG301.")
@click.option("--ignore", multiple=True, help="Skip these rule ids, names or id prefixes.")
@click.option("--title", default=None, help="The issue title (else the frontmatter's title:).")
@click.option("--issue", type=int, default=None, help="This issue's number (else frontmatter).")
@click.option("--created", default=None,
              help="The issue's creation date (reported only: no check depends on dates).")
@click.option("--labels", default=None, help="Comma-separated issue labels (reported only).")
@click.option("--layout", type=click.Choice(["auto", "v1", "v2"]), default="auto",
              show_default=True, help="Force a layout instead of detecting it from the shape.")
@click.option("--config", "pyproject", type=click.Path(dir_okay=False, exists=True), default=None,
              help="pyproject.toml holding [tool.personageo.lint] (default: nearest one).")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
def command(body, results, claims, strict, fmt, select, ignore, title, issue, created, labels,
            layout, pyproject, list_rules) -> None:
    """Lint BODY (a clean-result markdown file, or - for stdin)."""
    from personageo.errors import InputError
    from personageo.lint.config import load_config
    from personageo.lint.engine import LintOptions, decode_body, lint_file, lint_text
    from personageo.lint.output import render
    from personageo.lint.registry import all_rules

    if list_rules:
        click.echo(_list_rules(), nl=False)
        return
    if not body:
        raise InputError("missing BODY argument", hint="personageo lint path/to/body.md")
    options = LintOptions(
        select=_split(select), ignore=_split(ignore), strict=strict, title=title, issue=issue,
        created=created, labels=_split((labels,)) if labels else (), results=tuple(results),
        claims=claims, layout=layout,
    )
    config = load_config(all_rules(), start=body if body != "-" else None, pyproject=pyproject)
    if body == "-":
        result = lint_text(decode_body(sys.stdin.buffer.read(), "<stdin>"), "<stdin>", options,
                           config)
    else:
        result = lint_file(body, options, config)
    click.echo(render(result, fmt), nl=False)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)
