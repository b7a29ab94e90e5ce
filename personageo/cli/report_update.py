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

from personageo.cli._params import ISSUE, REPO


def _git_root() -> Path:
    from personageo.report._git import repo_toplevel

    return repo_toplevel(Path.cwd()) or Path.cwd()


_PATH = dict(dir_okay=False, path_type=Path)


@click.command("update")
@click.option("--issue", type=ISSUE, required=True, help="Tracker issue number N.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Research repo root (default: the current git repo's root).")
@click.option("--body", type=click.Path(**_PATH), default=None,
              help="Body to update (default: ROOT/reports/issue_N.md); may be a body copied "
                   "from the tracker.")
@click.option("--claims", type=click.Path(**_PATH), default=None,
              help="Claims sidecar of a body rendered before bindings were kept in the body "
                   "(default: the bindings the body carries, else issue_N.claims.json).")
@click.option("--results", type=click.Path(**_PATH), default=None,
              help="Results file (default: ROOT/eval_results/issue_N/run_result.json, else "
                   "the one the body's binding table records).")
@click.option("--baseline", type=click.Path(**_PATH), default=None,
              help="Baseline results file (default: the one the body's binding table records).")
@click.option("--narrative", type=click.Path(**_PATH), default=None,
              help="Narrative file (default: ROOT/reports/issue_N.narrative.md if present).")
@click.option("--output", "-o", type=click.Path(**_PATH), default=None,
              help="Write the updated body here instead of over --body.")
@click.option("--figures-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Figure folder (default: ROOT/figures/issue_N/).")
@click.option("--repo", default=None, type=REPO, metavar="OWNER/NAME",
              help="GitHub repository for issue links (default: from the origin remote).")
@click.option("--commit", default=None, metavar="SHA",
              help="Pin figure URLs to this commit now (default: relative links).")
@click.option("--allow-branch-url", is_flag=True, help="Accept a branch name for --commit.")
@click.option("--force", is_flag=True,
              help="Regenerate generated regions even where they were edited by hand.")
@click.option("--dry-run", is_flag=True, help="Show conflicts and changes; write nothing.")
@click.option("--figures-only", is_flag=True, help="Write only the new figures.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def command(issue, root, body, claims, results, baseline, narrative, output, figures_dir, repo,
            commit, allow_branch_url, force, dry_run, figures_only, fmt) -> None:
    """Re-render the write-up of issue N against new results, keeping human-owned regions."""
    from personageo.report import PublishTarget
    from personageo.report.update import apply_update, plan_update, write_figures

    target = PublishTarget(issue=issue, root=root or _git_root(), repo=repo, commit=commit,
                           allow_branch_url=allow_branch_url, results=results,
                           baseline=baseline, narrative=narrative, body=body,
                           figures_dir=figures_dir)
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
