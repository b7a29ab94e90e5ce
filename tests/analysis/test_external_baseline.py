"""`analyze` with a baseline from another results file: rebased onto this file's base when the
baseline's post measurement is recorded, marked as a mixed base otherwise (issue 13)."""

from __future__ import annotations

import copy
import json

import pytest

from personageo.analysis import analyze
from personageo.config import load_config
from personageo.schema import check_semantics, load_run_result, save_run_result
from personageo.verify import verify_run
from tests.analysis.synthetic import build
from tests.analysis.test_analyze_uncertainty import single_seed

SHIFT = 0.01  # the baseline file's base measurements read 0.01 higher: another extraction


def _baseline_file(tmp_path, keep_post: bool):
    """The internal run's results with every base measurement moved by SHIFT and its deltas
    recomputed from it (as if the baseline file had extracted its own base)."""
    cfg, _ = build(tmp_path, single_seed())
    internal = analyze(cfg, root=tmp_path)
    doc = json.loads(internal.model_dump_json())
    values = {}
    for m in doc["measurements"]:
        if m["checkpoint"] == "base":
            m["value"] += SHIFT
        values[m["id"]] = m["value"]
    for c in doc["cells"]:
        c["delta"] = values[c["post"]] - values[c["base"]]
        if not keep_post:
            c["post"] = None
    if not keep_post:
        doc["measurements"] = [m for m in doc["measurements"] if m["checkpoint"] == "base"]
    doc["comparisons"], doc["verdicts"], doc["aggregates"] = [], [], []
    path = tmp_path / "baseline.json"
    save_run_result(type(internal).model_validate(doc), path)
    return internal, path


def _external_run(tmp_path, path, activations=None):
    cfg = copy.deepcopy(single_seed())
    cfg["conditions"] = [c for c in cfg["conditions"] if c["id"] != "lora_em"]
    del cfg["conditions"][0]["baseline"]
    cfg["baseline"] = {"results": path.name, "cell_map": {"em": "lora_em"}}
    if activations:
        cfg["baseline"]["activations"] = activations
    (tmp_path / "external.yaml").write_text(json.dumps(cfg))
    return analyze(load_config(tmp_path / "external.yaml"), root=tmp_path)


def test_a_recorded_post_measurement_is_rebased_onto_this_files_base(tmp_path):
    internal, path = _baseline_file(tmp_path, keep_post=True)
    run = _external_run(tmp_path, path)
    want = {c.cell: c for c in internal.comparisons}
    cells = {c.id: c for c in run.cells}
    assert len(run.comparisons) == len(want) == 4
    for cmp in run.comparisons:
        rb, same = cmp.baseline.rebased, want[cmp.cell]
        # rebased: lora post - this base, which is what the internal run measured directly
        assert cmp.baseline_delta == pytest.approx(same.baseline_delta, abs=1e-12)
        assert rb.original_delta == pytest.approx(same.baseline_delta - SHIFT, abs=1e-12)
        assert rb.original_base_value == pytest.approx(cmp.baseline.base_value + SHIFT)
        assert cmp.baseline.base_measurement == cells[cmp.cell].base
        assert cmp.same_base is True
        assert cmp.ratio == pytest.approx(same.delta / same.baseline_delta, rel=1e-9)
        assert cmp.baseline_delta_ci is None  # the file's interval is of its own delta
    assert check_semantics(run) == []


def test_without_the_post_measurement_the_mixed_base_is_marked(tmp_path):
    internal, path = _baseline_file(tmp_path, keep_post=False)
    run = _external_run(tmp_path, path)
    want = {c.cell: c for c in internal.comparisons}
    ours = {m.id: m.value for m in run.measurements}
    cells = {c.id: c for c in run.cells}
    for cmp in run.comparisons:
        assert cmp.baseline.rebased is None and cmp.same_base is False
        assert cmp.baseline.base_value == pytest.approx(ours[cells[cmp.cell].base] + SHIFT)
        assert cmp.baseline_delta == pytest.approx(want[cmp.cell].baseline_delta - SHIFT)
    from personageo.pipeline.stages import AnalyzeOutcome

    (line,) = [w for w in AnalyzeOutcome(run, path).warnings() if "base extraction" in w]
    assert line.startswith("4 comparisons mix two base extractions and 0 use")
    assert "--baseline baseline.json" in line
    assert not [w for w in AnalyzeOutcome(internal, path).warnings() if "base extraction" in w]


