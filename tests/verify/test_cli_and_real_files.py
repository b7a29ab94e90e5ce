"""`personageo verify` end to end: exit codes, text and JSON output, questions, the real
legacy files of issues 238 and 205."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from personageo.cli.main import main
from personageo.errors import InputError
from personageo.verify import read_questions, verify_files, verify_run
from tests.builders import as_run, hand_checked

LINE = re.compile(r"^  (\S+?)(#\S*|:\d+): (error|warning|info) V\d{3} .+$")


def write(tmp_path: Path, name: str, obj) -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(obj) if not isinstance(obj, str) else obj)
    return p


# ------------------------------------------------------------------ CLI
def test_exit_0_on_clean_file(tmp_path, capsys):
    assert main(["verify", str(write(tmp_path, "r.json", hand_checked()))]) == 0
    assert capsys.readouterr().out.strip().endswith("0 errors, 0 warnings, 0 info")


def test_exit_1_on_error_and_text_lines(tmp_path, capsys):
    d = hand_checked()
    d["cells"][1]["p_adjusted"] = 0.02
    path = write(tmp_path, "r.json", d)
    line = (f"{path}#/cells/c2/p_adjusted: error V201 adjusted p = 0.02 does not follow from "
            "the raw p (expected bh over the 3 raw p-values of family 'F' = 0.015)")
    assert main(["verify", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [line, f"{path}: 1 error, 0 warnings, 0 info"]
    assert main(["verify", str(path), "--no-collapse"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("V201 adjusted-p-mismatch:") and out[0].endswith("[1]")
    assert out[1:] == [f"  {line}", f"{path}: 1 error, 0 warnings, 0 info"]


def test_exit_0_with_warnings_only(tmp_path):
    d = hand_checked()
    d["provenance"]["packages"] = {}
    assert main(["verify", str(write(tmp_path, "r.json", d))]) == 0


def test_json_output(tmp_path, capsys):
    d = hand_checked()
    d["cells"][2]["significant"] = True
    assert main(["verify", str(write(tmp_path, "r.json", d)), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"] == {"error": 1, "warning": 0, "info": 0}
    [f] = doc["findings"]
    assert (f["code"], f["name"], f["pointer"], f["severity"]) == (
        "V202", "significance-mismatch", "/cells/c3/significant", "error")
    assert f["expected"] == "p_adjusted <= alpha = False"
    assert doc["codes"]["V202"]["severity"] == "error"


@pytest.mark.parametrize("content", ["{not json", json.dumps({"results": {}}), None])
def test_exit_2_on_unreadable_input(tmp_path, content, capsys):
    path = tmp_path / "r.json"
    if content is not None:
        path.write_text(content)
    assert main(["verify", str(path)]) == 2
    assert str(path) in capsys.readouterr().err


def test_questions_duplicates_and_counts(tmp_path):
    lines = [{"question": "q1", "id": 0}, {"question": "q2", "id": 1},
             {"question": "q1", "id": 2}, {"question": "q3", "id": 1}]
    qpath = write(tmp_path, "q.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n")
    result = verify_run(as_run(hand_checked()), path="r.json", questions=read_questions(qpath),
                        questions_path=str(qpath))
    got = [(f.code, f.path, f.line, f.pointer) for f in result.findings]
    assert got == [
        ("V601", str(qpath), 3, ""),
        ("V603", str(qpath), 4, ""),
        ("V602", "r.json", None, "/design/questions/count"),
    ]
    assert str(result.findings[0]).startswith(f"{qpath}:3: warning V601 question (id 2) "
                                              "repeats line 1 (id 0)")


def test_questions_hash_mismatch(tmp_path):
    qpath = write(tmp_path, "q.jsonl", "".join(
        json.dumps({"question": f"q{i}", "id": i}) + "\n" for i in range(3)))
    d = hand_checked()
    d["design"]["questions"]["sha256"] = "0" * 64
    result = verify_run(as_run(d), questions=read_questions(qpath), questions_path=str(qpath))
    assert [(f.code, f.pointer) for f in result.findings] == [
        ("V604", "/design/questions/sha256")]


def test_bad_questions_line_is_an_input_error(tmp_path):
    qpath = write(tmp_path, "q.jsonl", '{"question": "a", "id": 0}\n{"question": 3}\n')
    with pytest.raises(InputError) as exc:
        read_questions(qpath)
    assert (exc.value.location.line, exc.value.location.col) == (2, 1)


# ------------------------------------------------------------------ the real legacy files
def test_real_238_floor_findings(r238):
    result = verify_files(r238)
    floor = result.by_code("V101")
    assert len(floor) == 40
    assert floor[0].pointer == "/cells/M1_A_L7_full_em_lr2e5/test/p"
    assert result.has_errors
    # nothing recomputable is inconsistent apart from the floor
    assert {f.code for f in result.findings if f.severity == "error"} == {"V101"}
    assert [f.pointer for f in result.by_code("V305")] == [
        "/comparisons/cross_A_L7_full_em_lr2e5_vs_lora/baseline/base_measurement"]


def test_real_238_against_205_finds_the_base_mismatch(r238, r205):
    q238 = r238.parent / "extraction_questions.jsonl"
    result = verify_files(r238, baseline=r205, questions=q238)
    mismatch = result.by_code("V308")
    # the 20 em comparisons (2 lr x 2 methods x 5 layers); the benign baseline cells of 205
    # record no base measurement, but 205 has one base per method/layer: V314 on each of them
    assert len(mismatch) == 20
    first = mismatch[0]
    assert first.pointer == "/comparisons/cross_A_L7_full_em_lr2e5_vs_lora/baseline"
    assert "0.981272" in first.message and "0.987467" in first.message
    inferred = result.by_code("V314")
    assert len(inferred) == 20 and {f.pointer for f in inferred}.isdisjoint(
        {f.pointer for f in mismatch})
    assert all("benign" in f.pointer and "records no base measurement" in f.message
               for f in inferred)
    assert "base/A/L7/M1 = 0.987467" in inferred[0].message
    assert result.by_code("V309") == []
    # the published counts on a common base (issue 13): > 1.5 from 6/40 to 0/40, < 1 from 2 to 8
    recount = result.by_code("V315")[0]
    assert "ratio > 1.5 goes from 6/40 to 0/40, ratio < 1 from 2/40 to 8/40" in recount.message
    assert "on the recorded bases alone ratio > 1.5 goes from 2/20 to 0/20" in recount.message
    assert result.by_code("V305") == [] and result.by_code("V307") == []
    dup = result.by_code("V601")
    assert [(f.line, f.path) for f in dup] == [(228, str(q238))]
    assert "240 questions, 239 distinct" in result.by_code("V508")[0].message


def test_real_205_recomputes_families_without_false_alarms(r205):
    result = verify_files(r205)
    codes = {f.code for f in result.findings}
    assert not codes & {"V201", "V202", "V203", "V301", "V001"}
    assert len(result.by_code("V101")) == 150
    assert [f.pointer for f in result.by_code("V205")] == ["/families/geometry_em_pre_post/members"]


def test_real_files_via_cli(capsys, r238, r205):
    assert main(["verify", str(r238), "--baseline", str(r205), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["counts"]["error"] == 60
    assert main(["verify", str(r238), "--no-collapse"]) == 1
    lines = capsys.readouterr().out.splitlines()
    body = [ln for ln in lines if ln.startswith("  ")]
    assert body and all(LINE.match(ln) for ln in body)
