"""Stored activations + experiment config -> a validated :class:`RunResult`.

Steps: duplicated questions merged into one; one M1 measurement (with its cross-fitted value and
question-bootstrap interval) per (checkpoint, method, layer); one tested cell per (trained
checkpoint, method, layer) with its permutation test against the base model and the interval of
its delta; one family per metric corrected together; comparisons of each treatment cell with its
baseline's cell, seed aggregates and verdicts (:mod:`personageo.analysis._compare`); weight-delta
norms and sample answers for the write-up.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from personageo.activations import read_activations, read_answers, store_dir
from personageo.analysis import _compare
from personageo.analysis._design import build_design, read_train_manifest
from personageo.analysis._provenance import collect_provenance, now_iso
from personageo.analysis._uncertainty import Bootstrap, stream_seed
from personageo.config import BASE_CHECKPOINT, ExperimentConfig
from personageo.errors import InputError, Location
from personageo.inputs import (
    load_personas,
    load_questions,
    select_personas,
    select_questions,
)
from personageo.schema import (
    Experiment,
    Family,
    Measurement,
    PermutationTest,
    QuestionMerge,
    RunResult,
    Sample,
    SourceFile,
    SourceIssue,
    TestedCell,
    WeightNorm,
)
from personageo.stats import (
    adjust_pvalues,
    centroids,
    cosine_matrix,
    cross_fitted_m1,
    get_metric,
    merge_duplicate_questions,
    offdiag,
    pair_signflip_test,
    persona_test,
    question_test,
    reject,
    warm_up,
)

SAMPLES_PER_CHECKPOINT = 2


class StageClock:
    """Seconds spent in each stage of :func:`analyze`, reported through its ``progress``."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._last = time.perf_counter()
        self._inner = 0.0

    def part(self, stage: str, seconds: float) -> None:
        """Charge ``seconds`` measured inside the current lap to ``stage``."""
        self.spent[stage] = self.spent.get(stage, 0.0) + seconds
        self._inner += seconds

    def lap(self, stage: str) -> None:
        """Charge the time since the previous lap (less its parts) to ``stage``."""
        now = time.perf_counter()
        self.spent[stage] = self.spent.get(stage, 0.0) + (now - self._last - self._inner)
        self._last, self._inner = now, 0.0

    def line(self) -> str:
        return "timings: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.spent.items())


@dataclass
class _Store:
    layers: list[np.ndarray]  # one contiguous [P, Q, D] array per layer of the config
    manifest: object
    path: Path


def _load_store(root: Path, checkpoint: str, method: str, cfg: ExperimentConfig,
                personas: list[str]) -> _Store:
    d = store_dir(root, checkpoint, method)
    vectors, manifest = read_activations(d)
    names = [p.name for p in manifest.personas]
    if names != personas:
        raise InputError(f"activation personas {names} differ from the config's {personas}",
                         Location(str(d / "manifest.json"), pointer="/personas"))
    missing = [layer for layer in cfg.layers if layer not in manifest.layers]
    if missing:
        raise InputError(f"layers {missing} were not extracted",
                         Location(str(d / "manifest.json"), pointer="/layers"))
    if manifest.layer_convention != cfg.layer_convention:
        raise InputError(f"layer convention {manifest.layer_convention!r} differs from the "
                         f"config's {cfg.layer_convention!r}",
                         Location(str(d / "manifest.json"), pointer="/layer_convention"))
    # contiguous per layer: every test, bootstrap and transfer to a GPU reads one block
    return _Store([np.ascontiguousarray(vectors[:, :, manifest.layers.index(layer), :])
                   for layer in cfg.layers], manifest, d)


