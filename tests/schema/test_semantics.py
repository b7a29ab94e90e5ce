"""Planted inconsistencies: each must be reported with its JSON pointer."""

import json

import pytest

from personageo.errors import InputError
from personageo.schema import (
    RunResult,
    check_semantics,
    load_run_result,
    parse_run_result,
    save_run_result,
)
from tests.builders import tiny


def issues_of(doc):
    return {(i.pointer, i.message.split(" ")[0]) for i in check_semantics(RunResult.model_validate(doc))}


def pointers(doc):
    return [i.pointer for i in check_semantics(RunResult.model_validate(doc))]


def test_consistent_fixture_has_no_issues():
    assert pointers(tiny()) == []


@pytest.mark.parametrize(
    "mutate, pointer, code",
    [
        (lambda d: d["cells"][0].update(delta=0.2), "/cells/0/delta", "S006"),
        (lambda d: d["cells"][0].update(base="nope"), "/cells/0/base", "S002"),
        (lambda d: d["cells"][0].update(significant=False), "/cells/0/significant", "S012"),
        (lambda d: d["cells"][1]["test"].update(p=0.001, b=None), "/cells/1/test/p", "S007"),
        (lambda d: d["cells"][1]["test"].update(b=5), "/cells/1/test/p", "S008"),
        (lambda d: d["cells"][0].update(p_adjusted=0.001), "/cells/0/p_adjusted", "S010"),
        (lambda d: d["comparisons"][0].update(ratio=2.0), "/comparisons/0/ratio", "S014"),
        (lambda d: d["comparisons"][0].update(delta=0.1), "/comparisons/0/delta", "S013"),
        (lambda d: d["measurements"][0].update(value=1.5), "/measurements/0/value", "S003"),
        (lambda d: d["measurements"][1].update(id="base/A"), "/measurements/1/id", "S001"),
        (lambda d: d["families"][0].update(members=["cA"]), "/cells/1/family", "S011"),
        (lambda d: d["design"]["checkpoints"][1].update(condition="zzz"),
         "/design/checkpoints/1/condition", "S002"),
    ],
)
def test_each_planted_problem_is_found_at_its_pointer(mutate, pointer, code):
    doc = tiny()
    mutate(doc)
    found = check_semantics(RunResult.model_validate(doc))
    assert (code, pointer) in {(f.code, f.pointer) for f in found}
    assert all(f.severity == "error" and f.name for f in found)


def test_legacy_b_over_n_allows_zero_but_plus_one_does_not():
    doc = tiny()
    doc["cells"][0]["test"].update(p=0.0, b=0, p_convention="b_over_n")
    doc["cells"][0]["p_adjusted"] = 0.0
    assert pointers(doc) == []
    doc["cells"][0]["test"]["p_convention"] = "plus_one"
    assert "/cells/0/test/p" in pointers(doc)


def test_parse_reports_type_errors_with_pointers(tmp_path):
    doc = tiny()
    doc["cells"][0]["delta"] = "big"
    doc["measurements"][2]["value"] = "nan"
    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        load_run_result(path)
    text = str(err.value)
    assert str(path) in text
    assert "#/cells/0/delta" in text and "#/measurements/2/value" in text
    # a JSON NaN never reaches the schema: the strict reader refuses it with its pointer
    path.write_text(json.dumps(tiny()).replace('"value": 0.8', '"value": NaN', 1))
    with pytest.raises(InputError, match="NaN is not a JSON number") as err:
        load_run_result(path)
    assert err.value.location.pointer.startswith("/measurements/")


def test_newer_schema_version_is_refused():
    doc = tiny()
    doc["schema_version"] = "2.0"
    with pytest.raises(InputError, match="newer"):
        parse_run_result(doc, "x.json")


def test_save_is_atomic_and_refuses_inconsistent(tmp_path):
    good = RunResult.model_validate(tiny())
    out = tmp_path / "r.json"
    save_run_result(good, out)
    assert load_run_result(out) == good
    bad_doc = tiny()
    bad_doc["cells"][0]["delta"] = 0.5
    with pytest.raises(InputError):
        save_run_result(RunResult.model_validate(bad_doc), out)
    assert load_run_result(out) == good  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]  # no temp file left


def test_invalid_json_names_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n  "a": 1,\n  oops\n}')
    with pytest.raises(InputError) as err:
        load_run_result(path)
    assert f"{path}:3:3" in str(err.value)


@pytest.mark.parametrize("error, flagged", [(0.0, False), (5e-13, False), (1e-10, True)])
def test_one_tolerance_for_load_and_verify(error, flagged):
    """A delta near 0 off by ``error`` from post - base: the schema (load) and verify decide
    alike, with the one tolerance of schema.invariants (absolute 1e-12 near 0)."""
    from personageo.verify import verify_run

    doc = tiny()
    cell = doc["cells"][0]
    values = {m["id"]: m["value"] for m in doc["measurements"]}
    values[cell["post"]] = values[cell["base"]]  # post == base: delta 0
    for m in doc["measurements"]:
        m["value"] = values[m["id"]]
    cell["delta"] = error
    for cmp in doc["comparisons"]:
        if cmp["cell"] == cell["id"]:
            cmp["delta"] = error
            cmp["ratio"] = error / cmp["baseline_delta"]
    run = RunResult.model_validate(doc)
    at_schema = [f.code for f in check_semantics(run) if f.pointer == "/cells/0/delta"]
    at_verify = [f.code for f in verify_run(run).findings if f.pointer.endswith("/delta")
                 and f.pointer.startswith("/cells/")]
    assert at_schema == (["S006"] if flagged else [])
    assert at_verify == (["V301"] if flagged else [])