def test_verify_accepts_the_rebase_and_catches_an_edited_one(tmp_path):
    _, path = _baseline_file(tmp_path, keep_post=True)
    run = _external_run(tmp_path, path)
    baseline = load_run_result(path)
    codes = {f.code for f in verify_run(run, baseline=baseline).findings}
    assert not codes & {"V307", "V308", "V314", "V315", "V316"}
    edited = run.model_copy(deep=True)
    cmp = edited.comparisons[0]
    cmp.baseline.rebased.post_value += 0.002
    found = [f for f in verify_run(edited, baseline=baseline).findings if f.code == "V316"]
    # the edited post value disagrees with the baseline file, and the delta no longer follows
    assert [f.pointer for f in found] == [f"/comparisons/{cmp.id}/baseline/rebased/post_value",
                                          f"/comparisons/{cmp.id}/baseline_delta"]
    edited = run.model_copy(deep=True)
    edited.comparisons[1].baseline_delta += 0.002
    found = [f for f in verify_run(edited, baseline=baseline).findings if f.code == "V316"]
    assert [f.pointer for f in found] == [
        f"/comparisons/{edited.comparisons[1].id}/baseline_delta"]


def test_with_the_baselines_activations_it_is_a_baseline_of_this_run(tmp_path):
    """Jointly resampled, tested directly, verdicts from intervals: the same numbers as when
    the baseline is a condition of this run (the stores are the internal run's own)."""
    internal, path = _baseline_file(tmp_path, keep_post=True)
    run = _external_run(tmp_path, path, activations="activations")
    want = {c.cell: c for c in internal.comparisons}
    for cmp in run.comparisons:
        same = want[cmp.cell]
        assert cmp.baseline.rebased.original_delta == pytest.approx(same.baseline_delta - SHIFT)
        for name in ("baseline_delta", "ratio", "difference"):
            assert getattr(cmp, name) == pytest.approx(getattr(same, name), abs=1e-12), name
        for name in ("ratio_ci", "baseline_delta_ci", "difference_ci"):
            got, exp = getattr(cmp, name), getattr(same, name)
            assert (got.low, got.high) == pytest.approx((exp.low, exp.high), abs=1e-12), name
        assert cmp.difference_test.b == same.difference_test.b
        assert cmp.difference_p_adjusted == same.difference_p_adjusted
        assert cmp.vote == same.vote and cmp.same_base is True
    assert all(c.ratio_ci is not None for c in run.comparisons) and run.verdicts
    assert [(v.result, v.votes_low, v.votes_high, v.abstentions) for v in run.verdicts] == [
        (v.result, v.votes_low, v.votes_high, v.abstentions) for v in internal.verdicts]
    codes = {f.code for f in verify_run(run, baseline=load_run_result(path)).findings}
    assert not codes & {"V307", "V308", "V314", "V315", "V316"}


def test_baseline_activations_on_other_questions_are_refused(tmp_path):
    from personageo.activations import read_activations, store_dir, write_activations
    from personageo.errors import InputError

    _, path = _baseline_file(tmp_path, keep_post=True)
    for method in ("A", "B"):  # the baseline's post store, copied with other question ids
        vectors, manifest = read_activations(store_dir(tmp_path / "activations", "lora_em-s1",
                                                       method))
        other = manifest.model_copy(update={"question_ids": [q + 100 for q in
                                                             manifest.question_ids]})
        write_activations(store_dir(tmp_path / "other", "lora_em-s1", method), vectors, other)
    with pytest.raises(InputError, match="other questions than this run's") as err:
        _external_run(tmp_path, path, activations="other")
    assert err.value.location.pointer == "/question_ids"
