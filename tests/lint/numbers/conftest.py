"""A small hand-made schema-v1 run result (values chosen by hand, see the comments)."""

from __future__ import annotations

import pytest

from personageo.schema import (
    BaselineRef,
    Checkpoint,
    Comparison,
    Condition,
    DataRef,
    Design,
    Experiment,
    Family,
    Measurement,
    Method,
    PermutationTest,
    Persona,
    Provenance,
    RunResult,
    TestedCell,
    Training,
    Verdict,
    VerdictRule,
    WeightNorm,
)

BASE = {7: 0.9000, 20: 0.8000}
POST = {"full_em_lr2e5": {7: 0.9150, 20: 0.9100}, "full_em_lr1e4": {7: 0.9160, 20: 0.9120}}
LORA = {7: 0.0100, 20: 0.1000}  # baseline deltas
NORMS = {"full_em_lr2e5": (20.0, {7: 3.0, 20: 3.5}), "full_em_lr1e4": (100.0, {7: 15.0, 20: 17.5})}


def make_run() -> RunResult:
    conds = [Condition(id=c, training=Training(method="full", lr=lr, steps=375, seeds=[42]),
                       data=DataRef(data_type="em", n_examples=6000))
             for c, lr in (("full_em_lr2e5", 2e-5), ("full_em_lr1e4", 1e-4))]
    cks = [Checkpoint(id="base")] + [Checkpoint(id=c, condition=c) for c in POST]
    meas = [Measurement(id=f"base_A_L{L}", checkpoint="base", method="A", layer=L, metric="M1",
                        value=v, n_pairs=6) for L, v in BASE.items()]
    cells, cmps = [], []
    for c, posts in POST.items():
        for L, v in posts.items():
            meas.append(Measurement(id=f"{c}_A_L{L}", checkpoint=c, method="A", layer=L,
                                    metric="M1", value=v, n_pairs=6))
            delta = v - BASE[L]
            cid = f"M1_A_L{L}_{c}"
            cells.append(TestedCell(
                id=cid, condition=c, method="A", layer=L, metric="M1", base=f"base_A_L{L}",
                post=f"{c}_A_L{L}", delta=delta,
                test=PermutationTest(kind="pair_signflip", n_perm=999, b=0, p=0.001,
                                     p_convention="plus_one"),
                p_adjusted=0.001, family="fam", significant=True))
            cmps.append(Comparison(id=f"cmp_A_L{L}_{c}", cell=cid, delta=delta,
                                   baseline_delta=LORA[L], baseline=BaselineRef(source="issue_205"),
                                   ratio=delta / LORA[L]))
    return RunResult(
        experiment=Experiment(id="toy"), provenance=Provenance(produced_by="test"),
        design=Design(base_model="toy", personas=[Persona(name=f"p{i}") for i in range(4)],
                      layers=[7, 20], layer_convention="block_output_0idx",
                      methods=[Method(id="A", token_rule="last_prompt_token")],
                      conditions=conds, checkpoints=cks),
        measurements=meas,
        families=[Family(id="fam", correction="bh", alpha=0.01, members=[c.id for c in cells])],
        cells=cells, comparisons=cmps,
        verdicts=[Verdict(id="verdict_A_em", method="A", group="em", rule=VerdictRule(),
                          comparisons=[c.id for c in cmps if c.id.endswith("lr2e5")],
                          votes_low=0, votes_high=0, result="H2")],
        weight_norms=[WeightNorm(checkpoint=c, global_l2=g, per_block=pb)
                      for c, (g, pb) in NORMS.items()],
    )


@pytest.fixture
def run() -> RunResult:
    return make_run()


@pytest.fixture
def fresh_run():
    """A factory for independent copies of the hand-made run."""
    return make_run
