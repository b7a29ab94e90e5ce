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
    from personageo.errors import InputError
    from personageo.extract import BASE_CHECKPOINT, dist_env, extract_checkpoint, shard

    cfg = load_config(config, overrides)
    overrides = {k: v for k, v in (("device", device), ("batch_size", batch_size)) if v}
    if overrides:
        cfg = cfg.model_copy(update={"extract": cfg.extract.model_copy(update=overrides)})
    if model and not checkpoint:
        raise InputError("--model needs --checkpoint (which checkpoint the model is)")
    runs = Path(root) / cfg.paths.runs
    if checkpoint:
        jobs = [(checkpoint, model or (None if checkpoint == BASE_CHECKPOINT
                                       else str(runs / checkpoint)))]
    else:
        jobs = [(ck.id, None if ck.id == BASE_CHECKPOINT else str(runs / ck.id))
                for ck in cfg.checkpoints()]
    missing = [ck for ck, m in jobs if m is not None and not Path(m).is_dir()]
    if checkpoint and missing:
        raise InputError(f"no model directory for checkpoint {checkpoint!r}",
                         hint=f"train it first or pass --model (looked in {runs / checkpoint})")
    for ck in missing:
        click.echo(f"skipping {ck}: not trained yet ({runs / ck} missing)", err=True)
    rank, world, _ = dist_env()
    jobs = shard([j for j in jobs if j[0] not in missing], rank, world)
    method_ids = [m.strip() for m in methods.split(",") if m.strip()] if methods else None

    rows, warned = [], set()
    with _progress_bar() as bar:
        tasks: dict[str, int] = {}

        for ck, path in jobs:
            def progress(label, done, total, ck=ck):
                name = f"{ck} {label}"
                if name not in tasks:
                    tasks[name] = bar.add_task(name, total=total)
                bar.update(tasks[name], completed=done, total=total)

            for r in extract_checkpoint(cfg, ck, path, out_root=out_root, methods=method_ids,
                                        resume=not no_resume, root=root, progress=progress):
                rows.append({"checkpoint": ck, "method": r.manifest.method,
                             "status": "current" if r.skipped else "extracted",
                             "store": str(r.store_dir), "cache_key": r.manifest.cache_key,
                             "timings": r.timings})
                for w in r.warnings:
                    if w not in warned:
                        warned.add(w)
                        bar.console.print(f"warning: {w}", style="yellow")
    if fmt == "json":
        click.echo(json.dumps({"rank": rank, "world_size": world, "stores": rows,
                               "warnings": sorted(warned)}, indent=2))
    else:
        for row in rows:
            click.echo(f"{row['checkpoint']}/{row['method']}: {row['status']} -> {row['store']}")
