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


@pytest.mark.parametrize("cuts", [[6], [1, 2, 6], [4, 5, 6], [3, 6]])
def test_streamed_store_equals_the_one_pass_store(tmp_path, cuts):
    """Rows advanced in any ranges: the same vectors file, centroids, answers and manifest."""
    from personageo.extract._writer import StoreStream

    shape = (3, 2, 2, 5)
    arr = np.random.default_rng(len(cuts)).standard_normal(shape).astype(np.float32)
    answers = [{"persona": "p", "question_id": i, "answer": "y"} for i in range(6)]
    want = write_store(tmp_path / "one", arr, _manifest(shape), answers,
                       centroids=write_centroids)
    host = np.full(shape, np.nan, dtype=np.float32)  # filled only as rows become final
    flat, src = host.reshape(6, -1), arr.reshape(6, -1)
    stream = StoreStream(tmp_path / "s", host, _manifest(shape))
    lo = 0
    for hi in cuts:
        stream.advance(hi, lambda lo=lo, hi=hi: flat.__setitem__(slice(lo, hi), src[lo:hi]))
        lo = hi
    got = stream.finish(answers).result()
    assert got.vectors_sha256 == want.vectors_sha256
    for name in ("vectors.safetensors", "centroids.safetensors", "answers.jsonl"):
        assert (tmp_path / "s" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()
    assert not list((tmp_path / "s").glob(".*.tmp"))


def test_streamed_store_refuses_unfinished_rows_and_cleans_up_on_abort(tmp_path):
    from personageo.extract._writer import StoreStream

    shape = (2, 2, 1, 3)
    stream = StoreStream(tmp_path / "s", np.zeros(shape, np.float32), _manifest(shape))
    stream.advance(3)
    with pytest.raises(ValueError, match="only 3 of 4 items"):
        stream.finish()
    stream.abort()
    assert not list((tmp_path / "s").iterdir())
    bad = StoreStream(tmp_path / "b", np.zeros((2, 2, 1, 4), np.float32), _manifest(shape))
    bad.advance(4)
    with pytest.raises(ValueError, match="do not match the manifest"):
        bad.finish().result()
    assert not (tmp_path / "b" / "manifest.json").exists()
