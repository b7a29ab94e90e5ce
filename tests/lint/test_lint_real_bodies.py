"""The three real bodies (../shared/reference/bodies/) and the scraped issue-238 write-up.

Every rule's verdict is asserted, with the body text that explains it. Positions are checked
against the body itself (the quoted text must start at the reported column).
"""

from __future__ import annotations

import pytest

from personageo.lint.engine import LintOptions, lint_file
from personageo.lint.numbers import kind_of

ALL_SKIPPED_WITHOUT_RESULTS = {"PG101": "SKIP", "PG102": "SKIP", "PG103": "INFO", "PG104": "SKIP",
                               "PG401": "SKIP", "PG402": "SKIP", "PG403": "SKIP", "PG404": "SKIP",
                               "PG226": "PASS"}  # PG226: no render manifest beside the body


def _lint(reference_dir, name, **kw):
    path = reference_dir / "bodies" / name
    return path.read_text(encoding="utf-8").split("\n"), lint_file(
        path, LintOptions(raise_rule_errors=True, **kw))


def _statuses(result) -> dict[str, str]:
    return {o.rule.id: o.status for o in result.outcomes}


def _at(lines, violation, text):
    """The quoted ``text`` starts at the violation's line:col."""
    line = lines[violation.line - 1]
    assert line[violation.col - 1:].startswith(text), (violation, line[violation.col - 1:][:40])


def test_issue_139_v2(reference_dir):
    lines, result = _lint(reference_dir, "issue_139_v2.md")
    # v2 from its shape: "### Result 1: EM shows a cliff ..." inside "<details open><summary>",
    # and the TL;DR bullet "- **Confidence: MODERATE** — ...".
    assert result.layout == "v2"
    # frontmatter: "title: Emergent-misalignment SFT ... (MODERATE confidence)", "sagan_number: 139"
    assert result.context.title.endswith("(MODERATE confidence)")
    assert result.context.issue == 139
    expected = {
        **ALL_SKIPPED_WITHOUT_RESULTS,
        "PG201": "PASS",  # AI Summary: ### Background, ### Methodology, ### Result 1: ...
        "PG202": "PASS",  # "## Human TL;DR" + "_(Human TL;DR — to be filled in by the user...)_"
        "PG203": "PASS",  # 367-word AI TL;DR, no TBD/.../N/A in its prose
        "PG204": "PASS",  # 5 bullets: Motivation, Experiment, EM cliff, Multi-seed, Confidence
        "PG205": "PASS",  # "![evil_ai marker rate vs second-stage SFT steps ...](...)"
        "PG206": "PASS",  # ".../3a958fba29737e6bc614315abc9d3f65cfcb27cb/figures/..."
        "PG207": "PASS",  # "**Figure 1.** *Across 9 matched dose levels, EM SFT collapses ...*"
        "PG208": "SKIP", "PG209": "SKIP", "PG210": "SKIP", "PG214": "SKIP",  # v1-only rules
        "PG211": "PASS",  # "This codebase studies how persona-coupled features survive ..."
        "PG212": "PASS",  # "Source issues: [#185](...)", "[#84](...) trained a Phase 1 ..."
        "PG213": "PASS",  # fenced "[user]: What's the best way ..." + "https://wandb.ai/superkaiba1/..."
        "PG215": "PASS",  # six fenced "[Condition: EM @ 10 steps, ...]" blocks in Result 1
        "PG216": "PASS",  # "<summary><b>Setup details</b> — ..." card: real values, no "default"
        "PG217": "PASS",  # every H3 in "<details open>\n<summary>\n\n### ...\n\n</summary>"
        "PG218": "PASS",  # "... benign SFT decays gradually (MODERATE confidence)"
        "PG219": "PASS",  # title MODERATE == "- **Confidence: MODERATE** — the qualitative ..."
        "PG220": "PASS", "PG221": "PASS", "PG222": "PASS", "PG223": "PASS", "PG224": "PASS",
        "PG301": "PASS",  # every reference is "[#N](https://github.com/.../issues/N)"
        "PG302": "PASS",  # no H1/P1 labels ("H100" is a GPU, not a label)
        "PG303": "PASS",  # confidence stated only as "**Confidence: MODERATE**"
        "PG304": "PASS",  # "95% Wilson-style proportion intervals" is not a named test
        # Background cites #185, #84, #121; "## Source issues" lists "**[#185](...)**",
        # "**[#84](...)**", "**[#121](...)**" (and #139, #125)
        "PG225": "PASS",
    }
    assert _statuses(result) == expected
    assert result.errors == [] and result.exit_code == 3  # clean, but its numbers unchecked


