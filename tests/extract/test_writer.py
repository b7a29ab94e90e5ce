"""The one-pass store writer writes what safetensors and write_activations would."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from safetensors.numpy import save

from personageo.activations import ActivationManifest, PersonaEntry, read_activations
from personageo.extract._store import write_centroids
from personageo.extract._writer import write_store, write_vectors


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 1, 1, 1), (3, 7, 2, 33)])
def test_vectors_file_is_byte_identical_to_safetensors(tmp_path, shape):
    arr = np.random.default_rng(len(shape)).standard_normal(shape).astype(np.float32)
    digest = write_vectors(tmp_path / "v.safetensors", arr)
    data = (tmp_path / "v.safetensors").read_bytes()
    assert data == save({"vectors": arr})
    assert digest == hashlib.sha256(data).hexdigest()
    assert not list(tmp_path.glob(".*.tmp"))


def _manifest(shape) -> ActivationManifest:
    p, q, layers, dim = shape
    return ActivationManifest(
        checkpoint="base", method="A", token_rule="last_prompt_token",
        layers=list(range(layers)), layer_convention="block_output_0idx",
        personas=[PersonaEntry(name=f"p{i}", prompt_sha256="0" * 64) for i in range(p)],
        question_ids=list(range(q)), questions_sha256="1" * 64, dim=dim)


def test_store_round_trips_with_centroids_answers_and_manifest_last(tmp_path):
    shape = (2, 3, 2, 8)
    arr = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    answers = [{"persona": "p0", "question_id": i, "answer": "x"} for i in range(6)]
    with ThreadPoolExecutor(max_workers=1) as writer:
        written = writer.submit(write_store, tmp_path / "s", arr, _manifest(shape), answers,
                                centroids=write_centroids).result()
    vec, manifest = read_activations(tmp_path / "s")
    np.testing.assert_array_equal(vec, arr)
    assert manifest == written
    assert manifest.vectors_sha256 == hashlib.sha256(
        (tmp_path / "s/vectors.safetensors").read_bytes()).hexdigest()
    from safetensors.numpy import load_file

    cent = load_file(str(tmp_path / "s/centroids.safetensors"))["centroids"]
    np.testing.assert_allclose(cent, arr.astype(np.float64).mean(axis=1), rtol=1e-6)
    assert (tmp_path / "s/answers.jsonl").read_text().count("\n") == 6


def test_shape_mismatch_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="does not match the manifest"):
        write_store(tmp_path / "s", np.zeros((2, 3, 2, 7), np.float32), _manifest((2, 3, 2, 8)))
    assert not (tmp_path / "s/manifest.json").exists()
