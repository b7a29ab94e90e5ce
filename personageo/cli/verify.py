"""``personageo verify RESULTS [--baseline OTHER] [--questions FILE] [--format text|json|github]
[--select CODES] [--ignore CODES] [--no-collapse]``.

Exit 0 when there is no error finding (among the selected codes), 1 when there is, 2 when an
input cannot be read or a code given is unknown.
"""

from __future__ import annotations

import click


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@click.command("verify")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--baseline", type=click.Path(dir_okay=False), default=None,
              help="Results file the comparisons' baseline deltas come from.")
@click.option("--questions", type=click.Path(dir_okay=False), default=None,
              help='Extraction questions (JSONL of {"question", "id"}) to check for duplicates.')
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="Output format (github = workflow annotations).")
@click.option("--select", multiple=True, help="Only these codes, names or code prefixes "
                                                "(comma-separated or repeated), e.g. V1,V308.")
@click.option("--ignore", multiple=True, help="Skip these codes, names or code prefixes.")
@click.option("--no-collapse", is_flag=True,
              help="List every finding instead of one line per repeated finding.")
def command(results: str, baseline: str | None, questions: str | None, fmt: str,
            select: tuple[str, ...], ignore: tuple[str, ...], no_collapse: bool) -> None:
    """Recompute every statistic of RESULTS and report each inconsistency."""
    from personageo.verify import format_github, format_json, format_text, verify_files
    from personageo.verify._select import select_findings

    select, ignore = _split(select), _split(ignore)
    select_findings(_empty(), select, ignore)  # unknown codes fail before any file is read
    result = select_findings(verify_files(results, baseline=baseline, questions=questions),
                             select, ignore)
    if fmt == "json":
        out = format_json(result)
    elif fmt == "github":
        out = format_github(result, collapse=not no_collapse)
    else:
        out = format_text(result, collapse=not no_collapse)
    if out:
        click.echo(out)
    if result.has_errors:
        raise click.exceptions.Exit(1)


def _empty():
    from personageo.verify import VerifyResult

    return VerifyResult([])
