"""Provenance of a run: versions, hardware, commit, timestamps — read, never guessed."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata as md
import platform
import subprocess
from pathlib import Path

from personageo import __version__
from personageo.schema import Hardware, Provenance, SourceFile

#: Packages whose versions every results file records (None = not installed here).
TRACKED_PACKAGES = (
    "numpy", "scipy", "statsmodels", "pydantic", "torch", "transformers", "deepspeed", "peft",
    "accelerate", "vllm", "safetensors",
)


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = None
    return out


def git_commit(cwd: str | Path = ".") -> str | None:
    """HEAD commit of the repository containing ``cwd`` (None outside a git repository)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def collect_provenance(
    *,
    stage: str,
    config_hash: str | None,
    started_at: str,
    wall_time_s: float | None,
    source_files: list[SourceFile],
    extraction_packages: dict[str, str | None] | None = None,
    extraction_devices: set[str | None] | None = None,
    cwd: str | Path = ".",
) -> Provenance:
    """Provenance for a file written now by ``stage``.

    Package versions of the GPU stages are taken from the extraction manifests when given
    (the analysis may run on another machine than the extraction); the analysis machine's
    own versions fill in the rest. ``extraction_devices`` (the device type each store's
    manifest records): when every one is ``cpu``, the run used no GPU (``hardware.gpus`` = [],
    which ``verify`` reads as a CPU run); otherwise the GPUs are left unrecorded.
    """
    packages = package_versions()
    if extraction_packages:
        packages.update({k: v for k, v in extraction_packages.items() if v is not None})
    cuda = packages.pop("cuda", None)
    return Provenance(
        produced_by=f"personageo {__version__} {stage}",
        git_commit=git_commit(cwd),
        personageo_version=__version__,
        python=platform.python_version(),
        packages=packages,
        cuda=cuda,
        hardware=Hardware(gpus=[] if extraction_devices and extraction_devices == {"cpu"}
                          else None, cpu=platform.processor() or platform.machine(),
                          hostname=platform.node() or None),
        started_at=started_at,
        finished_at=now_iso(),
        wall_time_s=wall_time_s,
        config_hash=config_hash,
        source_files=source_files,
    )
