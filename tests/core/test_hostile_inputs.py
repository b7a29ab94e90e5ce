"""Hostile input files: bounded YAML, strict JSON, regular files only; every problem is a
located InputError (exit 2 through the CLI), never a traceback, a hang or exit 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from personageo.cli.main import main
from personageo.errors import InputError
from personageo.files import loads_strict, read_bytes
from personageo.schema import load_run_result
from personageo.yaml_safe import MAX_CHARS, load_yaml

REPO = Path(__file__).resolve().parents[2]

BOMB = "\n".join(
    [f'{n}: &{n} [{", ".join([f"*{p}"] * 9)}]' if p else f'{n}: &{n} ["x","x","x","x"]'
     for p, n in zip([None, "a", "b", "c", "d", "e"], "abcdef", strict=True)] + ["g: [*f,*f,*f,*f,*f,*f]"])


@pytest.mark.parametrize("text,line,col,message", [
    (BOMB, 3, 8, "aliases"),
    ("a: " + "[" * 200 + "]" * 200, 3, None, "deeper than 64"),
    ("a: 1\na: 2", 3, 1, "duplicate key 'a'"),
    ("n: " + "9" * 5000, 2, 4, "5000 digits"),
    ('t: "x \\uD800"', 2, 4, "lone surrogate"),
    ("a: [1, 2", 4, None, "invalid front matter"),
])
def test_yaml_limits_are_located_errors(text, line, col, message):
    with pytest.raises(InputError) as err:
        load_yaml(text, "n.md", first_line=2, what="front matter")
    assert message in str(err.value)
    assert err.value.location.path == "n.md" and err.value.location.line >= 2
    if line is not None and col is not None:
        assert (err.value.location.line, err.value.location.col) == (line, col)


def test_yaml_dates_stay_strings_and_ordinary_yaml_loads():
    assert load_yaml("created: 2020-13-45\nok: 2020-01-02\nt: 2001-12-14t21:59:43.10-05:00") \
        == {"created": "2020-13-45", "ok": "2020-01-02", "t": "2001-12-14t21:59:43.10-05:00"}
    assert load_yaml("a: [1, 2.5, {b: null, c: true}]\nd: '9'") == \
        {"a": [1, 2.5, {"b": None, "c": True}], "d": "9"}
    with pytest.raises(InputError, match="characters"):
        load_yaml("a: " + "x" * MAX_CHARS)


@pytest.mark.parametrize("text,pointer,message", [
    ('{"a": 1, "a": 2}', "/a", "duplicate key"),
    ('{"x": [1, NaN]}', "/x/1", "NaN"),
    ('{"p": {"q": -Infinity}}', "/p/q", "Infinity"),
    ('{"p": 1e999}', "/p", "overflows"),
    ('{"n": ' + "9" * 5000 + "}", "/n", "5,000 digits"),
    ('{"a": [{"b~/": "\\ud800"}]}', "/a/0/b~0~1", "lone surrogate"),
    ('{"a":' * 100 + "1" + "}" * 100, "/a" * 65, "deeper than 64"),
])
def test_strict_json_refusals_carry_a_pointer(text, pointer, message):
    with pytest.raises(InputError) as err:
        loads_strict(text, "r.json")
    assert message in err.value.message and err.value.location.pointer == pointer


def test_json_nested_beyond_the_parser_is_a_line_and_column():
    with pytest.raises(InputError) as err:
        loads_strict("[" * 100_000 + "]" * 100_000, "r.json")
    assert (err.value.location.line, err.value.location.col) == (1, 65)


def test_strict_json_keeps_ordinary_documents():
    text = '{"a": [1, 2.5e-3, -7, null, true, "\\u00e9"], "b": {"c": {}}}'
    assert loads_strict(text) == json.loads(text)


def test_fifo_device_and_oversized_files_are_refused(tmp_path):
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="FIFO"):
        read_bytes(fifo)  # opened without blocking: no writer is needed to get here
    with pytest.raises(InputError, match="FIFO, device"):
        read_bytes("/dev/zero")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 101)
    with pytest.raises(InputError, match="at most 100"):
        read_bytes(big, limit=100)


@pytest.mark.parametrize("target", ["fifo", "/dev/zero"])
def test_lint_refuses_non_regular_files_with_exit_2(tmp_path, capsys, target):
    if target == "fifo":
        target = str(tmp_path / "body.md")
        os.mkfifo(target)
    assert main(["lint", target]) == 2
    err = capsys.readouterr().err
    assert "regular file" in err and "Traceback" not in err


def test_lint_stdin_is_capped():
    from personageo.lint.engine import MAX_BYTES

    proc = subprocess.run([sys.executable, "-m", "personageo.cli.main", "lint", "-"],
                          input=b"a" * (MAX_BYTES + 10), capture_output=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 2 and b"over 1,048,576 bytes" in proc.stderr


def test_frontmatter_date_and_surrogate_do_not_crash_lint(tmp_path, capsys):
    body = tmp_path / "b.md"
    body.write_text('---\ncreated: 2020-13-45\n---\n## A\n\nText.\n', encoding="utf-8")
    assert main(["lint", str(body), "--format", "json"]) in (0, 1)
    json.loads(capsys.readouterr().out)
    body.write_text('---\ntitle: "T \\uD800"\n---\n## A\n', encoding="utf-8")
    assert main(["lint", str(body), "--format", "json"]) == 2
    assert "b.md:2:8" in capsys.readouterr().err


def test_results_with_duplicate_keys_are_refused(tmp_path, capsys):
    from tests.builders import tiny

    text = json.dumps(tiny(), indent=1)
    path = tmp_path / "r.json"
    version = json.dumps(tiny()["schema_version"])
    first = f'"schema_version": {version},'
    assert first in text
    path.write_text(text.replace(first, first + " " + first, 1))
    assert main(["verify", str(path)]) == 2
    assert "r.json#/schema_version: duplicate key" in capsys.readouterr().err


def test_legacy_infinity_and_range_errors_point_into_the_users_file(tmp_path, reference_dir):
    text = (reference_dir / "issue_238" / "run_result.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    cell = "M1_A_L7_full_em_lr2e5"
    bad = tmp_path / "inf.json"
    bad.write_text(text.replace('"p_raw": 0.0,', '"p_raw": Infinity,', 1))
    with pytest.raises(InputError) as err:
        load_run_result(bad)
    assert err.value.location.pointer == f"/results/{cell}/p_raw"
    doc["results"][cell]["p_bh_fdr"] = 1.75
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        load_run_result(bad)
    assert err.value.location.pointer == f"/results/{cell}/p_bh_fdr"
    assert "out of range" in err.value.message


def test_unexpected_exception_is_exit_2_without_traceback(monkeypatch, capsys):
    import personageo.lint.engine as engine

    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine, "lint_text", boom)
    monkeypatch.delenv("PERSONAGEO_DEBUG", raising=False)
    assert main(["lint", str(REPO / "README.md")]) == 2
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: simulated bug" in err and "Traceback" not in err


def test_time_limits_nest_and_restore_the_outer_budget():
    import signal
    import time

    from personageo.limits import time_limit

    class Outer(Exception):
        pass

    class Inner(Exception):
        pass

    with pytest.raises(Outer):
        with time_limit(0.5, Outer):
            with time_limit(5.0, Inner):  # longer than the outer one: the outer stays in charge
                time.sleep(2)
    with pytest.raises(Inner):
        with time_limit(5.0, Outer):
            with time_limit(0.1, Inner):
                time.sleep(2)
    with time_limit(5.0, Outer):
        with time_limit(1.0, Inner):
            pass
        assert 3.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 5.0  # outer restored
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
