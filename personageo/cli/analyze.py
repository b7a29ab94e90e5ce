"""``personageo analyze CONFIG``: activations + config -> validated run_result.json."""

from __future__ import annotations

from pathlib import Path

import click

from personageo.cli._options import set_option


@click.command("analyze")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Research repo root; relative paths in the config resolve against it.")
@click.option("--activations", type=click.Path(file_okay=False), default=None,
              help="Activation store root (default: paths.activations of the config).")
@click.option("--runs", type=click.Path(file_okay=False), default=None,
              help="Training runs root with train manifests (default: paths.runs).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Results file (default: eval_results/issue_N/run_result.json).")
@click.option("--overwrite", is_flag=True, help="Replace an existing, different results file.")
@set_option
def command(config: str, root: str, activations: str | None, runs: str | None,
            output: str | None, overwrite: bool, overrides=()) -> None:
    """Compute M1, tests, BH, comparisons and verdicts into a validated results file."""
    from personageo.config import load_config
    from personageo.pipeline import stages

    cfg = load_config(config, overrides)
    done = stages.analyze(stages.AnalyzeRequest(
        cfg, config, root=Path(root), activations=Path(activations) if activations else None,
        runs=Path(runs) if runs else None, output=Path(output) if output else None,
        overwrite=overwrite), progress=lambda msg: click.echo(msg, err=True))
    run, out = done.run, done.path
    for line in done.warnings():
        click.echo(f"warning: {line}", err=True)
    n_sig = sum(c.significant for c in run.cells)
    click.echo(f"wrote {out}: {len(run.measurements)} measurements, {len(run.cells)} cells "
               f"({n_sig} significant), {len(run.comparisons)} comparisons, "
               f"{len(run.verdicts)} verdicts", err=True)

