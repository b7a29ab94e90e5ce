"""Stage stamps: a stage is current when its inputs hash and its outputs' hashes are unchanged.

A stamp ``<root>/.personageo/stamps/<stage>.json`` records the inputs hash the stage last ran on
and the sha256 of every output file it wrote. Deleting or editing an output makes the stage
stale; so does any change of its inputs.
"""

from __future__ import annotations

import json
from pathlib import Path

from personageo.files import atomic_write_json, sha256_file

STAMP_DIR = Path(".personageo") / "stamps"


def stamp_path(root: Path, stage: str) -> Path:
    return root / STAMP_DIR / f"{stage}.json"


def is_current(root: Path, stage: str, inputs_hash: str) -> bool:
    p = stamp_path(root, stage)
    if not p.exists():
        return False
    try:
        stamp = json.loads(p.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if stamp.get("inputs") != inputs_hash:
        return False
    for rel, digest in stamp.get("outputs", {}).items():
        out = root / rel
        if not out.is_file() or sha256_file(out) != digest:
            return False
    return True


def write_stamp(root: Path, stage: str, inputs_hash: str, outputs: list[Path]) -> None:
    rel = {}
    for out in outputs:
        out = Path(out)
        key = str(out.resolve().relative_to(root.resolve())) if out.is_absolute() else str(out)
        rel[key] = sha256_file(root / key)
    atomic_write_json(stamp_path(root, stage), {"inputs": inputs_hash, "outputs": rel})
