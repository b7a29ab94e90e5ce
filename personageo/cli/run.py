"""``personageo run CONFIG``: train -> extract -> analyze -> render -> lint."""

from __future__ import annotations

import click

from personageo.cli._options import set_option


def _preflight(cfg, config: str, root: str, stages: tuple[str, ...], overrides) -> None:
    """Check every input before any stage: problems one per line on stderr; errors exit 2."""
    from personageo.pipeline import preflight

    problems = preflight(cfg, config, root, stages, overrides)
    for p in problems:
        click.echo(str(p), err=True)
    errors = sum(p.error for p in problems)
    if errors:
        click.echo(f"{errors} problem(s) in the inputs: nothing was run", err=True)
        raise click.exceptions.Exit(2)


@click.command("run")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Research repo root; relative paths in the config resolve against it.")
@click.option("--only", "only", multiple=True,
              type=click.Choice(["train", "extract", "analyze", "render", "lint"]),
              help="Run only these stages (repeatable); default: all.")
@click.option("--force", is_flag=True, help="Rerun stages even when their outputs are current.")
@click.option("--dry-run", is_flag=True, help="Print the plan and exit; nothing is loaded or written.")
@set_option
def command(config: str, root: str, only: tuple[str, ...], force: bool, dry_run: bool,
            overrides=()) -> None:
    """Run every stage of CONFIG, skipping those whose outputs are current."""
    from personageo.cli._progress import stage_progress
    from personageo.config import load_config
    from personageo.pipeline import STAGES, Pipeline

    cfg = load_config(config, overrides)
    stages = tuple(s for s in STAGES if not only or s in only)
    _preflight(cfg, config, root, stages, overrides)
    if dry_run:
        pipe = Pipeline(cfg, config_path=config, root=root, stages=stages, force=force)
        for o in pipe.plan():
            click.echo(f"{o.stage:8} {o.status:10} {o.detail}")
        return
    with stage_progress() as progress:
        pipe = Pipeline(cfg, config_path=config, root=root, stages=stages, force=force,
                        progress=progress, log=progress.log)
        summary = pipe.run()
    click.echo("\nsummary")
    for o in summary.outcomes:
        click.echo(f"  {o.stage:8} {o.status:8} {o.seconds:7.1f} s  {o.detail}")
    if summary.results_path:
        click.echo(f"  results  {summary.results_path}")
    if summary.report_path:
        click.echo(f"  report   {summary.report_path}")
    for v in summary.verdicts:
        click.echo(f"  verdict  {v}")
    if summary.lint_errors is not None:
        click.echo(f"  lint     {summary.lint_errors} error(s), {summary.lint_warnings} warning(s)")
        if summary.lint_errors:
            click.echo(summary.lint_text, err=True)
            raise click.exceptions.Exit(1)
