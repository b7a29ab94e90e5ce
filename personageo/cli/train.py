"""``personageo train``: fine-tune every (condition, seed) of a config, or a selection.

Multi-GPU / multi-node: launch this same command under torchrun, ``accelerate launch`` or the
DeepSpeed launcher (see :mod:`personageo.train.setup` for the hostfile format).
"""

from __future__ import annotations

import json
import sys

import click

from personageo.cli._options import set_option


@click.command("train")
@click.argument("config_path", type=click.Path(dir_okay=False))
@click.option("--condition", "conditions", multiple=True, help="Only these condition ids.")
@click.option("--seed", "seeds", multiple=True, type=int, help="Only these seeds.")
@click.option("--runs-dir", type=click.Path(file_okay=False), default=None,
              help="Checkpoint root (default: the config's paths.runs).")
@click.option("--no-resume", is_flag=True, help="Retrain from scratch (no skip, no resume).")
@click.option("--overwrite", is_flag=True,
              help="Replace checkpoints trained with a different config or data.")
@click.option("--dry-run", is_flag=True, help="List the runs and exit.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--local_rank", "--local-rank", type=int, default=None, hidden=True)
@set_option
def command(config_path, conditions, seeds, runs_dir, no_resume, overwrite, dry_run, fmt,
            local_rank, overrides=()):
    """Train the checkpoints of CONFIG_PATH (finished runs with the same inputs are skipped)."""
    from personageo.config import load_config
    from personageo.pipeline import stages
    from personageo.train import checkpoint_id

    cfg = load_config(config_path, overrides)
    request = stages.TrainRequest(cfg, runs_dir or cfg.paths.runs, conditions, seeds,
                                  resume=not no_resume, overwrite=overwrite)
    try:
        plan = request.runs()
    except stages.UnknownSelectionError as err:  # a --condition the config does not have
        raise click.UsageError(err.message) from None
    if dry_run:
        rows = [{"condition": c, "seed": s, "checkpoint": checkpoint_id(c, s)} for c, s in plan]
        click.echo(json.dumps(rows, indent=2) if fmt == "json"
                   else "\n".join(f"{r['checkpoint']}" for r in rows))
        return
    from personageo.cli._progress import stage_progress

    results = []
    with stage_progress() as progress:
        runs = stages.train(request, progress=progress, log=progress.log)
    for res in runs:
        m = res.manifest
        if not m:  # non-zero ranks write nothing
            continue
        results.append({"checkpoint": m["checkpoint"], "skipped": res.skipped,
                        "dir": str(res.checkpoint_dir), "steps": m["optimizer_steps"],
                        "final_loss": (m["loss_curve"] or [{}])[-1].get("loss"),
                        "global_l2": m["weight_norms"]["global_l2"],
                        "dropped_zero_supervised": m["data"]["n_zero_supervised_dropped"]})
    from personageo.train.setup import shutdown_distributed

    shutdown_distributed()
    if fmt == "json":
        click.echo(json.dumps(results, indent=2))
    else:
        for r in results:
            state = "skipped (up to date)" if r["skipped"] else f"{r['steps']} steps"
            click.echo(f"{r['checkpoint']}: {state}, loss {r['final_loss']}, "
                       f"|dW| {r['global_l2']:.4g}, dropped {r['dropped_zero_supervised']} -> "
                       f"{r['dir']}")
    sys.stdout.flush()
