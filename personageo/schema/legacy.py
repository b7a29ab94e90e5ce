"""Lossless import of the two legacy results layouts into schema v1.

Two layouts exist (see ``pipeline.md`` section 6): the issue-238 layout (``base_m1``,
``full_param_conditions``, ``results`` with ``post_mean`` cells and ``cross_*_vs_lora`` entries,
``delta_ratios``, ``hypothesis_verdicts``, ``weight_delta_norms``) and the issue-205 layout
(``em_conditions``, ``results`` with ``em_mean``, ``ci_95``, ``p_holm``, M1/M2/M3 cells, behavioral
records, H1/H2/H3 entries). :func:`detect_layout` tells them apart from their keys.

Rules the import follows
------------------------
* **Never invent.** A value the legacy file does not record is ``None`` (or the schema's
  ``"unknown"``) and its dotted field name is listed in ``provenance.unknown``.
* **Documented, not recorded.** A few facts about *how* the original code ran are needed to
  re-check the recorded numbers and are documented in ``pipeline.md``, not in the file. They are
  filled in and each is listed, with its source, in ``provenance.documented``:

  - ``cells.test.p_convention = "b_over_n"``: p = count / n_perm (pipeline.md section 4); the
    files hold p = 0, impossible under (b+1)/(n+1).
  - ``cells.test.b = p * n_perm``, only where that product is an integer that gives back p
    exactly.
  - ``cells.test.kind = "pair_signflip"`` for M1 pre/post cells (section 4, both issues);
    ``"unknown"`` for M2, M3 and em-vs-benign cells.
  - ``cells.test.seed`` = the top-level ``seed`` (unscoped in the file; section 4 re-seeds
    with 42 per cell); ``reseeded_per_cell = True`` for issue 238 only (section 4).
  - ``families.correction = "bh_running_max"``: the keys say ``p_bh_fdr``; section 4 documents
    the running-max variant, and issue 205's ``p_bh_fdr`` values match it exactly while standard
    BH differs (e.g. 0.000121951 vs 0.000119048). Issue 238's p are all 0, which both variants
    map to 0. ``reject_rule = "lt"`` (section 4: ``sig = p_bh < alpha``).
  - issue 238 verdicts: thresholds 0.5 / 1.5 / 3 votes and voting comparisons = the lr 2e-5
    ratios (section 5). The recorded ``h1_layers`` / ``h3_layers`` counts agree with the lr 2e-5
    ratios; the lr 1e-4 ratios happen to give the same counts, so the data cannot confirm it.
  - issue 238 training seeds and checkpoint seeds = the top-level ``seed``.

* **Not filled although documented**: test sidedness (``alternative``: section 4 says one-sided
  for 238, two-sided for 205 LoRA cells), layer convention, method token rules, steps, LoRA
  hyper-parameters, weight-norm dtype/scope. They stay ``None``/``"unknown"`` so ``verify``
  reports them as missing provenance.
* **Lossless.** Every legacy number is kept: mapped into records, in a record's ``extra``
  (``ci_95``, ``p_holm``/``sig_holm``, the ``cross_*`` duplicates of each ratio, verdict
  descriptions) or verbatim in the top-level ``legacy`` block (issue 205's behavioral, H1-H3,
  ``paired_filter_n_effective``, ``cos_to_assistant``; issue 238's ``lora_deltas_from_205`` and
  ``timestamp``). Legacy keys are kept as record ids (cells ``M1_A_L7_full_em_lr2e5``,
  comparisons ``cross_A_L7_full_em_lr2e5_vs_lora``, verdicts ``verdict_A_em``).

Ids: measurements ``{checkpoint}/{method}/L{layer}/{metric}`` (``base/A/L7/M1``,
``full_em_lr2e5/A/L7/M1``); checkpoints ``base`` and one per condition, named like the condition.
"""

from __future__ import annotations

import os
from typing import Any

from personageo import __version__
from personageo.errors import InputError, Location, json_pointer
from personageo.files import sha256_file
from personageo.schema._models import (
    Checkpoint,
    Family,
    Measurement,
    Method,
    PermutationTest,
    Persona,
    Provenance,
    SourceFile,
)

#: Keys that identify each legacy layout (all must be present).
LAYOUT_KEYS: dict[str, tuple[str, ...]] = {
    "issue_238": ("results", "base_m1", "full_param_conditions", "lora_baseline_map",
                  "n_permutations", "fdr_alpha", "layers", "methods"),
    "issue_205": ("results", "em_conditions", "n_permutations", "fdr_alpha", "layers",
                  "methods"),
}

