"""One checkpoint's extraction once a model is needed: engine choice, answers, vectors, stores.

The fused engine (``extract.engine: auto|fused``, :mod:`personageo.extract._fused`) computes a
method's vectors on the device in item order and streams each finished row range through one
pinned host buffer into the store while the next rows compute (:class:`StoreStream`);
answer-based methods get their vectors from generation itself, and their stores are written
while the other methods compute.
The transformers engine is the plain path (hooks, ``model.generate``, a second forward pass).
"""

from __future__ import annotations

import contextlib
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np

from personageo.activations import MANIFEST, ActivationManifest, PersonaEntry
from personageo.errors import InputError
from personageo.extract._generate import generate_vllm, iter_generate_transformers
from personageo.extract._layers import resolve_sites
from personageo.extract._store import AnswerParts, PartStore, write_centroids
from personageo.extract._tokens import Answer, pool_item
from personageo.extract._writer import HostCopy, write_store
from personageo.files import sha256_json, sha256_text

TRANSFORMERS_BATCH = 32
"""Sequences per batch of the transformers engine when ``extract.batch_size`` is unset."""


def _done(value) -> Future:
    fut: Future = Future()
    fut.set_result(value)
    return fut


class Context:
    """The state of one checkpoint's extraction (model, engine, timings, background writes)."""

    def __init__(self, config, checkpoint_id, spec, prompts, weights, out_root, resume,
                 progress, writer, versions) -> None:
        self.config, self.checkpoint_id, self.spec = config, checkpoint_id, spec
        self.prompts, self.weights, self.out_root = prompts, weights, out_root
        self.resume, self.progress = resume, progress or (lambda *a: None)
        self.writer, self.versions = writer, versions
        self.model = self.tokenizer = self.fused = None
        self.notes: list[str] = []
        self.timings: dict[str, dict] = {}
        self.load_timings: dict[str, float] = {}
        self._records: dict[int, tuple] = {}
        self._records_lock = threading.Lock()

    # -- model and engine -------------------------------------------------------------------------
    def load(self) -> None:
        if self.model is not None:
            return
        from personageo.extract._api import resolve_device
        from personageo.modeling import load_model_and_tokenizer

        s = self.config.extract
        t0 = time.perf_counter()
        self.model, self.tokenizer = load_model_and_tokenizer(
            self.spec, dtype=s.dtype, device=resolve_device(s.device))
        self.load_timings["load_s"] = time.perf_counter() - t0
        if s.engine != "transformers":
            from personageo.extract._fused import FusedUnsupported, fused_decoder

            t0 = time.perf_counter()
            try:
                self.fused = fused_decoder(self.model, compile=s.compile)
            except FusedUnsupported as exc:
                if s.engine == "fused":
                    raise InputError(f"the fused engine cannot run this model: {exc}",
                                     hint="set extract.engine: auto or transformers") from None
                self.notes.append(f"fused engine not used ({exc}); using transformers")
            self.load_timings["warmup_s"] = time.perf_counter() - t0
        if self.fused is None and s.grouped_attention == "always":
            from personageo.extract._attention import use_grouped_sdpa

            use_grouped_sdpa(self.model)

    @property
    def engine(self) -> str:
        return "fused" if self.fused is not None else "transformers"

    def sites(self):
        """Hook sites of the configured layers (validated against the loaded model)."""
        cfg = self.config
        return resolve_sites(cfg.layers, cfg.layer_convention,
                             self.model.config.num_hidden_layers)

    def _stops(self) -> list[int]:
        closing = self.prompts.closing_ids
        return sorted(set(closing[:1]) | {self.tokenizer.eos_token_id})

    # -- the plans --------------------------------------------------------------------------------
    def run(self, plans) -> list[ActivationManifest]:
        answers: dict[str, list[Answer]] = {}
        pooled: dict[str, tuple] = {}
        gen_dirs = []
        if not any(p.generation and p.generation["backend"] == "vllm" for p in plans):
            self.load()
            self.sites()  # a bad layer fails now, not after generating every answer
        groups: dict[str, list] = {}
        for p in plans:
            if p.generation:
                groups.setdefault(sha256_json(p.generation), []).append(p)
        for gid, group in groups.items():
            gen = group[0].generation
            gkey = sha256_json({"weights": self.weights, "prompt_ids": self.prompts.ids_sha256,
                                "generation": gen})
            parts = AnswerParts(self.out_root / self.checkpoint_id / f".answers-{gkey[:16]}",
                                resume=self.resume)
            if gen["backend"] != "vllm":
                self.load()
            if gen["backend"] != "vllm" and self.fused is not None:
                answers[gid] = self._answers_fused(gen, parts, group, pooled)
            else:
                answers[gid] = self._answers(gen, parts)
            gen_dirs.append(parts)
        self.load()
        # stores whose vectors were pooled while generating first: their writes then overlap
        # the forward passes of the other methods
        futures = {}
        for k in sorted(range(len(plans)), key=lambda k: plans[k].key not in pooled):
            p = plans[k]
            futures[k] = self._method(p, answers.get(sha256_json(p.generation)),
                                      pooled.get(p.key))
        out = [futures[k].result() for k in range(len(plans))]
        for parts in gen_dirs:
            parts.remove()
        return out

    def _answers(self, gen: dict, parts: AnswerParts) -> list[Answer]:
        ids = [p.ids for p in self.prompts.prompts]
        done = parts.load()
        todo = [i for i in range(len(ids)) if i not in done]
        stops = self.prompts.closing_ids[:1]
        s = self.config.extract
        if todo and gen["backend"] == "vllm":
            new = generate_vllm(self.spec["name"], [ids[i] for i in todo],
                                max_new_tokens=gen["max_new_tokens"], stop_ids=stops,
                                dtype=s.dtype, tensor_parallel_size=s.tensor_parallel_size)
            parts.save(todo, new)
            done.update(zip(todo, new, strict=True))
        elif todo:
            self.load()
            cache = "static" if s.cache_implementation == "static" else None
            with contextlib.ExitStack() as stack:
                if s.grouped_attention == "generation":
                    from personageo.extract._attention import grouped_sdpa_during

                    stack.enter_context(grouped_sdpa_during(self.model))
                for idx, new in iter_generate_transformers(
                        self.model, ids, indices=todo, max_new_tokens=gen["max_new_tokens"],
                        batch_size=s.generate_batch_size or s.batch_size or TRANSFORMERS_BATCH,
                        stop_ids=self._stops(), pad_id=self.tokenizer.pad_token_id,
                        cache_implementation=cache, compile=s.compile_generation):
                    parts.save(idx, new)
                    done.update(zip(idx, new, strict=True))
                    self.progress("generate", len(done), len(ids))
        return [done[i] for i in range(len(ids))]

    def _answers_fused(self, gen: dict, parts: AnswerParts, group, pooled: dict) -> list[Answer]:
        """Answers and, for every method of ``group``, the vectors pooled while generating."""
        import torch

        from personageo.extract._fused_generate import GenStats, fused_generate
        from personageo.extract._writer import reserve_pinned

        ids = [p.ids for p in self.prompts.prompts]
        done = parts.load()
        todo = [i for i in range(len(ids)) if i not in done]
        if not todo:
            return [done[i] for i in range(len(ids))]
        s, sites = self.config.extract, self.sites()
        rules = sorted({p.method.token_rule for p in group})
        bufs = {r: torch.zeros((len(ids), len(sites), self.fused.hidden), dtype=torch.float32,
                               device=self.fused.device) for r in rules}
        stats, computed, pending = GenStats(), set(), []
        t0 = time.perf_counter()
        for idx, new, vecs in fused_generate(
                self.fused, ids, indices=todo, max_new_tokens=gen["max_new_tokens"],
                stop_ids=self._stops(), closing=self.prompts.closing_ids, rules=rules,
                sites=sites, pad_id=self.tokenizer.pad_token_id, rows=s.generate_batch_size,
                cuda_graphs=s.cuda_graphs, stats=stats,
                while_busy=lambda: reserve_pinned(bufs[rules[0]].shape, len(rules))):
            pending.append(self.writer.submit(parts.save, idx, new))
            done.update(zip(idx, new, strict=True))
            target = torch.as_tensor(idx, device=self.fused.device)
            for r in rules:
                bufs[r][target] = vecs[r]
            computed.update(idx)
            self.progress("generate", len(done), len(ids))
        for f in pending:
            f.result()
        wall = time.perf_counter() - t0
        generated = sum(len(done[i].token_ids) + (done[i].stop == "eos") for i in todo)
        info = {"generate_s": wall, "prefill_s": stats.prefill_s, "decode_s": stats.decode_s,
                "decode_steps": stats.steps, "batches": stats.batches,
                "generated_tokens": generated, "tokens_per_s": generated / max(wall, 1e-9),
                "cuda_graphs": stats.cuda_graphs, "graph_error": stats.graph_error,
                "decode_attention": stats.attention}
        for p in group:
            pooled[p.key] = (bufs[p.method.token_rule], computed)
            self.timings.setdefault(p.method.id, {}).update(info)
        return [done[i] for i in range(len(ids))]

    # -- one method's vectors and store -----------------------------------------------------------
    def _method(self, plan, answers: list[Answer] | None, pre: tuple | None) -> Future:
        ps = self.prompts
        items = [pool_item(plan.method.token_rule, p, answers[i] if answers else None,
                           ps.closing_ids) for i, p in enumerate(ps.prompts)]
        (plan.directory / MANIFEST).unlink(missing_ok=True)  # a stale store is never "complete"
        parts = PartStore(plan.directory / ".partial", plan.key, resume=self.resume)
        timing = self.timings.setdefault(plan.method.id, {})
        if self.fused is None:
            flat = self._vectors_transformers(plan, items, parts, timing)
            vectors = flat.reshape(len(ps.personas), len(ps.question_ids), *flat.shape[1:])
            manifest = self._manifest(plan, vectors.shape[-1], answers)
            return _done(self._write(plan, vectors, manifest, answers, parts, timing))
        manifest = self._manifest(plan, self.fused.hidden, answers)
        return self._stream_fused(plan, items, parts, pre, timing, manifest,
                                  (lambda: self._records_of(answers)) if answers else None)

    def _vectors_transformers(self, plan, items, parts: PartStore, timing) -> np.ndarray:
        from personageo.extract._forward import iter_pooled

        done = parts.load()
        todo = [i for i in range(len(items)) if i not in done]
        t0 = time.perf_counter()
        for idx, vec in iter_pooled(self.model, items, self.sites(),
                                    batch_size=self.config.extract.batch_size or TRANSFORMERS_BATCH,
                                    pad_id=self.tokenizer.pad_token_id, indices=todo,
                                    early_exit=self.config.extract.early_exit):
            parts.save(idx, vec)
            done.update(zip(idx, vec, strict=True))
            self.progress(f"method {plan.method.id}", len(done), len(items))
        timing["forward_s"] = time.perf_counter() - t0
        return np.stack([done[i] for i in range(len(items))])

    def _stream_fused(self, plan, items, parts: PartStore, pre, timing, manifest,
                      records) -> Future:
        """Vectors on the fused engine, streamed into the store while they are computed.

        Items are computed in order (one persona's prompts after the other); whenever the
        items before some index are final, they are copied from the device into a pinned host
        buffer and written by the store's own thread (:class:`StoreStream`), so that only the
        last rows, the rename and the manifest are left once the device is done.
        """
        import torch

        from personageo.extract._fused_pool import fused_pooled
        from personageo.extract._writer import StoreStream

        ps, dev, sites = self.prompts, self.fused.device, self.sites()
        n = len(items)
        t0 = time.perf_counter()
        done = parts.load()
        if pre is not None:
            out, have = pre[0], set(pre[1])
        else:
            out = torch.zeros((n, len(sites), self.fused.hidden), dtype=torch.float32,
                              device=dev)
            have = set()
        old = sorted(i for i in done if i not in have)
        if old:
            out[torch.as_tensor(old, device=dev)] = torch.from_numpy(
                np.stack([done[i] for i in old])).to(dev)
        have.update(old)
        todo = [i for i in range(n) if i not in have]
        copier = HostCopy(out, (len(ps.personas), len(ps.question_ids), len(sites),
                                 self.fused.hidden))
        stream = StoreStream(plan.directory, copier.host, manifest)
        state = {"front": 0, "pending": [], "last": time.perf_counter(), "n": len(have)}

        def advance() -> None:
            f = state["front"]
            while f < n and f in have:
                f += 1
            if f > state["front"]:
                stream.advance(f, copier.after_queued(state["front"], f))
                state["front"] = f

        def on_batch(idx):
            have.update(idx)
            state["pending"] += idx
            state["n"] += len(idx)
            if time.perf_counter() - state["last"] >= self.config.extract.part_every_s:
                pend = state["pending"]
                parts.save(pend, out[torch.as_tensor(pend, device=dev)].cpu().numpy())
                state["pending"], state["last"] = [], time.perf_counter()
            advance()
            self.progress(f"method {plan.method.id}", state["n"], len(items))

        try:
            advance()  # rows already final (pooled while generating, or resumed)
            fused_pooled(self.fused, items, sites, pad_id=self.tokenizer.pad_token_id,
                         indices=todo, rows=self.config.extract.batch_size, out=out,
                         on_batch=on_batch)
            advance()
        except BaseException:
            stream.abort()
            raise
        _sync(dev)
        t1 = time.perf_counter()
        timing.update(forward_s=t1 - t0, computed=len(todo))

        def after() -> None:
            parts.remove()
            now = time.perf_counter()
            timing.update(copy_s=copier.seconds, store_tail_s=now - t1, method_s=now - t0,
                          **{k: round(v, 4) for k, v in stream.times.items()})

        return stream.finish(records, after=after)

    def _write(self, plan, vectors, manifest, answers, parts: PartStore, timing):
        t0 = time.perf_counter()
        written = write_store(plan.directory, vectors, manifest,
                              self._answer_records(answers) if answers else None,
                              centroids=write_centroids)
        parts.remove()
        timing["store_s"] = time.perf_counter() - t0
        return written

    def _records_of(self, answers: list[Answer]) -> list[dict]:
        """:meth:`_answer_records`, computed once per answer list (stores share it)."""
        with self._records_lock:
            key = id(answers)
            if key not in self._records:
                self._records[key] = (answers, self._answer_records(answers))
            return self._records[key][1]

    def _answer_records(self, answers: list[Answer]) -> list[dict]:
        return [{"persona": p.persona, "question_id": p.question_id, "question": p.question,
                 "answer": self.tokenizer.decode(a.token_ids, skip_special_tokens=True),
                 "answer_token_ids": a.token_ids, "stop": a.stop}
                for p, a in zip(self.prompts.prompts, answers, strict=True)]

    def _manifest(self, plan, dim: int, answers: list[Answer] | None) -> ActivationManifest:
        import datetime as _dt

        cfg, ps, spec = self.config, self.prompts, self.spec
        source = ("random_init" if spec.get("random_init") is not None
                  else "gguf" if spec.get("gguf") else "local" if Path(spec["name"]).is_dir()
                  else "hub")
        stats = None
        if answers:
            lengths = [len(a.token_ids) for a in answers]
            stats = {"n": len(answers), "eos": sum(a.stop == "eos" for a in answers),
                     "length": sum(a.stop == "length" for a in answers),
                     "empty": sum(n == 0 for n in lengths),
                     "mean_tokens": float(np.mean(lengths))}
        return ActivationManifest(
            checkpoint=self.checkpoint_id, method=plan.method.id,
            token_rule=plan.method.token_rule, layers=list(cfg.layers),
            layer_convention=cfg.layer_convention,
            personas=[PersonaEntry(name=n, prompt_sha256=sha256_text(ps.persona_prompts[n]))
                      for n in ps.personas],
            question_ids=list(ps.question_ids), questions_sha256=ps.questions_sha256 or "",
            dim=dim,
            model={"name": spec.get("name"), "source": source, "gguf": spec.get("gguf"),
                   "weights_sha256": self.weights, "dtype": cfg.extract.dtype,
                   "n_blocks": self.model.config.num_hidden_layers,
                   "attn_implementation": getattr(self.model.config, "_attn_implementation",
                                                  None),
                   "engine": self.engine, "device": _device_type(self.model)},
            chat_template_sha256=ps.chat_template_sha256, prompts_sha256=ps.sha256,
            generation=plan.generation, answer_stats=stats, cache_key=plan.key,
            duplicate_questions=ps.duplicate_questions,
            personageo_version=self.versions("personageo"),
            packages={**{k: self.versions(k) for k in ("torch", "transformers", "vllm")},
                      "cuda": _cuda_version(_device_type(self.model))},
            created_at=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        )


def _device_type(model) -> str | None:
    """``cpu``, ``cuda``, ... where the model's weights are (the run's backend, for provenance)."""
    try:
        return next(model.parameters()).device.type
    except (StopIteration, AttributeError):
        return None


def _cuda_version(device: str | None) -> str | None:
    """The CUDA version torch was built with, when the model ran on CUDA."""
    if device != "cuda":
        return None
    import torch

    return torch.version.cuda


def _sync(device) -> None:
    if device.type == "cuda":
        import torch

        torch.cuda.synchronize(device)

