"""The claims sidecar: every number located exactly and bound to values that reproduce it.

Bindings are checked against the results files read independently (``paths.resolve`` over the
JSON of each file) and recomputed here, not trusted from the renderer.
"""

from __future__ import annotations

import hashlib
import operator
import re

import pytest

from personageo import __version__, numfmt
from personageo.schema import load_run_result
from personageo.schema.paths import resolve

OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


@pytest.fixture(scope="module")
def docs(r238, r205):
    return [load_run_result(p).model_dump(mode="json") for p in (r238, r205)]


def test_each_claim_text_sits_at_its_line_and_column(rendered_238):
    lines = rendered_238.body.split("\n")
    assert len(rendered_238.sidecar.claims) > 200
    for c in rendered_238.sidecar.claims:
        line = lines[c.line - 1]
        assert line[c.col - 1:c.col - 1 + len(c.text)] == c.text, (c.line, c.col, c.text)


def test_each_binding_reproduces_its_text_from_the_results(rendered_238, docs):
    for c in rendered_238.sidecar.claims:
        b = c.binding
        values = [float(resolve(docs[b.results], p)) for p in b.paths] \
            if b.derivation in ("identity", "difference", "ratio", "percent_change", "min",
                                "max", "mean") else []
        if b.derivation == "identity":
            want = values[0]
        elif b.derivation == "difference":
            want = values[0] - values[1]
        elif b.derivation == "ratio":
            want = values[0] / values[1]
        elif b.derivation == "percent_change":
            want = (values[0] - values[1]) / values[1]
        elif b.derivation in ("min", "max"):
            want = min(values) if b.derivation == "min" else max(values)
        elif b.derivation == "mean":
            want = sum(values) / len(values)
        elif b.derivation == "count":
            m = re.fullmatch(r"(\w+) (>=|<=|>|<) (\S+)", b.rule or "")
            if m:
                tested = [float(resolve(docs[b.results], p)) for p in b.paths]
                want = sum(OPS[m[2]](x, float(m[3])) for x in tested)
                assert b.denominator == len(tested)
            elif b.rule == "records":
                want = len(b.paths)
                for p in b.paths:
                    resolve(docs[b.results], p)  # each counted record exists
            else:
                assert b.rule.startswith("unordered pairs of design.personas")
                n = len(b.paths)
                want = n * (n - 1) // 2
        else:
            assert b.derivation == "literal" and not b.paths
            want = b.value
        assert b.value == pytest.approx(want, rel=1e-12, abs=1e-15), c
        if b.derivation == "count" and b.denominator is not None and "/" in c.text:
            assert c.text == f"{int(want)}/{b.denominator}"
        else:
            assert numfmt.format_value(want, b.spec) == c.text, c


def test_marker_and_sidecar_record_hashes_and_version(rendered_238, r238, r205):
    body = rendered_238.body
    h238 = hashlib.sha256(r238.read_bytes()).hexdigest()
    h205 = hashlib.sha256(r205.read_bytes()).hexdigest()
    after_front = body.split("\n---\n", 1)[1].split("\n", 1)[0]
    assert after_front == (f"<!-- personageo:render v1 results=sha256:{h238} "
                           f"baseline=sha256:{h205} personageo={__version__} -->")
    side = rendered_238.sidecar
    assert [r.sha256 for r in side.results] == [h238, h205]
    assert side.personageo_version == __version__
    assert side.body_sha256 == hashlib.sha256(body.encode("utf-8")).hexdigest()


def test_counts_in_the_title_are_computed(rendered_238):
    title = rendered_238.body.split("\n")[1]
    assert "38/40 cells" in title and title.endswith("(MODERATE confidence)")
    claim = next(c for c in rendered_238.sidecar.claims if c.line == 2 and c.text == "38/40")
    assert claim.binding.rule == "ratio >= 1" and len(claim.binding.paths) == 40