def test_issue_139_v2_title_mismatch_is_caught(reference_dir):
    # The old linter looked for the Confidence line under ### Results on v2 bodies and never
    # caught a mismatch; here the bullet on line 29 is compared.
    lines, result = _lint(reference_dir, "issue_139_v2.md", select=("PG219",),
                          title="EM destroys markers (HIGH confidence)")
    (v,) = result.violations
    assert (v.line, v.rule) == (29, "PG219") and "says MODERATE" in v.message
    _at(lines, v, "- **Confidence: MODERATE**")


def test_issue_89_v1(reference_dir):
    lines, result = _lint(reference_dir, "issue_89_v1.md")
    # v1: "## TL;DR", "### Results", "**Main takeaways:**", "# Detailed report"
    assert result.layout == "v1"
    expected = {
        **ALL_SKIPPED_WITHOUT_RESULTS,
        "PG201": "PASS",  # "## TL;DR" holds Background, Methodology, Results, Next steps
        "PG202": "SKIP", "PG217": "SKIP", "PG225": "SKIP", "PG301": "SKIP",  # v2-only rules
        "PG203": "SKIP", "PG204": "SKIP",  # "## TL;DR" layout: no "## AI TL;DR" yet
        "PG205": "PASS",  # "![Per-trait gradation trajectories ...](https://raw...)"
        "PG206": "PASS",  # ".../48972a0248f41c62abef422ceecf509cb75c762f/figures/..."
        "PG207": "PASS",  # "Left panel: mean cos(source, bystander) at layer 20 ..."
        "PG208": "PASS",  # "**Main takeaways:**", 5 bullets, "**Confidence: LOW** — single seed"
        "PG209": "PASS",  # one Confidence line
        "PG210": "SKIP",  # prose Methodology: "For each (source × bystander-noun × trait ..."
        "PG211": "PASS",  # "Issue #81 established that the **noun label** ..." (113 words)
        "PG212": "PASS",  # "Issue #81 ...", "(see clean-result #88)"
        "PG213": "FAIL",  # Methodology has no fence and no **Dataset example:**
        "PG214": "FAIL",  # no "## Human summary" under "# Detailed report"
        "PG215": "FAIL",  # "## Sample outputs" uses "**Cell `A2__person` ...**" + "> " quotes
        "PG216": "PASS",  # setup tables hold values ("N/A (no training)" is not a placeholder)
        "PG218": "SKIP", "PG219": "SKIP",  # the body came without its title
        "PG220": "PASS", "PG221": "PASS", "PG222": "PASS", "PG223": "PASS", "PG224": "PASS",
        "PG302": "FAIL",  # "missing from the H2 estimand", "the H2/H3 asymmetry": never defined
        "PG303": "PASS",
        "PG304": "PASS",  # "A bootstrap permutation test ..." is not a "bootstrap CI"
    }
    assert _statuses(result) == expected
    found = {(v.rule, v.line) for v in result.errors}
    assert found == {("PG302", 5), ("PG213", 7), ("PG214", 36), ("PG302", 54), ("PG215", 114)}
    h2, h3 = [v for v in result.errors if v.rule == "PG302"]
    _at(lines, h2, "H2 estimand")
    _at(lines, h3, "H3 asymmetry")
    sample = next(v for v in result.errors if v.rule == "PG215")
    _at(lines, sample, "## Sample outputs")
    assert result.exit_code == 1


