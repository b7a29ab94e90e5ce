"""``personageo extract CONFIG``: per-question persona activations for each checkpoint.

Without ``--checkpoint`` every checkpoint of the config is extracted: ``base`` from the config's
model, trained ones from ``<paths.runs>/<checkpoint id>/`` (missing ones are reported and
skipped). Under ``torchrun`` each rank takes every WORLD_SIZE-th checkpoint on its own GPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from personageo.cli._options import set_option


def _progress_bar():
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=Console(stderr=True), transient=False)


@click.command("extract")
@click.argument("config", type=click.Path(exists=True, dir_okay=False))
@click.option("--checkpoint", "checkpoint", default=None,
              help="One checkpoint id (default: base and every trained checkpoint found).")
@click.option("--model", "model", type=click.Path(exists=True), default=None,
              help="Model directory of --checkpoint (default: the config's model for base, "
                   "<paths.runs>/<id> otherwise).")
@click.option("--methods", default=None, help="Comma-separated method ids (default: all).")
@click.option("--device", default=None, help="Override extract.device (cpu, cuda, cuda:N).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Override extract.batch_size.")
@click.option("--root", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Research repo root; relative paths in the config resolve against it.")
@click.option("--out", "out_root", type=click.Path(file_okay=False), default=None,
              help="Activations root (default: paths.activations of the config).")
@click.option("--no-resume", is_flag=True,
              help="Recompute even current stores and discard unfinished parts.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@set_option
def command(config: str, checkpoint: str | None, model: str | None, methods: str | None,
            device: str | None, batch_size: int | None, root: str, out_root: str | None,
            no_resume: bool, fmt: str, overrides=()) -> None:
    """Extract persona activations (Method A/B) into resumable, content-keyed stores."""
    from personageo.config import load_config
    from personageo.pipeline import stages

    cfg = load_config(config, overrides)
    overrides = {k: v for k, v in (("device", device), ("batch_size", batch_size)) if v}
    if overrides:
        cfg = cfg.model_copy(update={"extract": cfg.extract.model_copy(update=overrides)})
    request = stages.ExtractRequest(
        cfg, root=Path(root), out_root=Path(out_root) if out_root else None,
        checkpoint=checkpoint, model=Path(model) if model else None,
        methods=tuple(m.strip() for m in methods.split(",") if m.strip()) if methods else None,
        resume=not no_resume)
    with _progress_bar() as bar:
        tasks: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)

        done = stages.extract(request, progress, log=lambda msg: click.echo(msg, err=True),
                              warn=lambda w: bar.console.print(f"warning: {w}", style="yellow"))
    rows = [{"checkpoint": ck, "method": r.manifest.method,
             "status": "current" if r.skipped else "extracted", "store": str(r.store_dir),
             "cache_key": r.manifest.cache_key, "timings": r.timings} for ck, r in done.stores]
    if fmt == "json":
        click.echo(json.dumps({"rank": done.rank, "world_size": done.world_size, "stores": rows,
                               "warnings": sorted(done.warnings)}, indent=2))
    else:
        for row in rows:
            click.echo(f"{row['checkpoint']}/{row['method']}: {row['status']} -> {row['store']}")
