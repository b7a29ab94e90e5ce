"""What counts as a number, in which compound form, and every exclusion rule."""

from __future__ import annotations

import pytest

from personageo.lint.numbers._scan import scan


def numbers(text):
    found, _ = scan(text)
    return [(f.text, f.form, f.role) for f in found]


def excluded(text):
    return [(e.text, e.rule) for e in scan(text)[1]]


@pytest.mark.parametrize("text,want", [
    ("Δ = +0.111 and \u22120.02", [("+0.111", "single", "value"), ("\u22120.02", "single", "value")]),
    ("0.3% of 5.07×", [("0.3%", "single", "value"), ("5.07×", "single", "value")]),
    ("ratios 0.99–1.36", [("0.99", "range", "lo"), ("1.36", "range", "hi")]),
    ("0.005-0.008", [("0.005", "range", "lo"), ("0.008", "range", "hi")]),
    ("in [0.988, 0.999]", [("0.988", "interval", "lo"), ("0.999", "interval", "hi")]),
    ("38/40 cells", [("38", "fraction", "count"), ("40", "fraction", "total")]),
    ("19.5 → 98.7", [("19.5", "arrow", "from"), ("98.7", "arrow", "to")]),
    ("2 ± 0.5", [("2", "pm", "center"), ("0.5", "pm", "half_width")]),
    ("p < 1e-4 at 2e-5", [("1e-4", "single", "value"), ("2e-5", "single", "value")]),
    ("3.14 / 3.36 / 3.51", [("3.14", "list", "item"), ("3.36", "list", "item"),
                            ("3.51", "list", "item")]),
    ("7,616,229,376 params", [("7,616,229,376", "single", "value")]),
    ("a 12×12 matrix", [("12", "single", "value"), ("12", "single", "value")]),
    ("layers [7, 14, 20]", [("7", "single", "value"), ("14", "single", "value"),
                            ("20", "single", "value")]),
    ("the 12-persona protocol", [("12", "single", "value")]),
])
def test_forms(text, want):
    assert numbers(text) == want


@pytest.mark.parametrize("text,rule", [
    ("see https://x.org/a/1.5", "url"),
    ("on 2026-05-05", "date"),
    ("at 04:16", "date"),
    ("as in Aghajanyan et al. 2020", "date"),
    ("(Smith et al., 2019b)", "date"),
    ("transformers 4.57.6", "version"),
    ("Python 3.11", "version"),
    ("artifact v046", "version"),
    ("commit 015527d", "hash"),
    ("issue #238", "issue"),
    ("Qwen2.5-7B", "glued"),
    ("SmolLM2-135M", "glued"),
    ("at L20", "glued"),
    ("full_em_lr2e5", "glued"),
    ("M1 and H1", "glued"),
    ("Tulu-3", "glued"),
    ("Figure 1", "label"),
    ("Result 2:", "label"),
])
def test_exclusions(text, rule):
    assert numbers(text) == [], numbers(text)
    assert excluded(text) and all(r == rule for _, r in excluded(text)), excluded(text)


def test_approximate_marker():
    found, _ = scan("~14 min and ≈0.88")
    assert [f.approx for f in found] == [True, True]
