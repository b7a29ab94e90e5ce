"""Malformed input gets a clear error (exit 2) or a finding, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from personageo.cli.main import main
from personageo.errors import InputError
from personageo.lint.engine import MAX_BYTES, LintOptions, lint_file, lint_text

STRICT = LintOptions(raise_rule_errors=True)


def _run(tmp_path, name, data: bytes, *args):
    path = tmp_path / name
    path.write_bytes(data)
    return main(["lint", str(path), *args])


def test_binary_file_is_an_input_error(tmp_path, capsys):
    assert _run(tmp_path, "fig.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR") == 2
    err = capsys.readouterr().err
    assert "fig.png" in err and "binary" in err and "Traceback" not in err


def test_invalid_utf8_names_line_and_column(tmp_path, capsys):
    assert _run(tmp_path, "b.md", b"## A\n\nok \xff bad\n") == 2
    assert "b.md:3:4: not valid UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize("data", [b"", b"   \n\n\t\n"])
def test_empty_body(tmp_path, capsys, data):
    assert _run(tmp_path, "e.md", data) == 2
    assert "empty body" in capsys.readouterr().err


def test_missing_file_and_directory(tmp_path, capsys):
    assert main(["lint", str(tmp_path / "nope.md")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert main(["lint", str(tmp_path)]) == 2
    assert "directory" in capsys.readouterr().err


def test_huge_file_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "huge.md"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)
    assert main(["lint", str(path)]) == 2
    assert f"at most {MAX_BYTES:,}" in capsys.readouterr().err


def test_long_but_readable_body_is_a_finding_not_an_error():
    result = lint_text("## T\n" + "word " * 20_000, "long.md", STRICT)
    assert [v.rule for v in result.violations if v.rule == "PG224"] == ["PG224"]


def test_broken_frontmatter_is_an_input_error_with_position():
    with pytest.raises(InputError) as info:
        lint_text("---\ntitle: [unclosed\n---\n## A\n", "fm.md", STRICT)
    assert info.value.location.path == "fm.md" and info.value.location.line >= 2


def test_unclosed_fence_and_details_are_findings():
    body = "<details open>\n<summary>\n\n### Background\n\n</summary>\n\n```\ncode\n"
    result = lint_text(body, "u.md", STRICT)
    rules = {(v.rule, v.line) for v in result.violations}
    assert ("PG220", 8) in rules and ("PG221", 1) in rules


def test_broken_tables_are_findings():
    body = "| a | b |\n| 1 | 2 |\n\n| x | y |\n|---|---|\n| 1 | 2 | 3 |\n| 4 |\n"
    result = lint_text(body, "t.md", STRICT)
    found = sorted((v.rule, v.line) for v in result.violations if v.rule in ("PG222", "PG223"))
    assert found == [("PG222", 1), ("PG223", 6), ("PG223", 7)]


def test_crlf_and_bom_positions_match_lf(tmp_path):
    body = "## AI TL;DR\n\nWe are fairly confident.\n"
    path = tmp_path / "crlf.md"
    path.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode())
    a = lint_file(path, LintOptions(select=("PG303",), raise_rule_errors=True))
    b = lint_text(body, "lf.md", LintOptions(select=("PG303",), raise_rule_errors=True))
    assert [(v.line, v.col) for v in a.violations] == [(v.line, v.col) for v in b.violations] == [(3, 8)]


_MD_ALPHABET = st.sampled_from([
    "#", "## ", "### Result 1: x", "```", "~~~", "<details open>", "<summary>", "</summary>",
    "</details>", "|", "|---|", "- ", "1. ", "> ", "![a](", ")", "[#5](", "**", "*", "`", "\n",
    "\n\n", " ", "TBD", "H2", "#12", "—", "---", "**Confidence: HIGH** —", "<!--", "-->", "\t",
])


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_MD_ALPHABET, min_size=1, max_size=60).map("".join))
def test_arbitrary_markdown_never_crashes_a_rule(text):
    if not text.strip():
        return
    try:
        result = lint_text(text, "fuzz.md", LintOptions(raise_rule_errors=True,
                                                        title="x (LOW confidence)"))
    except InputError as err:  # e.g. "---" lines that make broken YAML frontmatter
        assert err.location is not None and err.location.path == "fuzz.md"
        return
    n_lines = text.replace("\r\n", "\n").count("\n") + 1
    for v in result.violations:
        assert 1 <= v.line <= n_lines and v.col >= 1