def _external_stores(cfg: ExperimentConfig, root: Path, external, methods: list[str],
                     names: list[str], stores: dict) -> dict:
    """The baseline run's post stores (``baseline.activations``), keyed like ``stores`` by
    (``external:<checkpoint>``, method); each must hold this run's question ids."""
    if external is None or not cfg.baseline.activations:
        return {}
    act_root = root / cfg.baseline.activations
    ids = list(stores[(BASE_CHECKPOINT, methods[0])].manifest.question_ids)
    out = {}
    for ck in _compare.external_post_checkpoints(cfg, external):
        for m in methods:
            st = _load_store(act_root, ck, m, cfg, names)
            if list(st.manifest.question_ids) != ids:
                raise InputError("the baseline's activations hold other questions than this "
                                 "run's (a joint bootstrap needs the same questions)",
                                 Location(str(st.path / "manifest.json"), pointer="/question_ids"))
            out[(_compare.EXTERNAL + ck, m)] = st
    return out


def _merge_duplicates(stores: dict, groups: list) -> list[QuestionMerge]:
    """Merge duplicated questions in every store (in place); the merges, for the results."""
    merges: list[QuestionMerge] = []
    for st in stores.values():
        ids = list(st.manifest.question_ids)
        present = [[q for q in g if q in ids] for g in groups]
        groups_here, done = [g for g in present if len(g) > 1], []
        for li, vectors in enumerate(st.layers):
            st.layers[li], _, done = merge_duplicate_questions(vectors, ids, groups_here)
        merges = [QuestionMerge(kept=k, ids=g) for k, g in done]
    return merges


def _run_test(cfg: ExperimentConfig, base: np.ndarray, post: np.ndarray, cell_seed: int):
    """Permutation test of one cell; ``base``/``post`` are [P, Q, D] per-question vectors."""
    a = cfg.analysis
    if a.exact_reproduction or a.test == "pair_signflip":
        bc, pc = centroids(base), centroids(post)
        return pair_signflip_test(offdiag(cosine_matrix(bc)), offdiag(cosine_matrix(pc)),
                                  n_perm=a.n_perm, alternative=a.alternative,
                                  seed=a.seed if a.exact_reproduction else cell_seed,
                                  legacy=a.exact_reproduction)
    if a.test == "persona":
        return persona_test(centroids(base), centroids(post), n_perm=a.n_perm,
                            alternative=a.alternative, seed=cell_seed)
    return question_test(base, post, n_perm=a.n_perm, alternative=a.alternative, seed=cell_seed)


