"""Package data: real files inside the built wheel (templates, schemas, example inputs), no
symlinks in the package, and the same files found from a source checkout."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from personageo._resources import SHIPPED, resource_dir

REPO = Path(__file__).resolve().parents[2]


def test_the_package_holds_no_symlinks():
    links = [str(p.relative_to(REPO)) for p in (REPO / "personageo").rglob("*") if p.is_symlink()]
    assert links == []


def test_resources_resolve_to_the_checkout_folders():
    for name in SHIPPED:
        assert resource_dir(name) == REPO / name
    assert (resource_dir("templates") / "clean_result_v2.md.j2").is_file()


@pytest.mark.slow
def test_the_wheel_contains_the_shipped_files(tmp_path):
    src = tmp_path / "src"  # built from a copy: the build writes build/ and *.egg-info
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("personageo", "templates", "schemas", "data"):
        shutil.copytree(REPO / name, src / name, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copyfile(REPO / name, src / name)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(src)],
        capture_output=True, text=True, cwd=tmp_path, timeout=900)
    if proc.returncode != 0 and "No module named pip" in proc.stderr:
        pytest.skip("pip is not available to build the wheel")
    assert proc.returncode == 0, proc.stderr
    wheel = next((tmp_path / "dist").glob("personageo-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        infos = {i.filename: i for i in zf.infolist()}
    expected = {f"personageo/{name}/{p.relative_to(REPO / name).as_posix()}"
                for name, pattern in (("templates", "**/*.j2"), ("schemas", "*.json"),
                                      ("data", "**/*.json*"))
                for p in (REPO / name).glob(pattern)}
    assert "personageo/templates/clean_result_v2.md.j2" in expected
    assert "personageo/data/sft/benign.jsonl" in expected
    assert expected <= set(infos), sorted(expected - set(infos))
    for name in expected:  # real files with their bytes (a symlink would be a tiny text entry)
        rel = Path(name).relative_to("personageo")
        with zipfile.ZipFile(wheel) as zf:
            assert zf.read(name) == (REPO / rel).read_bytes(), name
    # mode bits of a zip entry: no entry is a symlink
    assert not any((i.external_attr >> 16) & 0o170000 == 0o120000 for i in infos.values())


def test_hf_dataset_support_is_in_the_extra_its_hint_names(monkeypatch):
    tomllib = pytest.importorskip("tomllib")
    from personageo.errors import MissingDependencyError
    from personageo.train.data import read_hf_dataset

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    monkeypatch.setitem(sys.modules, "datasets", None)  # not installed
    with pytest.raises(MissingDependencyError) as err:
        read_hf_dataset("owner/name")
    extra = err.value.hint.split("[")[1].split("]")[0]
    assert err.value.hint == f"pip install 'personageo[{extra}]'"
    for name in (extra, "gpu", "cpu"):
        assert any(d.startswith("datasets") for d in extras[name]), name
