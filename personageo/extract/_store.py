"""Resumable part files, cache keys and weight fingerprints of the activation stores.

A store in progress keeps its finished batches under ``<store>/.partial/`` (one safetensors file
per batch with the prompt indices and their vectors; ``key.json`` names the cache key they
belong to). A rerun with the same key reads them back and computes only the missing prompts;
another key discards them. Generated answers are kept the same way under
``<checkpoint dir>/.answers-<key>/`` (one JSONL file per batch), shared by every answer-based
method of the checkpoint.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from personageo.extract._tokens import Answer
from personageo.files import (
    atomic_write_bytes,
    atomic_write_text,
    read_json,
    sha256_file,
    sha256_json,
    sha256_text,
)

PARTIAL = ".partial"
CENTROIDS = "centroids.safetensors"
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth")


class PartStore:
    """Per-batch vector parts of one unfinished store, valid for one cache ``key``."""

    def __init__(self, directory: str | Path, key: str, *, resume: bool = True) -> None:
        self.dir = Path(directory)
        self.key = key
        keyfile = self.dir / "key.json"
        stale = keyfile.exists() and read_json(keyfile).get("cache_key") != key
        if self.dir.exists() and (stale or not resume):
            shutil.rmtree(self.dir)
        if not keyfile.exists():
            atomic_write_text(keyfile, json.dumps({"cache_key": key}) + "\n")

    def save(self, indices: list[int], vectors: np.ndarray) -> None:
        from safetensors.numpy import save

        data = save({"indices": np.asarray(indices, dtype=np.int64),
                     "vectors": np.ascontiguousarray(vectors, dtype=np.float32)})
        atomic_write_bytes(self.dir / f"part-{min(indices):07d}-{len(indices)}.safetensors", data)

    def load(self) -> dict[int, np.ndarray]:
        """Vectors ``[layers, dim]`` of every finished prompt index."""
        from safetensors.numpy import load_file

        out: dict[int, np.ndarray] = {}
        for f in sorted(self.dir.glob("part-*.safetensors")):
            part = load_file(str(f))
            for i, v in zip(part["indices"].tolist(), part["vectors"], strict=True):
                out[int(i)] = v
        return out

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class AnswerParts:
    """Per-batch generated answers of one checkpoint, valid for one generation key."""

    def __init__(self, directory: str | Path, *, resume: bool = True) -> None:
        self.dir = Path(directory)
        if self.dir.exists() and not resume:
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, indices: list[int], answers: list[Answer]) -> None:
        lines = "".join(json.dumps({"index": i, "token_ids": a.token_ids, "stop": a.stop}) + "\n"
                        for i, a in zip(indices, answers, strict=True))
        atomic_write_text(self.dir / f"part-{min(indices):07d}-{len(indices)}.jsonl", lines)

    def load(self) -> dict[int, Answer]:
        out: dict[int, Answer] = {}
        for f in sorted(self.dir.glob("part-*.jsonl")):
            for line in f.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                out[int(rec["index"])] = Answer(list(rec["token_ids"]), rec["stop"])
        return out

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def write_centroids(directory: str | Path, vectors: np.ndarray) -> Path:
    """``centroids`` [personas, layers, dim]: the plain mean over questions (no centering)."""
    from safetensors.numpy import save

    cent = np.ascontiguousarray(vectors.mean(axis=1, dtype=np.float64), dtype=np.float32)
    return atomic_write_bytes(Path(directory) / CENTROIDS, save({"centroids": cent}))


def _file_sha256_cached(path: Path, cache_file: Path | None) -> str:
    """sha256 of a file, remembered by (path, size, mtime) in ``cache_file`` when given."""
    st = path.stat()
    ident = f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    cache = {}
    if cache_file is not None and cache_file.exists():
        try:
            cache = json.loads(cache_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            cache = {}
    if ident in cache:
        return cache[ident]
    digest = sha256_file(path)
    if cache_file is not None:
        cache[ident] = digest
        atomic_write_text(cache_file, json.dumps(cache, indent=1) + "\n")
    return digest


def weights_fingerprint(spec: dict, cache_file: Path | None = None) -> str:
    """A content hash of the weights ``spec`` names, computable without loading the model.

    Random-init models hash their config (seed included); a GGUF file or a checkpoint directory
    hashes its weight files (plus ``config.json``); a hub id without local files hashes the name
    and revision.
    """
    from personageo.modeling import resolve_gguf

    if spec.get("random_init") is not None:
        return "config:" + sha256_json(spec["random_init"])
    if spec.get("gguf"):
        return sha256_text("gguf:" + _file_sha256_cached(resolve_gguf(spec["gguf"]), cache_file))
    path = Path(spec["name"])
    if path.is_dir():
        files = sorted(f for f in path.rglob("*")
                       if f.is_file() and (f.suffix in _WEIGHT_SUFFIXES or f.name == "config.json"))
        return sha256_json({str(f.relative_to(path)): _file_sha256_cached(f, cache_file)
                            for f in files})
    return "hub:" + sha256_text(f"{spec['name']}@{spec.get('revision')}")
