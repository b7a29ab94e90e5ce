"""``personageo init NAME --issue N``: a commented config and a narrative for a new experiment."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("name")
@click.option("--issue", type=int, required=True, help="Tracker issue the write-up goes to.")
@click.option("--title", default=None, help="Experiment title (default: from NAME).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Research repository root.")
@click.option("--example-data", is_flag=True,
              help="Also copy the shipped personas, questions and SFT sets to data/ (where "
                   "absent), so that `personageo run --dry-run` works at once.")
def command(name: str, issue: int, title: str | None, root: Path, example_data: bool) -> None:
    """Write configs/NAME.yaml and reports/issue_N.narrative.md (never overwriting)."""
    from personageo.config._init import init_experiment

    plan = init_experiment(root, name, issue, title, example_data)
    for path in plan.files:
        click.echo(f"wrote {path}")
    for path in plan.kept:
        click.echo(f"kept  {path} (exists)")
    config = root / "configs" / f"{name}.yaml"
    click.echo(f"next: edit {config}, then `personageo run {config} --dry-run`")
