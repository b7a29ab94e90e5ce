"""Narratives are templates other people write: no code runs, no file is read, no render
exhausts memory or time; each refusal is a located input error and nothing is written."""

from __future__ import annotations

import pytest

from personageo.cli.main import main
from personageo.report._sandbox import MAX_LENGTH
from tests.report.conftest import FAKE_SHA, snapshot
from tests.report.test_errors import fails, opts


def _narrative(root, block: str):
    path = root / "reports" / "issue_7.narrative.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text("---\nconfidence: LOW\n---\n{% block background %}\nPrior work.\n"
                    + block + "\n{% endblock %}\n", encoding="utf-8")
    return path


HOSTILE = {
    "globals walk": "{{ cycler.__init__.__globals__.os.popen('touch PWNED').read() }}",
    "class walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "format walk": "{{ '{0.__class__}'.format(exp) }}",
    "mutation": "{{ figures.update({'x': 1}) }}",
    "string repeat": "{{ 'a' * 10**9 }}",
    "literal repeat": "{{ 'a' * 1000000000 }}",
    "power": "{{ (9 ** 9 ** 9) | string }}",
    "list repeat": "{{ ([1] * 10**8) | length }}",
    "concat doubling": "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
                       "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s | length }}",
    "center filter": "{{ 'a' | center(1000000000) }}",
    "ljust method": "{{ 'a'.ljust(1000000000) }}",
    "format width": "{{ '{:>999999999}'.format('a') }}",
    "percent format": "{{ '%0999999999d' % 1 }}",
    "big output": "{% for i in range(100000) %}{% for j in range(100) %}xxxxxxxxxx"
                  "{% endfor %}{% endfor %}",
    "include outside": '{% include "../README.md" %}',
    "include absolute": '{% include "/etc/passwd" %}',
    "self include": '{% include "narrative.md" %}',
    "macro recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
}


@pytest.mark.parametrize("block", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_narrative_is_a_located_input_error(toy_root, block, monkeypatch):
    monkeypatch.chdir(toy_root)
    narrative = _narrative(toy_root, block)
    err = fails(opts(toy_root))
    assert err.location is not None and err.location.path == str(narrative)
    assert not (toy_root / "PWNED").exists()


def test_command_execution_does_not_run_through_the_cli(toy_root, capsys, monkeypatch):
    monkeypatch.chdir(toy_root)
    _narrative(toy_root, HOSTILE["globals walk"])
    before = snapshot(toy_root)
    rc = main(["report", "render", "--issue", "7", "--root", str(toy_root),
               "--repo", "acme/research", "--commit", FAKE_SHA])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and "sandbox" in err
    assert snapshot(toy_root) == before and not (toy_root / "PWNED").exists()


def test_endless_loop_is_stopped_by_the_time_budget(toy_root, monkeypatch):
    from personageo.report import _sandbox

    real = _sandbox.render_bounded
    monkeypatch.setattr("personageo.report.renderer.render_bounded",
                        lambda t, c: real(t, c, seconds=1.0))
    _narrative(toy_root, "{% for i in range(100000) %}{% for j in range(100000) %}"
                         "{% endfor %}{% endfor %}")
    err = fails(opts(toy_root))
    assert "longer than 1 s" in err.message


def test_sizes_just_under_the_limits_still_render(toy_root):
    from personageo.report import render

    _narrative(toy_root, "{{ literal(('a' * 1000) | length) | integer }} "
                         "{{ literal(2 ** 40) | integer }} {{ 'x' | center(9) }}")
    body = render(opts(toy_root)).body
    import re

    plain = re.sub(r"<!--pg:\d+-->", "", body)  # the inline binding keys
    assert "1000 1099511627776     x\n" in plain  # centred, then the line is tidied
    assert MAX_LENGTH >= 65_536