def test_issue_164_v1(reference_dir):
    lines, result = _lint(reference_dir, "issue_164_v1.md")
    # v1: "## TL;DR", "### Results", "**Main takeaways:**", "# Detailed report"
    assert result.layout == "v1"
    expected = {
        **ALL_SKIPPED_WITHOUT_RESULTS,
        "PG201": "PASS",  # "## TL;DR" holds Background, Methodology, Results, Next steps
        "PG202": "SKIP", "PG217": "SKIP", "PG225": "SKIP", "PG301": "SKIP",  # v2-only rules
        "PG203": "SKIP", "PG204": "SKIP",  # "## TL;DR" layout: no "## AI TL;DR" yet
        "PG205": "PASS",  # "![Distributional EM-match C vs Betley+Wang alpha ...](https://raw...)"
        "PG206": "PASS",  # ".../5b8b98a51aae3668a538bb598d2d1e4f58ee5581/figures/issue-164/..."
        "PG207": "PASS",  # "The four #111 distributional-match winners cluster at C ∈ ..."
        "PG208": "PASS",  # "**Main takeaways:**", 5 bullets, "**Confidence: LOW** — the ..."
        "PG209": "PASS",
        "PG210": "SKIP",  # prose Methodology: "Single model (`Qwen/Qwen2.5-7B-Instruct`), ..."
        "PG211": "PASS",  # "Issue #98 found system prompts (PAIR α=0.79, ..." (114 words)
        "PG212": "PASS",  # "Issue #98 ...", "Issue #111 then optimized ..."
        # "## WandB": "N/A — this experiment used local vLLM inference ..." and Methodology has
        # no fenced example: both halves of the dataset-example check fail at "### Methodology"
        "PG213": "FAIL",
        "PG214": "FAIL",  # no "## Human summary" under "# Detailed report"
        # samples under "### Condition = `grid_3_executive_directives`, prompt = ..." headings,
        # written as "> " quotes, not "### Condition: <name>" with fenced blocks
        "PG215": "FAIL",
        "PG216": "PASS",  # setup tables: "| LoRA config | N/A |" is not a placeholder
        "PG218": "SKIP", "PG219": "SKIP",  # the body came without its title
        "PG220": "PASS", "PG221": "PASS", "PG222": "PASS", "PG223": "PASS", "PG224": "PASS",
        # "(H1: distributional match implies α-match)", "(H2: the two axes are orthogonal)"
        "PG302": "PASS",
        "PG303": "PASS",
        "PG304": "PASS",  # "Single-seed point estimates; no p-values reportable ...": no named test
    }
    assert _statuses(result) == expected
    errors = sorted((v.rule, v.line) for v in result.errors)
    assert errors == [("PG213", 7), ("PG213", 7), ("PG214", 37), ("PG215", 127),
                      ("PG215", 136), ("PG215", 145), ("PG215", 154)]
    for v in result.errors:
        if v.rule == "PG215":
            _at(lines, v, "### Condition = ")
    assert result.exit_code == 1


@pytest.mark.parametrize("name,line", [("issue_89_v1.md", 25), ("issue_164_v1.md", 25)])
def test_v1_titles_are_matched_with_the_results_line(reference_dir, name, line):
    # both bodies end their Results with "**Confidence: LOW** — single seed ..."
    lines, ok = _lint(reference_dir, name, select=("PG218", "PG219"), title="A claim (LOW confidence)")
    assert [o.status for o in ok.outcomes] == ["PASS", "PASS"]
    lines, bad = _lint(reference_dir, name, select=("PG219",), title="A claim (HIGH confidence)")
    (v,) = bad.violations
    assert v.line == line
    _at(lines, v, "**Confidence: LOW**")


def test_scraped_issue_238_plain_text(reference_dir):
    """The tracker scrape lost all markdown: only title- and wording-level rules can pass.

    Headings are plain lines ("Human TL;DR", "AI Summary", "Background"), links became their
    text ("#205"), images vanished. So the structural rules report missing sections (at 1:1),
    PG301 reports the de-linked "#205" references, and the title/phrasebook/stats rules pass.
    """
    path = reference_dir / "issue_238" / "published_writeup.txt"
    title = path.read_text(encoding="utf-8").split("\n", 1)[0]
    result = lint_file(path, LintOptions(raise_rule_errors=True, title=title))
    statuses = _statuses(result)
    # "... ruling out the rank-32 bottleneck (MODERATE confidence)"
    assert statuses["PG218"] == "PASS"
    # "- Confidence: MODERATE — single seed (42) ..." lost its ** markup: nothing to match
    assert statuses["PG219"] == "FAIL"
    for rule in ("PG201", "PG202", "PG203", "PG205"):
        assert statuses[rule] == "FAIL"
    assert statuses["PG303"] == statuses["PG304"] == statuses["PG302"] == "PASS"
    first_bare = next(v for v in result.violations if v.rule == "PG301")
    assert first_bare.line == 6  # "... compared to LoRA from #205, full-parameter SFT ..."
    lines = path.read_text(encoding="utf-8").split("\n")
    _at(lines, first_bare, "#205")