#: Package versions every results file should record; no legacy file does.
PACKAGES = ("torch", "transformers", "deepspeed", "peft", "vllm")

#: Legacy metric names -> metric registry ids.
METRICS = {"M1_cos_collapse": "M1", "M2_em_axis_projection": "M2", "M3_separability": "M3"}

PIPELINE = "pipeline.md"

UNKNOWN_PROVENANCE = [
    "provenance.personageo_version", "provenance.python",
    *(f"provenance.packages.{p}" for p in PACKAGES), "provenance.cuda", "provenance.hardware",
    "provenance.started_at", "provenance.finished_at", "provenance.config_hash",
]
UNKNOWN_DESIGN = [
    "design.personas.prompt_sha256", "design.questions", "design.layer_convention",
    "design.methods.token_rule", "design.methods.generation", "design.methods.answer_tokens",
    "design.conditions.training.steps", "design.conditions.training.effective_batch",
    "design.conditions.data.name", "design.conditions.data.fingerprint",
    "design.checkpoints.step", "design.checkpoints.weights_sha256",
    "measurements.n_questions", "measurements.inputs_sha256", "cells.test.alternative",
]


def detect_layout(obj: Any, path: str | None = None) -> str:
    """Name of the legacy layout of ``obj`` (``issue_238`` or ``issue_205``).

    Raises
    ------
    InputError
        When ``obj`` matches neither layout; the message names the keys each layout needs.
    """
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object at the top level, got {type(obj).__name__}",
                         Location(path, pointer=""))
    for layout, keys in LAYOUT_KEYS.items():
        if all(k in obj for k in keys):
            return layout
    best = max(LAYOUT_KEYS, key=lambda n: sum(k in obj for k in LAYOUT_KEYS[n]))
    missing = [k for k in LAYOUT_KEYS[best] if k not in obj]
    expected = "; ".join(f"{n}: {', '.join(k)}" for n, k in LAYOUT_KEYS.items())
    raise InputError(
        "not a personageo v1 results file (no 'schema_version') and not a known legacy layout "
        f"(closest: {best}, missing {', '.join(map(repr, missing))})",
        Location(path, pointer=""),
        hint=f"expected 'schema_version' or the top-level keys of a legacy layout ({expected})")


def import_legacy(obj: dict, path: str | None = None):
    """Import a legacy results object into a current :class:`~personageo.schema.RunResult`
    through the migration chain (legacy -> 1.0 -> ... -> current; see
    :mod:`personageo.schema.migrations`)."""
    from personageo.schema._models import RunResult
    from personageo.schema.migrations import migrate

    return RunResult.model_validate(migrate(obj, path))


def import_legacy_run(obj: dict, path: str | None = None):
    """The legacy importers: a legacy object -> a run holding exactly what schema v1.0 holds.

    Parameters
    ----------
    obj
        The parsed legacy JSON (a dict without ``schema_version``).
    path
        File it came from, used in error locations and ``provenance.source_files``.

    Returns
    -------
    RunResult
        The v1 run; nothing invented (see the module docstring for every decision).
    """
    layout = detect_layout(obj, path)
    if layout == "issue_238":
        from personageo.schema._legacy_238 import import_238

        return import_238(LegacyReader(obj, path))
    from personageo.schema._legacy_205 import import_205

    return import_205(LegacyReader(obj, path))


