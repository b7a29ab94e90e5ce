"""``personageo verify RESULTS [--baseline OTHER] [--questions FILE] [--format text|json]``.

Exit 0 when there is no error finding, 1 when there is, 2 when an input cannot be read.
"""

from __future__ import annotations

import click


@click.command("verify")
@click.argument("results", type=click.Path(dir_okay=False))
@click.option("--baseline", type=click.Path(dir_okay=False), default=None,
              help="Results file the comparisons' baseline deltas come from.")
@click.option("--questions", type=click.Path(dir_okay=False), default=None,
              help='Extraction questions (JSONL of {"question", "id"}) to check for duplicates.')
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
def command(results: str, baseline: str | None, questions: str | None, fmt: str) -> None:
    """Recompute every statistic of RESULTS and report each inconsistency."""
    from personageo.verify import format_json, format_text, verify_files

    result = verify_files(results, baseline=baseline, questions=questions)
    click.echo(format_json(result) if fmt == "json" else format_text(result))
    if result.has_errors:
        raise click.exceptions.Exit(1)
