"""``personageo analyze CONFIG``: activations + config -> validated run_result.json."""

from __future__ import annotations

import time
from pathlib import Path

import click

from personageo.cli._options import set_option
from personageo.files import inside_root, read_json
from personageo.schema import save_run_result


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
    from personageo.analysis import analyze, default_results_path
    from personageo.config import load_config
    from personageo.errors import InputError, Location

    cfg = load_config(config, overrides)
    out = Path(output) if output else inside_root(root, default_results_path(cfg),
                                                  "paths.results (or experiment id/issue)")
    run = analyze(cfg, root=root, activations=activations, runs=runs, config_path=config,
                  progress=lambda msg: click.echo(msg, err=True))
    if out.exists() and not overwrite:
        old = read_json(out)
        new = run.model_dump(mode="json")
        for volatile in ("started_at", "finished_at", "wall_time_s"):
            old.get("provenance", {}).pop(volatile, None)
            new["provenance"].pop(volatile, None)
        if old != new:
            raise InputError("results file exists with different content", Location(str(out)),
                             hint="pass --overwrite to replace it")
    t_write = time.perf_counter()
    save_run_result(run, out)
    click.echo(f"timings: write {time.perf_counter() - t_write:.2f} s", err=True)
    for line in level_warnings(run) + base_warnings(run):
        click.echo(f"warning: {line}", err=True)
    n_sig = sum(c.significant for c in run.cells)
    click.echo(f"wrote {out}: {len(run.measurements)} measurements, {len(run.cells)} cells "
               f"({n_sig} significant), {len(run.comparisons)} comparisons, "
               f"{len(run.verdicts)} verdicts", err=True)


def level_warnings(run) -> list[str]:
    """Warnings about tests that cannot, or do not, hold their level (also checked by verify:
    V106, V206)."""
    from personageo.stats import unreachable_alpha

    out = []
    cells = {c.id: c for c in run.cells}
    for fam in run.families:
        tests = [cells[m].test for m in fam.members if m in cells]
        why = unreachable_alpha(tests, fam.correction, fam.alpha, fam.reject_rule)
        if why:
            out.append(f"family {fam.id!r}: {why}")
    pair = sum(c.test.kind == "pair_signflip" for c in run.cells)
    if pair:
        out.append(f"{pair} cells rely on the pair sign-flip test, which does not hold its level "
                   "(its pairs share personas); it is here only to reproduce the original")
    return out


def base_warnings(run) -> list[str]:
    """A warning when ratios divide baseline deltas from another file measured from a base that
    is not (or not known to be) this run's (``same_base`` false or null)."""
    ext = [c for c in run.comparisons if c.baseline.source is not None]
    mixed = sum(c.same_base is False for c in ext)
    unknown = sum(c.same_base is None for c in ext)
    if not mixed and not unknown:
        return []
    src = ext[0].baseline.source
    return [f"{mixed} comparisons mix two base extractions and {unknown} use a baseline base not "
            f"known to be this run's (same_base false / null); `personageo verify RESULTS "
            f"--baseline {src}` recounts ratios and verdicts on a common base (or give "
            "baseline.activations to measure the baseline here)"]