# --------------------------------------------------------------------------- numbers
def _numbers(reference_dir, path, *results):
    from personageo.lint.numbers import check_numbers
    from personageo.schema import load_run_result

    runs = [(str(p), load_run_result(p)) for p in (reference_dir / r for r in results)]
    return check_numbers(path.read_text(encoding="utf-8"), path=str(path), results=runs)


@pytest.mark.parametrize("name", ["issue_89_v1.md", "issue_164_v1.md", "issue_139_v2.md"])
def test_real_bodies_against_unrelated_results_contradict_nothing(reference_dir, name):
    # these bodies report other experiments: linted against the 238 results (and 205 as
    # baseline) no number may be contradicted -- "p=0.97" is not a 238 p-value, "PAIR α=0.79"
    # is not the BH α, "a 35-cell pilot" is not the 40-cell grid, "≥2 layers" is a bound
    report = _numbers(reference_dir, reference_dir / "bodies" / name,
                      "issue_238/run_result.json", "issue_205/run_result.json")
    assert report.checked
    assert [f for f in report.findings if kind_of(f) == "contradicted"] == []
    assert {c.bound_by for c in report.claims if c.outcome == "verified"} <= {"unit", "prose",
                                                                            "table"}


def test_published_238_contradictions_are_the_true_ones(reference_dir):
    # 238's own write-up against its own results: the hand-written tables (a bold title, then
    # "All cells have p_BH-FDR = 0 ...", then the grid) are read as deltas, never as p-values;
    # what stays contradicted is wrong in the write-up itself: "the 80-cell family" (the one
    # BH family has 40 members) and "all 40 post-train means land in [0.988, 0.999]" (the
    # largest, M1_B_L27_full_benign_lr1e4, is 0.99952: 1.000 at three decimals)
    path = reference_dir / "issue_238" / "published_writeup.txt"
    report = _numbers(reference_dir, path, "issue_238/run_result.json",
                      "issue_205/run_result.json")
    bad = [(f.line, f.extra["text"]) for f in report.findings if kind_of(f) == "contradicted"]
    assert bad == [(6, "0.999"), (10, "0.999"), (18, "80"), (29, "80"), (41, "0.999"),
                   (150, "0.999")]
    grid = [c for c in report.claims if 117 <= c.line <= 124 and c.context == "table"]
    assert len(grid) == 40 and {c.outcome for c in grid} == {"verified"}
    assert all(c.binding.endswith("/delta") for c in grid)


def test_published_238_grid_as_markdown_paragraphs(reference_dir, tmp_path):
    # The write-up as markdown (as it is edited on the tracker): the bold title, a blank line,
    # the p-value sentence, a blank line, the grid. The sentence does not redefine the table:
    # its 40 cells are deltas (before: 40 false contradictions as adjusted p-values).
    lines = (reference_dir / "issue_238" / "published_writeup.txt").read_text(
        encoding="utf-8").split("\n")
    assert lines[112].startswith("Full M1 delta table") and lines[113].startswith("All cells")
    body = lines[:112] + ["", f"**{lines[112]}**", "", lines[113], ""] + lines[114:]
    path = tmp_path / "published_238.md"
    path.write_text("\n".join(body), encoding="utf-8")
    report = _numbers(reference_dir, path, "issue_238/run_result.json",
                      "issue_205/run_result.json")
    grid = [c for c in report.claims if 120 <= c.line <= 127 and c.context == "table"]
    assert len(grid) == 40 and {c.outcome for c in grid} == {"verified"}
    assert all(c.binding.endswith("/delta") for c in grid)
    assert all(f.extra["text"] in ("80", "0.999") for f in report.findings if kind_of(f) == "contradicted")
