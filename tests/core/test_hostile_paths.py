"""Every path the tool derives from a config or a convention stays inside the repository
root; issue numbers and repository names that end up in paths and URLs are validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from personageo.cli.main import main
from personageo.errors import InputError
from personageo.files import inside_root, parse_issue_number, parse_repo

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "configs" / "demo.yaml"


def _config(tmp_path, old: str, new: str) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "cfg.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new", [
    ("  issue: 1\n", "  issue: null\n"),  # then the experiment id names the directory
    ("experiment:\n", "paths: {results: /tmp/personageo-abs.json}\nexperiment:\n"),
    ("experiment:\n", "paths: {results: ../outside.json}\nexperiment:\n"),
])
def test_analyze_refuses_a_config_path_outside_the_root(tmp_path, capsys, old, new):
    cfg = _config(tmp_path, old, new)
    if "null" in new:
        cfg.write_text(cfg.read_text().replace("id: demo_fullparam_vs_lora_smollm2",
                                               "id: ../../../x", 1))
    root = tmp_path / "root"
    root.mkdir()
    assert main(["analyze", str(cfg), "--root", str(root)]) == 2
    assert "outside the repository root" in capsys.readouterr().err
    assert not Path("/tmp/personageo-abs.json").exists() and not (tmp_path / "outside.json").exists()


def test_inside_root_follows_symlinks_before_deciding(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "reports").symlink_to(outside)
    with pytest.raises(InputError, match="outside the repository root"):
        inside_root(root, "reports/issue_1.md", "report body")
    (root / "figures").mkdir()
    (root / "figures" / "issue_1").symlink_to(outside)
    with pytest.raises(InputError):
        inside_root(root, "figures/issue_1", "figures directory")
    assert inside_root(root, "figures/x/../y", "f") == root / "figures/x/../y"
    assert inside_root(root, "/abs", "f", allow_outside=True) == Path("/abs")


def test_render_refuses_a_symlinked_reports_directory(toy_root_cli, tmp_path, capsys):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (toy_root_cli / "reports").symlink_to(outside)
    rc = main(["report", "render", "--issue", "7", "--root", str(toy_root_cli),
               "--repo", "acme/research", "--commit", "189a247" + "0" * 33])
    assert rc == 2 and "outside the repository root" in capsys.readouterr().err
    assert list(outside.iterdir()) == []


@pytest.fixture
def toy_root_cli(tmp_path):
    from tests.builders import toy

    root = tmp_path / "root"
    target = root / "eval_results" / "issue_7" / "run_result.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(toy()), encoding="utf-8")
    return root


@pytest.mark.parametrize("issue", ["-1", "0", "1_0", "\u0661", " 7", "7.0", "+7", "0x7"])
@pytest.mark.parametrize("command", [["report", "render"], ["report", "update"]])
def test_issue_must_be_positive_ascii_digits(tmp_path, capsys, issue, command):
    rc = main([*command, "--issue", issue, "--root", str(tmp_path), "--repo", "a/b"])
    assert rc == 2 and "not a positive issue number" in capsys.readouterr().err
    assert not any(tmp_path.rglob("issue_*"))


@pytest.mark.parametrize("repo", ["../x", "o/..", "o/r?x=<script>", "o/r/s", "-o/r", "o/",
                                  "o r/x", "o/r#f"])
def test_repo_must_be_owner_slash_name(tmp_path, capsys, repo):
    rc = main(["report", "render", "--issue", "7", "--root", str(tmp_path), "--repo", repo])
    assert rc == 2 and "not OWNER/NAME" in capsys.readouterr().err


def test_name_parsers():
    assert parse_issue_number("238") == 238 and parse_issue_number("١") is None
    assert parse_issue_number("1_0") is None and parse_issue_number("0") is None
    assert parse_repo("acme/research.v2_x-y") == ("acme", "research.v2_x-y")
    assert parse_repo("acme/..") is None and parse_repo("a" * 40 + "/r") is None
