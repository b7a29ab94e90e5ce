"""``personageo report render``: the write-up of issue N, body (with its numbers' bindings)
and figures."""

from __future__ import annotations

import json
from pathlib import Path

import click

from personageo.cli._params import ISSUE, REPO


def _git_root() -> Path:
    from personageo.report._git import repo_toplevel

    return repo_toplevel(Path.cwd()) or Path.cwd()


@click.command("render")
@click.option("--issue", "issue", type=ISSUE, required=True, help="Tracker issue number N.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Research repo root (default: the current git repo's root).")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Results file (default: ROOT/eval_results/issue_N/run_result.json).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline results file (e.g. the LoRA run's), for its p-values and N.")
@click.option("--narrative", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Narrative file (default: ROOT/reports/issue_N.narrative.md if present).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Body file (default: ROOT/reports/issue_N.md); it carries the binding of "
                   "every number (inline keys + a binding table, see docs/regions.md).")
@click.option("--figures-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Figure folder (default: ROOT/figures/issue_N/).")
@click.option("--repo", default=None, type=REPO, metavar="OWNER/NAME",
              help="GitHub repository for issue links (default: from the origin remote).")
@click.option("--commit", default=None, metavar="SHA",
              help="Pin figure URLs to this commit now (default: link figures by relative "
                   "path; `report post` pins them to the commit that holds them).")
@click.option("--allow-branch-url", is_flag=True, help="Accept a branch name for --commit.")
@click.option("--figures-only", is_flag=True, help="Write only the figures.")
@click.option("--preview", is_flag=True, hidden=True,
              help="No effect (figures are always linked by relative path without --commit).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs that differ.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def command(issue, root, results, baseline, narrative, output, figures_dir, repo, commit,
               allow_branch_url, figures_only, preview, overwrite, fmt) -> None:
    """Render the write-up of issue N: body (with its numbers' bindings) and figures."""
    from personageo.pipeline import stages
    from personageo.report import PublishTarget

    target = PublishTarget(issue=issue, root=root or _git_root(), repo=repo, commit=commit,
                           allow_branch_url=allow_branch_url, results=results,
                           baseline=baseline, narrative=narrative, body=output,
                           figures_dir=figures_dir)
    rendered = stages.render(stages.RenderRequest(target, overwrite=overwrite,
                                                  figures_only=figures_only)).rendered
    written = [str(p) for p in rendered.files]
    if fmt == "json":
        click.echo(json.dumps({"written": written, "claims": len(rendered.sidecar.claims)
                               if rendered.sidecar else 0, "chars": len(rendered.body)}))
        return
    for p in written:
        click.echo(f"wrote {p}")
    if rendered.sidecar is not None:
        click.echo(f"{len(rendered.sidecar.claims)} numbers bound; body {len(rendered.body)} "
                   "characters")
