"""verify's output layer: repeated findings collapsed, GitHub annotations, --select/--ignore."""

from __future__ import annotations

import json
import re

import pytest

from personageo.annotations import workflow_command
from personageo.cli.main import main
from personageo.verify import verify_files
from tests.builders import hand_checked

ANNOTATION = re.compile(
    r"^::(error|warning|notice) file=[^,]+,line=\d+,title=V\d{3} [a-z0-9-]+::.+$")


def run_cli(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(["verify", *map(str, args)])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_238_repeated_findings_are_one_line_each(capsys, r238, r205):
    code, lines, _ = run_cli(capsys, r238, "--baseline", r205)
    assert code == 1
    v101 = [ln for ln in lines if " V101 " in ln]
    assert v101 == [f"{r238}: error V101 ×40 p below the Monte-Carlo resolution floor "
                    "1/(n_perm+1) (e.g. p = 0): #/cells/M1_A_L7_full_em_lr2e5/test/p, "
                    "#/cells/M1_A_L14_full_em_lr2e5/test/p, #/cells/M1_A_L20_full_em_lr2e5/test/p"
                    " and 37 more"]
    v308 = [ln for ln in lines if " V308 " in ln]
    assert len(v308) == 1 and " error V308 ×20 " in v308[0] and v308[0].endswith(" and 17 more")
    # one line per code (all findings are in the results file), the collapse hint, the summary
    result = verify_files(r238, baseline=r205)
    codes = {f.code for f in result.findings}
    assert {f.path for f in result.findings} == {str(r238)}
    assert len(lines) == len(codes) + 2 < len(result.findings)
    assert lines[-1].endswith(f"{result.count('error')} errors, {result.count('warning')} "
                              f"warnings, {result.count('info')} info")
    code, lines, _ = run_cli(capsys, r238, "--baseline", r205, "--no-collapse")
    assert sum(" error V101 " in ln for ln in lines) == 40
    assert len(lines) == len(result.findings) + len(codes) + 1  # a header per code
    code, lines, _ = run_cli(capsys, r238, "--baseline", r205, "--format", "json")
    assert len(json.loads("\n".join(lines))["findings"]) == len(result.findings)


def test_github_annotations_collapsed_and_not(capsys, r238, r205):
    code, lines, _ = run_cli(capsys, r238, "--baseline", r205, "--format", "github")
    n_codes = len({f.code for f in verify_files(r238, baseline=r205).findings})
    assert code == 1 and len(lines) == n_codes and all(ANNOTATION.match(ln) for ln in lines)
    [v101] = [ln for ln in lines if "title=V101 " in ln]
    assert v101.startswith(f"::error file={r238},line=1,title=V101 p-below-floor::×40 ")
    code, lines, _ = run_cli(capsys, r238, "--format", "github", "--no-collapse")
    assert sum(ln.startswith("::error ") for ln in lines) == 40
    assert all(ANNOTATION.match(ln) for ln in lines)


def test_github_annotation_points_at_the_line_of_the_value(tmp_path, capsys):
    d = hand_checked()
    d["cells"][1]["p_adjusted"] = 0.0234375  # a value written nowhere else
    path = tmp_path / "r.json"
    path.write_text(json.dumps(d, indent=2))
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if "0.0234375" in text)
    code, lines, _ = run_cli(capsys, path, "--format", "github", "--select", "V201")
    assert code == 1
    assert lines == [f"::error file={path},line={line},title=V201 adjusted-p-mismatch::"
                     "#/cells/c2/p_adjusted: adjusted p = 0.0234375 does not follow from the raw "
                     "p (expected bh over the 3 raw p-values of family 'F' = 0.015)"]


def test_workflow_command_escapes_properties_and_message():
    assert workflow_command("info", "50% done\nnext", file="a,b:c.json", line=3,
                            title="V205 x") == \
        "::notice file=a%2Cb%3Ac.json,line=3,title=V205 x::50%25 done%0Anext"


@pytest.mark.parametrize("args, code, codes", [
    (("--select", "V50"), 0, {"V501", "V502", "V504", "V505", "V506", "V507", "V508"}),
    (("--select", "p-below-floor,V204"), 1, {"V101", "V204"}),
    (("--select", "V3", "--ignore", "V308,V309"), 0, {"V305"}),
])
def test_select_and_ignore(capsys, args, code, codes, r238):
    got, lines, _ = run_cli(capsys, r238, "--format", "json", *args)
    assert got == code
    assert {f["code"] for f in json.loads("\n".join(lines))["findings"]} == codes


@pytest.mark.parametrize("option, bad, suggestion", [
    ("--select", "V1O1", "did you mean V101 (p-below-floor)"),
    ("--ignore", "p-below-flor", "did you mean V101 (p-below-floor)"),
    ("--select", "V109", "did you mean V106 (pair-test-level) or V105"),  # nearest codes first
])
def test_unknown_code_is_a_usage_error_with_a_suggestion(tmp_path, capsys, option, bad,
                                                         suggestion):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(hand_checked()))
    code, lines, err = run_cli(capsys, path, option, bad)
    assert code == 2 and lines == []
    assert f"unknown verify code {bad!r} in {option}" in err and suggestion in err
