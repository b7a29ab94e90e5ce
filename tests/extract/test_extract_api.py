"""extract_checkpoint end to end on a tiny random Qwen2: stores, manifest, cache, resume."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

import personageo.extract._context as ctx_mod
import personageo.extract._store as store
from personageo.activations import read_activations, read_answers
from personageo.config import load_config
from personageo.extract import extract_checkpoint

from .conftest import PERSONAS, QUESTIONS, write_experiment

METHODS = [{"id": "A", "token_rule": "last_prompt_token"},
           {"id": "Q", "token_rule": "last_question_token"},
           {"id": "B", "token_rule": "mean_answer_tokens"},
           {"id": "BC", "token_rule": "mean_answer_tokens_with_closing", "max_new_tokens": 6}]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _render(tok, persona, question):
    return tok.apply_chat_template([{"role": "system", "content": PERSONAS[persona]},
                                    {"role": "user", "content": question}],
                                   tokenize=False, add_generation_prompt=True)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    root = tmp_path_factory.mktemp("exp")
    cfg = load_config(write_experiment(root, methods=METHODS))
    results = extract_checkpoint(cfg, "base", root=root, out_root=root / "act")
    return cfg, root, results


def test_manifest_records_hashes_order_and_duplicates(extracted, tiny_model):
    cfg, root, results = extracted
    _, tok = tiny_model
    assert [r.store_dir.name for r in results] == ["A", "Q", "B", "BC"]
    assert not any(r.skipped for r in results)
    assert all(r.warnings == ["questions with identical text: 0, 3"] for r in results)
    rendered = [_render(tok, p, q) for p in PERSONAS for q in QUESTIONS]
    prompts_sha = hashlib.sha256(json.dumps(rendered, sort_keys=True, separators=(",", ":"))
                                 .encode()).hexdigest()
    for r in results:
        vec, m = read_activations(r.store_dir)
        assert vec.shape == (3, 5, 3, 64) and vec.dtype == np.float32
        assert m.checkpoint == "base" and m.layers == [0, 2, 3]
        assert m.layer_convention == "block_output_0idx"
        assert [(p.name, p.prompt_sha256) for p in m.personas] == \
            [(n, _sha(t)) for n, t in PERSONAS.items()]
        assert m.question_ids == [0, 1, 2, 3, 4]
        assert m.duplicate_questions == [[0, 3]]
        assert m.prompts_sha256 == prompts_sha
        assert m.chat_template_sha256 == _sha(tok.chat_template)
        assert m.questions_sha256 == hashlib.sha256(
            (root / "questions.jsonl").read_bytes()).hexdigest()
        assert m.vectors_sha256 == hashlib.sha256(
            (r.store_dir / "vectors.safetensors").read_bytes()).hexdigest()
        assert m.model["weights_sha256"].startswith("config:") and m.model["dtype"] == "float32"
        assert m.model["device"] in ("cpu", "cuda")  # the CUDA version only for a CUDA run
        assert (m.packages["cuda"] is None) == (m.model["device"] == "cpu")
        assert len(m.cache_key) == 64
        from safetensors.numpy import load_file
        cent = load_file(str(r.store_dir / "centroids.safetensors"))["centroids"]
        np.testing.assert_allclose(cent, vec.mean(axis=1), rtol=1e-5, atol=1e-8)
    methods = {r.store_dir.name: r.manifest for r in results}
    assert methods["A"].generation is None and methods["B"].generation["max_new_tokens"] == 6
    assert methods["B"].generation["answer_tokens"] == "generated_ids"
    assert methods["B"].answer_stats["n"] == 15
    assert len({m.cache_key for m in methods.values()}) == 4


def test_method_a_and_question_token_match_hidden_states(extracted, tiny_model):
    _, _, results = extracted
    model, tok = tiny_model
    text = _render(tok, "nurse", QUESTIONS[2])
    ids = tok(text, add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        hs = model(input_ids=torch.tensor([ids]), output_hidden_states=True).hidden_states
    vec_a, _ = read_activations(results[0].store_dir)
    vec_q, _ = read_activations(results[1].store_dir)
    q_end = len(tok(text[:text.index(QUESTIONS[2]) + len(QUESTIONS[2])],
                    add_special_tokens=False)["input_ids"]) - 1
    assert tok.decode([ids[q_end]]) == "?" and tok.decode([ids[-1]]) == "\n"
    for li, layer in enumerate([0, 2]):  # non-final blocks: hidden_states[L + 1]
        np.testing.assert_allclose(vec_a[1, 2, li], hs[layer + 1][0, -1].numpy(), atol=1e-5)
        np.testing.assert_allclose(vec_q[1, 2, li], hs[layer + 1][0, q_end].numpy(), atol=1e-5)


def test_method_b_keeps_generated_ids_and_means_answer_span(extracted, tiny_model):
    _, _, results = extracted
    model, tok = tiny_model
    answers = read_answers(results[2].store_dir)
    assert len(answers) == 15
    rec = answers[2 * 5 + 4]  # persona "poet", question 4
    assert (rec["persona"], rec["question_id"], rec["question"]) == ("poet", 4, QUESTIONS[4])
    prompt = tok(_render(tok, "poet", QUESTIONS[4]), add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        gen = model.generate(torch.tensor([prompt]), do_sample=False, max_new_tokens=6,
                             eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    new = gen[0, len(prompt):].tolist()
    expected = new[:new.index(tok.eos_token_id)] if tok.eos_token_id in new else new
    assert rec["answer_token_ids"] == expected
    assert rec["answer"] == tok.decode(expected, skip_special_tokens=True)
    closing = tok("<|im_end|>\n", add_special_tokens=False)["input_ids"]
    vec_b, _ = read_activations(results[2].store_dir)
    vec_c, _ = read_activations(results[3].store_dir)
    for vec, seq in ((vec_b, prompt + expected), (vec_c, prompt + expected + closing)):
        with torch.no_grad():
            hs = model(input_ids=torch.tensor([seq]), output_hidden_states=True).hidden_states
        span = hs[3][0, len(prompt):].mean(0).numpy()  # layer 2 -> hidden_states[3]
        np.testing.assert_allclose(vec[2, 4, 1], span, atol=1e-5)


def test_current_store_is_skipped_without_loading_a_model(extracted, monkeypatch):
    cfg, root, first = extracted

    def boom(*a, **k):
        raise AssertionError("the model must not be loaded for a current store")

    monkeypatch.setattr("personageo.modeling.load_model_and_tokenizer", boom)
    again = extract_checkpoint(cfg, "base", root=root, out_root=root / "act")
    assert all(r.skipped for r in again)
    assert [r.manifest.cache_key for r in again] == [r.manifest.cache_key for r in first]


def test_changed_layers_change_the_key(extracted):
    cfg, root, first = extracted
    changed = cfg.model_copy(update={"layers": [1]})
    out = extract_checkpoint(changed, "base", root=root, out_root=root / "act2", methods=["A"])
    assert not out[0].skipped and out[0].manifest.cache_key != first[0].manifest.cache_key


def test_killed_extraction_resumes_where_it_stopped(tmp_path, monkeypatch):
    import personageo.extract._forward as fwd

    cfg = load_config(write_experiment(tmp_path, methods=METHODS[2:3],
                                       extract={"engine": "transformers"}))
    ref = extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "ref")

    seen = {"gen": [], "fwd": []}
    real_gen, real_pooled = ctx_mod.iter_generate_transformers, fwd.iter_pooled

    def spy_gen(model, ids, *, indices, **kw):
        seen["gen"].append(list(indices))
        return real_gen(model, ids, indices=indices, **kw)

    def spy_pooled(model, items, sites, *, indices, **kw):
        seen["fwd"].append(list(indices))
        return real_pooled(model, items, sites, indices=indices, **kw)

    monkeypatch.setattr(ctx_mod, "iter_generate_transformers", spy_gen)
    monkeypatch.setattr(fwd, "iter_pooled", spy_pooled)

    def dying(real, when):
        calls = []

        def save(self, *args):
            calls.append(1)
            if len(calls) == when:
                raise KeyboardInterrupt("simulated kill")
            real(self, *args)
        return save

    # Run 1 dies during generation, after two batches of 4 answers were saved.
    monkeypatch.setattr(store.AnswerParts, "save", dying(store.AnswerParts.save, 3))
    with pytest.raises(KeyboardInterrupt):
        extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "act")
    monkeypatch.undo()
    monkeypatch.setattr(ctx_mod, "iter_generate_transformers", spy_gen)
    monkeypatch.setattr(fwd, "iter_pooled", spy_pooled)
    # Run 2 generates only the 7 missing answers, then dies after one forward batch.
    monkeypatch.setattr(store.PartStore, "save", dying(store.PartStore.save, 2))
    with pytest.raises(KeyboardInterrupt):
        extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "act")
    monkeypatch.undo()
    monkeypatch.setattr(ctx_mod, "iter_generate_transformers", spy_gen)
    monkeypatch.setattr(fwd, "iter_pooled", spy_pooled)
    assert not (tmp_path / "act/base/B/manifest.json").exists()
    assert len(list((tmp_path / "act/base/B/.partial").glob("part-*"))) == 1
    # Run 3 generates nothing and runs the forward pass over the 11 missing prompts.
    out = extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "act")

    assert [len(g) for g in seen["gen"]] == [15, 7]
    assert [len(f) for f in seen["fwd"]] == [15, 11]
    vec, m = read_activations(out[0].store_dir)
    ref_vec, ref_m = read_activations(ref[0].store_dir)
    np.testing.assert_allclose(vec, ref_vec, rtol=1e-5, atol=1e-6)
    assert m.cache_key == ref_m.cache_key
    assert read_answers(out[0].store_dir) == read_answers(ref[0].store_dir)
    assert not (tmp_path / "act/base/B/.partial").exists()
    assert not list((tmp_path / "act/base").glob(".answers-*"))


def test_non_base_checkpoint_needs_a_model(extracted):
    from personageo.errors import InputError

    cfg, root, _ = extracted
    with pytest.raises(InputError, match="needs a model directory"):
        extract_checkpoint(cfg, "lora-s42", root=root, out_root=root / "act")


def test_stale_store_loses_its_manifest_when_recomputation_starts(tmp_path, monkeypatch):
    cfg = load_config(write_experiment(tmp_path, extract={"part_every_s": 0}))
    extract_checkpoint(cfg, "base", root=tmp_path)
    assert (tmp_path / "activations/base/A/manifest.json").exists()

    def killed(self, idx, vec):
        raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(store.PartStore, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        extract_checkpoint(cfg.model_copy(update={"layers": [1]}), "base", root=tmp_path)
    # The old vectors no longer match the config; without a manifest nobody reads them.
    assert not (tmp_path / "activations/base/A/manifest.json").exists()


def test_bad_layer_fails_before_any_generation(tmp_path, monkeypatch):
    from personageo.errors import InputError

    cfg = load_config(write_experiment(tmp_path, methods=METHODS[2:3], layers=[0, 4]))
    monkeypatch.setattr(ctx_mod, "iter_generate_transformers",
                        lambda *a, **k: pytest.fail("generation must not start"))
    with pytest.raises(InputError, match=r"layer 4 is outside 0\.\.3"):
        extract_checkpoint(cfg, "base", root=tmp_path)


def test_fused_and_transformers_engines_write_equal_stores(extracted, tmp_path):
    cfg, root, fused = extracted
    plain_cfg = cfg.model_copy(update={"extract": cfg.extract.model_copy(
        update={"engine": "transformers"})})
    plain = extract_checkpoint(plain_cfg, "base", root=root, out_root=tmp_path / "plain")
    for f, p in zip(fused, plain, strict=True):
        vf, mf = read_activations(f.store_dir)
        vp, mp = read_activations(p.store_dir)
        assert (mf.model["engine"], mp.model["engine"]) == ("fused", "transformers")
        assert (f.timings["engine"], p.timings["engine"]) == ("fused", "transformers")
        np.testing.assert_allclose(vf, vp, rtol=1e-5, atol=1e-5, err_msg=mf.method)
        assert mf.cache_key == mp.cache_key and mf.token_rule == mp.token_rule
        if mf.generation:
            assert read_answers(f.store_dir) == read_answers(p.store_dir)


def test_engine_auto_falls_back_when_the_probe_fails(tmp_path, monkeypatch):
    from personageo.errors import InputError

    monkeypatch.setattr("personageo.extract._fused.probe_matches", lambda *a: "probe mismatch X")
    cfg = load_config(write_experiment(tmp_path))
    out = extract_checkpoint(cfg, "base", root=tmp_path)
    assert out[0].manifest.model["engine"] == "transformers"
    assert any("fused engine not used (probe mismatch X)" in w for w in out[0].warnings)
    forced = load_config(write_experiment(tmp_path / "f", extract={"engine": "fused"}))
    with pytest.raises(InputError, match="the fused engine cannot run this model"):
        extract_checkpoint(forced, "base", root=tmp_path / "f")


def test_fused_engine_resumes_from_its_parts(tmp_path, monkeypatch):
    import personageo.extract._fused_pool as fpool

    cfg = load_config(write_experiment(tmp_path, layers=[1, 3],
                                       extract={"part_every_s": 0, "batch_size": 4}))
    ref = extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "ref")
    real_save, saved = store.PartStore.save, []

    def dying(self, idx, vec):
        real_save(self, idx, vec)
        saved.append(list(idx))
        if len(saved) == 2:
            raise KeyboardInterrupt("simulated kill")

    monkeypatch.setattr(store.PartStore, "save", dying)
    with pytest.raises(KeyboardInterrupt):
        extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "act")
    monkeypatch.undo()
    seen = []
    real_pooled = fpool.fused_pooled

    def spy(*a, indices, **k):
        seen.append(sorted(indices))
        return real_pooled(*a, indices=indices, **k)

    monkeypatch.setattr(fpool, "fused_pooled", spy)
    out = extract_checkpoint(cfg, "base", root=tmp_path, out_root=tmp_path / "act")
    done = sorted(i for part in saved for i in part)
    assert seen == [sorted(set(range(15)) - set(done))] and 0 < len(done) < 15
    vec, _ = read_activations(out[0].store_dir)
    np.testing.assert_allclose(vec, read_activations(ref[0].store_dir)[0], rtol=1e-6,
                               atol=1e-6)
    assert not (tmp_path / "act/base/A/.partial").exists()
