"""The migration chain: every frozen fixture (one per version) keeps loading, step by step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personageo.errors import InputError
from personageo.schema import (
    SCHEMA_VERSION,
    RunResult,
    check_semantics,
    load_run_result,
    parse_run_result,
)
from personageo.schema.migrations import STEPS, migrate, source_version

FIXTURES = Path(__file__).parent / "fixtures"
FROZEN = {"legacy_238.json": "legacy", "legacy_205.json": "legacy", "v1.0.json": "1.0",
          "v1.1.json": "1.1"}


def read(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_every_frozen_fixture_loads_at_the_current_version(name):
    assert source_version(read(name)) == FROZEN[name]
    run = load_run_result(FIXTURES / name)
    assert run.schema_version == SCHEMA_VERSION
    assert check_semantics(run) == []


def test_every_version_in_the_chain_has_a_frozen_fixture():
    versions = set(STEPS) | {to for to, _ in STEPS.values()}
    assert versions == set(FROZEN.values())


@pytest.mark.parametrize("name", ["legacy_238.json", "legacy_205.json"])
def test_legacy_step_gives_a_plain_v1_0_object(name):
    v10 = migrate(read(name), target="1.0")
    assert v10["schema_version"] == "1.0"
    # nothing of v1.1 in a v1.0 object
    for cmp in v10.get("comparisons", []):
        assert not {"ratio_ci", "difference", "vote", "ratio_undefined"} & set(cmp)
    assert "intervals" not in v10


def test_v1_0_to_v1_1_records_why_a_ratio_is_missing_and_keeps_every_value():
    old = read("v1.0.json")
    new = migrate(old)
    assert new["schema_version"] == "1.1"
    undefined = [c for c in new["comparisons"] if c["ratio"] is None]
    assert [c["ratio_undefined"] for c in undefined] == ["baseline delta is 0"]
    assert old["schema_version"] == "1.0", "the step must not mutate its input"
    run = RunResult.model_validate(old)  # the model migrates older objects itself
    assert [m.value for m in run.measurements] == [m["value"] for m in old["measurements"]]
    assert run.verdicts[0].result == "H3"


def test_v1_1_fixture_round_trips():
    run = load_run_result(FIXTURES / "v1.1.json")
    assert run.verdicts[0].result == "undetermined"
    assert run.design.questions.merged[0].ids == [1, 3]
    assert parse_run_result(json.loads(run.model_dump_json())) == run


def test_unknown_version_is_refused_with_its_pointer():
    doc = read("v1.0.json")
    doc["schema_version"] = "0.9"
    with pytest.raises(InputError) as exc:
        migrate(doc, path="x.json")
    assert "0.9" in str(exc.value) and "/schema_version" in str(exc.value)


@pytest.mark.parametrize(("change", "pointer"), [
    ({"ratio": None, "ratio_undefined": "baseline delta not distinguishable from 0"},
     "/comparisons/0/ratio_ci"),
    ({"ratio_ci": None, "vote": "high"}, "/comparisons/0/vote"),
    ({"difference": 1.0}, "/comparisons/0/difference"),
])
def test_v1_1_comparisons_are_checked_for_consistency(change, pointer):
    doc = read("v1.1.json")
    doc["comparisons"][0].update(change)
    with pytest.raises(InputError) as exc:
        parse_run_result(doc)
    assert pointer in str(exc.value)


def test_interval_low_above_high_is_refused():
    doc = read("v1.1.json")
    doc["cells"][0]["ci"] = {"low": 0.3, "high": 0.1}
    with pytest.raises(InputError, match="low > high"):
        parse_run_result(doc)