class LegacyReader:
    """Typed access to a legacy object; every bad value raises :class:`InputError` with its
    JSON pointer. Also accumulates the shared pieces of both imports."""

    def __init__(self, obj: dict, path: str | None) -> None:
        self.obj = obj
        self.path = path
        self.measurements: dict[str, Measurement] = {}
        self.notes: list[str] = []

    def get(self, parts: tuple, types: type | tuple[type, ...], default: Any = ...) -> Any:
        cur: Any = self.obj
        for i, part in enumerate(parts):
            if not isinstance(cur, dict) or part not in cur:
                if default is not ...:
                    return default
                raise InputError(f"missing key {part!r}", self.loc(parts[: i + 1]),
                                 hint="expected the legacy layout of pipeline.md section 6")
            cur = cur[part]
        bad_bool = isinstance(cur, bool) and bool not in _as_tuple(types)
        if not isinstance(cur, types) or bad_bool:
            names = " or ".join(t.__name__ for t in _as_tuple(types))
            raise InputError(f"expected {names}, got {type(cur).__name__} {cur!r}",
                             self.loc(parts))
        return cur

    def num(self, parts: tuple) -> float:
        return float(self.get(parts, (int, float)))

    def loc(self, parts: tuple) -> Location:
        return Location(self.path, pointer=json_pointer(parts))

    def fail(self, parts: tuple, message: str) -> InputError:
        return InputError(message, self.loc(parts))

    # ----------------------------------------------------------------- shared builders
    def measurement(self, checkpoint: str, method: str, layer: int, metric: str,
                    value: float, origin: str) -> str:
        """Add (or reuse) the measurement; a conflicting value for the same id gets its own
        id suffixed with ``@origin`` and a note, so no recorded number is lost."""
        mid = f"{checkpoint}/{method}/L{layer}/{metric}"
        have = self.measurements.get(mid)
        if have is not None and have.value != value:
            self.notes.append(f"{origin}: base value {value!r} differs from {have.value!r} "
                              f"recorded for {mid}; kept as measurement '{mid}@{origin}'")
            mid = f"{mid}@{origin}"
        self.measurements.setdefault(mid, Measurement(
            id=mid, checkpoint=checkpoint, method=method, layer=layer, metric=metric,
            value=value))
        return mid

    def test(self, parts: tuple, p: float, kind: str, reseeded: bool | None) -> PermutationTest:
        n_perm = self.get(("n_permutations",), int)
        if not 0.0 <= p <= 1.0:
            raise self.fail(parts, f"p = {p!r} outside [0, 1]")
        return PermutationTest(kind=kind, alternative=None, n_perm=n_perm,
                               seed=self.get(("seed",), int, None), b=recover_b(p, n_perm),
                               p=p, p_convention="b_over_n", reseeded_per_cell=reseeded)

    def families(self, members: dict[str, list[str]]) -> list[Family]:
        alpha = self.num(("fdr_alpha",))
        return [Family(id=fid, correction="bh_running_max", alpha=alpha, reject_rule="lt",
                       members=ids) for fid, ids in members.items()]

    def personas(self) -> list[Persona]:
        names = self.get(("eval_personas",), list, [])
        return [Persona(name=str(n)) for n in names]

    def methods(self) -> list[Method]:
        return [Method(id=str(m), token_rule="unknown")
                for m in self.get(("methods",), list)]

    def layers(self) -> list[int]:
        layers = self.get(("layers",), list)
        for i, v in enumerate(layers):
            if not isinstance(v, int) or isinstance(v, bool):
                raise self.fail(("layers", i), f"expected an integer layer, got {v!r}")
        return layers

    def checkpoints(self, conditions: list[str], seed: int | None) -> list[Checkpoint]:
        return [Checkpoint(id="base"), *(Checkpoint(id=c, condition=c, seed=seed)
                                         for c in conditions)]

    def provenance(self, layout: str, documented: dict[str, str],
                   unknown: list[str]) -> Provenance:
        sha = None
        if self.path is not None and os.path.isfile(self.path):
            sha = sha256_file(self.path)
        wall = self.get(("wall_time_seconds",), (int, float), None)
        return Provenance(
            produced_by=f"personageo {__version__} import-legacy({layout})",
            git_commit=self.get(("git_commit",), str, None),
            packages={p: None for p in PACKAGES},
            wall_time_s=None if wall is None else float(wall),
            source_files=[SourceFile(path=self.path or "<memory>", sha256=sha,
                                     role="legacy_results")],
            unknown=[*UNKNOWN_PROVENANCE, *UNKNOWN_DESIGN, *unknown],
            documented=documented)


def recover_b(p: float, n_perm: int) -> int | None:
    """Exceedance count b from p = b / n_perm, or None when p * n_perm is not exactly an
    integer that gives back p."""
    b = round(p * n_perm)
    return b if 0 <= b <= n_perm and b / n_perm == p else None


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


COMMON_DOCUMENTED = {
    "cells.test.p_convention": f"{PIPELINE} section 4: p = count / n_perm (p = 0 is recorded, "
                               "impossible under (b+1)/(n_perm+1))",
    "cells.test.b": "p_raw * n_permutations, kept only where it is an integer giving back p",
    "cells.test.seed": f"top-level `seed` (unscoped); {PIPELINE} section 4 re-seeds with it",
    "families.correction": f"{PIPELINE} section 4 (running-max BH); issue 205's p_bh_fdr "
                           "values match running-max BH exactly and differ from standard BH",
    "families.reject_rule": f"{PIPELINE} section 4: sig = p_bh < alpha",
}
