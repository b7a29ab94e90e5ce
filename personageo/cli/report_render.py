"""``personageo report render``: the write-up of issue N, body (with its numbers' bindings)
and figures."""

from __future__ import annotations

import json

import click

from personageo.cli._target import publish_target_options


@click.command("render")
@publish_target_options(
    ("--output", "-o"), "Body file (default: ROOT/reports/issue_N.md); it carries the binding "
                        "of every number (inline keys + a binding table, see docs/regions.md).",
    baseline_help="Baseline results file (e.g. the LoRA run's), for its p-values and N.",
    commit_help="Pin figure URLs to this commit now (default: link figures by relative path; "
                "`report post` pins them to the commit that holds them).")
@click.option("--figures-only", is_flag=True, help="Write only the figures.")
@click.option("--preview", is_flag=True, hidden=True,
              help="No effect (figures are always linked by relative path without --commit).")
@click.option("--overwrite", is_flag=True, help="Replace existing outputs that differ.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def command(target, figures_only, preview, overwrite, fmt) -> None:
    """Render the write-up of issue N: body (with its numbers' bindings) and figures."""
    from personageo.pipeline import stages

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
