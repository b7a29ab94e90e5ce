"""On-disk format of per-question activations: what ``extract`` writes and ``analyze`` reads.

One directory per (checkpoint, method)::

    <activations>/<checkpoint_id>/<method_id>/
        vectors.safetensors   tensor "vectors": float32 [personas, questions, layers, dim]
        manifest.json         ActivationManifest (order of personas/questions/layers, hashes)
        answers.jsonl         answer-based methods: one record per (persona, question)

``vectors[p, q, l]`` is the vector of persona ``manifest.personas[p]`` on question
``manifest.question_ids[q]`` at layer ``manifest.layers[l]`` (convention in the manifest).
Read with :func:`read_activations` (numpy; no torch needed). The store is complete only once
``manifest.json`` exists: it is written last, atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from personageo.errors import InputError, Location
from personageo.files import (
    atomic_write_bytes,
    atomic_write_text,
    dump_json,
    iter_jsonl,
    sha256_bytes,
)

FORMAT_VERSION = "1"
VECTORS = "vectors.safetensors"
MANIFEST = "manifest.json"
ANSWERS = "answers.jsonl"


class PersonaEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    prompt_sha256: str


class ActivationManifest(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    format_version: str = FORMAT_VERSION
    checkpoint: str
    """Checkpoint id (``base`` for the untrained model)."""
    method: str
    token_rule: str
    layers: list[int]
    layer_convention: str
    personas: list[PersonaEntry]
    question_ids: list[int | str]
    questions_sha256: str
    dim: int
    dtype: str = "float32"
    model: dict = Field(default_factory=dict)
    """name/path, weights_sha256, dtype used for the forward pass."""
    chat_template_sha256: str | None = None
    prompts_sha256: str | None = None
    """sha256 over the exact rendered prompts, in order."""
    generation: dict | None = None
    """Answer-based methods: backend, max_new_tokens, decoding."""
    answer_stats: dict | None = None
    """Answer-based methods: counts of answers by stop reason (``eos``/``length``), ``empty``
    answers and the mean answer length in tokens."""
    cache_key: str | None = None
    duplicate_questions: list[list[int | str]] = Field(default_factory=list)
    """Groups of question ids whose text is identical."""
    vectors_sha256: str | None = None
    personageo_version: str | None = None
    packages: dict[str, str | None] = Field(default_factory=dict)
    created_at: str | None = None


def write_activations(
    directory: str | Path,
    vectors: np.ndarray,
    manifest: ActivationManifest,
    answers: list[dict] | None = None,
) -> ActivationManifest:
    """Write a complete store atomically; returns the manifest with ``vectors_sha256`` set."""
    from safetensors.numpy import save

    d = Path(directory)
    arr = np.ascontiguousarray(vectors, dtype=np.float32)
    want = (len(manifest.personas), len(manifest.question_ids), len(manifest.layers),
            manifest.dim)
    if arr.shape != want:
        raise ValueError(f"vectors shape {arr.shape} does not match the manifest {want}")
    data = save({"vectors": arr})
    atomic_write_bytes(d / VECTORS, data)
    if answers is not None:
        lines = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers)
        atomic_write_text(d / ANSWERS, lines)
    manifest = manifest.model_copy(update={"vectors_sha256": sha256_bytes(data)})
    atomic_write_text(d / MANIFEST, dump_json(manifest.model_dump(mode="json")))
    return manifest


def read_manifest(directory: str | Path) -> ActivationManifest:
    p = Path(directory) / MANIFEST
    if not p.exists():
        raise InputError("no activation manifest (extraction missing or unfinished)",
                         Location(str(p)))
    try:
        return ActivationManifest.model_validate_json(p.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"invalid activation manifest: {exc}", Location(str(p))) from None


def read_activations(directory: str | Path) -> tuple[np.ndarray, ActivationManifest]:
    """Vectors ``[personas, questions, layers, dim]`` (float32) and their manifest."""
    from safetensors.numpy import load_file

    d = Path(directory)
    manifest = read_manifest(d)
    try:
        arr = load_file(str(d / VECTORS))["vectors"]
    except (FileNotFoundError, KeyError, OSError) as exc:
        raise InputError(f"cannot read vectors: {exc}", Location(str(d / VECTORS))) from None
    want = (len(manifest.personas), len(manifest.question_ids), len(manifest.layers),
            manifest.dim)
    if arr.shape != want:
        raise InputError(f"vectors have shape {arr.shape}, manifest says {want}",
                         Location(str(d / VECTORS)))
    return arr, manifest


def read_answers(directory: str | Path) -> list[dict]:
    p = Path(directory) / ANSWERS
    if not p.exists():
        return []
    return [obj for _line, _col, obj in iter_jsonl(p, "answers file")]


def store_dir(root: str | Path, checkpoint: str, method: str) -> Path:
    return Path(root) / checkpoint / method