def analyze(cfg: ExperimentConfig, *, root: str | Path = ".", activations: str | Path | None = None,
            runs: str | Path | None = None, config_path: str | None = None,
            progress=None) -> RunResult:
    """Compute the run result of ``cfg`` from stored activations under ``activations``."""
    t0, started = time.perf_counter(), now_iso()
    clock = StageClock()
    root = Path(root)
    act_root = Path(activations) if activations else root / cfg.paths.activations
    runs_root = Path(runs) if runs else root / cfg.paths.runs
    personas = select_personas(load_personas(root / cfg.personas), cfg.subset.personas,
                               str(root / cfg.personas))
    questions = select_questions(load_questions(root / cfg.questions), cfg.subset.questions)
    names = list(personas)
    metric = get_metric(cfg.analysis.metric)
    checkpoints = cfg.checkpoints()
    methods = [m.id for m in cfg.methods]

    stores = {(ck.id, m): _load_store(act_root, ck.id, m, cfg, names)
              for ck in checkpoints for m in methods}
    manifests = {ck.id: read_train_manifest(runs_root, ck.id) for ck in checkpoints}
    a = cfg.analysis
    external = _compare.load_external(cfg, root)
    ext_stores = _external_stores(cfg, root, external, methods, names, stores)
    merges = []
    if a.merge_duplicate_questions and not a.exact_reproduction:
        merges = _merge_duplicates({**stores, **ext_stores}, questions.duplicates())

    clock.lap("load")
    boot = Bootstrap(a.intervals.n_resamples, a.intervals.level, a.seed)
    if boot.device:  # torch import and CUDA context: once per process, timed on their own
        warm_up(boot.device)
        clock.lap("gpu_init")
    if metric.id == "M1":
        for m in methods:
            for li, layer in enumerate(cfg.layers):
                boot.add_block(m, layer, {**{ck.id: stores[(ck.id, m)].layers[li]
                                             for ck in checkpoints},
                                          **{ck: st.layers[li] for (ck, mm), st
                                             in ext_stores.items() if mm == m}})
    clock.lap("bootstrap")
    measurements: list[Measurement] = []
    meas_id: dict[tuple[str, str, int], str] = {}
    for (ck, m), st in stores.items():
        for li, layer in enumerate(cfg.layers):
            mid = f"{ck}/{m}/L{layer}/{metric.id}"
            c = centroids(st.layers[li])
            measurements.append(Measurement(
                id=mid, checkpoint=ck, method=m, layer=layer, metric=metric.id,
                value=float(metric.fn(c)), n_personas=len(names),
                n_pairs=len(names) * (len(names) - 1) // 2, n_questions=st.layers[li].shape[1],
                inputs_sha256=st.manifest.vectors_sha256, ci=boot.ci(boot.m1(ck, m, layer)),
                cross_fitted=(cross_fitted_m1(st.layers[li])
                              if metric.id == "M1" and st.layers[li].shape[1] > 1 else None)))
            meas_id[(ck, m, layer)] = mid
    values = {x.id: x.value for x in measurements}
    crossfit = {x.id: x.cross_fitted for x in measurements}

    clock.lap("measurements")
    cells: list[TestedCell] = []
    by_key: dict[tuple[str, str, int], TestedCell] = {}
    raw: list[tuple[str, object]] = []
    trained = [ck for ck in checkpoints if ck.id != BASE_CHECKPOINT]
    for ck in trained:
        for m in methods:
            for li, layer in enumerate(cfg.layers):
                cid = f"{metric.id}_{m}_L{layer}_{ck.id}"
                base_v = stores[(BASE_CHECKPOINT, m)].layers[li]
                post_v = stores[(ck.id, m)].layers[li]
                t_test = time.perf_counter()
                res = _run_test(cfg, base_v, post_v, stream_seed(cfg.analysis.seed, cid))
                clock.part("test", time.perf_counter() - t_test)
                raw.append((cid, res))
                b, p = meas_id[(BASE_CHECKPOINT, m, layer)], meas_id[(ck.id, m, layer)]
                xf = (None if crossfit[p] is None or crossfit[b] is None
                      else crossfit[p] - crossfit[b])
                cells.append(TestedCell(
                    id=cid, condition=ck.condition, method=m, layer=layer, metric=metric.id,
                    base=b, post=p, delta=values[p] - values[b],
                    test=PermutationTest(kind=res.kind, alternative=res.alternative,
                                         n_perm=res.n_perm, seed=res.seed, b=res.b, p=res.p,
                                         p_convention=res.p_convention,
                                         reseeded_per_cell=res.reseeded_per_cell,
                                         exact=res.exact),
                    p_adjusted=res.p, family=metric.id, significant=False,
                    ci=boot.ci(boot.delta(ck.id, BASE_CHECKPOINT, m, layer)),
                    cross_fitted_delta=xf))
                by_key[(ck.id, m, layer)] = cells[-1]
            if progress:
                progress(f"tested {ck.id} / {m}")

    clock.lap("cells")
    fam = Family(id=metric.id, correction=cfg.analysis.correction, alpha=cfg.analysis.alpha,
                 reject_rule="lt" if cfg.analysis.exact_reproduction else "le",
                 members=[c.id for c in cells])
    if cells:
        p_adj = adjust_pvalues(np.array([c.test.p for c in cells]), fam.correction)
        sig = reject(p_adj, fam.alpha, fam.reject_rule)
        for c, pa, s in zip(cells, p_adj, sig, strict=True):
            c.p_adjusted = float(min(1.0, max(pa, c.test.p)))
            c.significant = bool(s)

    clock.lap("correction")  # mostly importing statsmodels, once per process
    ctx = _compare.Context(
        cfg=cfg, root=root, methods=methods, trained=trained, by_key=by_key, values=values,
        vectors=lambda ck, m, layer: ({**stores, **ext_stores})[(ck, m)].layers[
            cfg.layers.index(layer)],
        boot=boot, external=external,
        external_checkpoints={ck for ck, _ in ext_stores})
    comparisons = _compare.comparisons(ctx)
    aggregates = _compare.aggregates(ctx)
    verdicts = _compare.verdicts(ctx, comparisons, aggregates)
    clock.lap("compare")
    weight_norms = [WeightNorm(checkpoint=ck, global_l2=man["weight_norms"]["global_l2"],
                               per_block={int(k): v for k, v in
                                          man["weight_norms"].get("per_block", {}).items()},
                               dtype="float32", scope=man["weight_norms"].get("scope"))
                    for ck, man in manifests.items() if man and man.get("weight_norms")]
    samples = _samples(stores, trained, personas, questions)

    ext_packages = {}
    for st in stores.values():
        ext_packages.update(getattr(st.manifest, "packages", {}) or {})
    devices = {(getattr(st.manifest, "model", None) or {}).get("device") for st in stores.values()}
    sources = [SourceFile(path=str(cfg.personas), role="personas"),
               SourceFile(path=str(cfg.questions), sha256=questions.sha256, role="questions")]
    if config_path:
        sources.insert(0, SourceFile(path=str(config_path), role="config"))
    if cfg.baseline:
        sources.append(SourceFile(path=cfg.baseline.results, role="baseline_results"))
    design = build_design(cfg, personas, questions, manifests,
                          {m.id: (stores[(BASE_CHECKPOINT, m.id)].manifest.generation)
                           for m in cfg.methods})
    design.questions.merged = merges
    src_issues = []
    if cfg.baseline and cfg.baseline.source_issue:
        src_issues.append(SourceIssue(number=cfg.baseline.source_issue,
                                      role="supplies the baseline deltas"))
    clock.lap("rest")
    if progress:
        progress(clock.line())
    return RunResult(
        experiment=Experiment(id=cfg.experiment.id, issue=cfg.experiment.issue,
                              title=cfg.experiment.title, source_issues=src_issues),
        provenance=collect_provenance(stage="analyze", config_hash=cfg.config_hash(),
                                      started_at=started,
                                      wall_time_s=round(time.perf_counter() - t0, 3),
                                      source_files=sources, extraction_packages=ext_packages,
                                      extraction_devices=devices,
                                      cwd=root),
        design=design, measurements=measurements, families=[fam] if cells else [],
        cells=cells, comparisons=comparisons, verdicts=verdicts, weight_norms=weight_norms,
        aggregates=aggregates, samples=samples, intervals=boot.spec())


def _samples(stores, trained, personas, questions) -> list[Sample]:
    """A few answers per final checkpoint, chosen deterministically by a hash order."""
    text = {q.id: q.text for q in questions.questions}
    out = []
    finals = [ck for ck in trained if ck.step is None]
    for i, ck in enumerate(finals):
        for (ck_id, m), st in stores.items():
            if ck_id != ck.id:
                continue
            answers = read_answers(st.path)
            ranked = sorted(answers, key=lambda a: hashlib.sha256(
                f"{a.get('persona')}|{a.get('question_id')}".encode()).hexdigest())
            start = (i * SAMPLES_PER_CHECKPOINT) % max(1, len(ranked))  # other pairs per model
            for a in (ranked[start:] + ranked[:start])[:SAMPLES_PER_CHECKPOINT]:
                qid = a.get("question_id")
                out.append(Sample(checkpoint=ck.id, method=m, persona=a["persona"],
                                  question=a.get("question") or text.get(qid, ""),
                                  answer=a.get("answer"), question_id=qid))
    return out
