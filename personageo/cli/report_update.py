"""``personageo report update``: re-render a write-up against new results, keeping human text.

After a rerun, ``update`` re-renders the body and its figures in one call; figures are linked by
relative path (``report post`` pins them to the commit that holds them), or pinned now with
``--commit``.

Exit status: 0 updated (or already up to date), 1 conflicts (hand edits to generated regions,
damaged markers, human text with no place to go; nothing written), 2 usage or input errors.
See :mod:`personageo.report.update` and ``docs/regions.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from personageo.cli._target import publish_target_options

_PATH = dict(dir_okay=False, path_type=Path)


@click.command("update")
@publish_target_options(
    ("--body",), "Body to update (default: ROOT/reports/issue_N.md); may be a body copied "
                 "from the tracker.",
    results_help="Results file (default: ROOT/eval_results/issue_N/run_result.json, else the "
                 "one the body's binding table records).",
    baseline_help="Baseline results file (default: the one the body's binding table records).",
    commit_help="Pin figure URLs to this commit now (default: relative links).")
@click.option("--claims", type=click.Path(**_PATH), default=None,
              help="Claims sidecar of a body rendered before bindings were kept in the body "
                   "(default: the bindings the body carries, else issue_N.claims.json).")
@click.option("--output", "-o", type=click.Path(**_PATH), default=None,
              help="Write the updated body here instead of over --body.")
@click.option("--force", is_flag=True,
              help="Regenerate generated regions even where they were edited by hand.")
@click.option("--dry-run", is_flag=True, help="Show conflicts and changes; write nothing.")
@click.option("--figures-only", is_flag=True, help="Write only the new figures.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def command(target, claims, output, force, dry_run, figures_only, fmt) -> None:
    """Re-render the write-up of issue N against new results, keeping human-owned regions."""
    from personageo.report.update import apply_update, plan_update, write_figures

    if figures_only:
        written = write_figures(target)
        if fmt == "json":
            click.echo(json.dumps({"written": [str(p) for p in written]}))
        else:
            for p in written:
                click.echo(f"wrote {p}")
        return
    plan = plan_update(target, output=output, claims=claims, force=force)
    written = [] if plan.blocked or dry_run or plan.unchanged else apply_update(plan)
    where = str(plan.body_path)
    if fmt == "json":
        click.echo(json.dumps({
            "body": where, "output": str(plan.output_path), "blocked": plan.blocked,
            "forced": plan.forced, "unchanged": plan.unchanged, "dry_run": dry_run,
            "conflicts": [vars(c) for c in plan.conflicts], "kept": plan.kept,
            "dropped": plan.dropped, "written": [str(p) for p in written],
            "summary": plan.summary.to_json()}, indent=2))
    else:
        for c in plan.conflicts:
            tag = "overridden" if plan.forced else "conflict"
            click.echo(f"{tag}: {c.format(where)}", err=not plan.forced)
        if plan.blocked:
            click.echo(f"{len(plan.conflicts)} conflict(s): nothing written. Move hand edits "
                       "into the narrative file or a human region, or pass --force to "
                       "regenerate.", err=True)
        for line in plan.summary.lines():
            click.echo(line)
        if plan.kept:
            click.echo(f"human regions kept: {', '.join(plan.kept)}")
        if plan.dropped and plan.forced:
            click.echo(f"human regions dropped (no place in the new render): "
                       f"{', '.join(plan.dropped)}")
        if plan.unchanged:
            click.echo(f"{plan.output_path} is up to date")
        elif dry_run:
            click.echo("dry run: nothing written")
        for p in written:
            click.echo(f"wrote {p}")
    if plan.blocked:
        raise click.exceptions.Exit(1)
