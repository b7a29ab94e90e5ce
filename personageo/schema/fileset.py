"""The manifest of a render's files: the contract between ``report render`` / ``report
update`` (which write it, :mod:`personageo.report._fileset`) and ``lint`` (which checks it), so
it lives here, below both.

``<body>.files.json`` names every file of the last completed render with its sha256, paths
relative to the manifest's directory::

    {"format": "personageo-render-files/1", "body": "issue_1.md",
     "files": {"../figures/issue_1/hero.png": "<64 hex>", "issue_1.md": "<64 hex>", ...}}

It is written after every file of the set is in place, so companions that differ from it come
from an interrupted (or a different) render.
"""

from __future__ import annotations

from pathlib import Path

from personageo.errors import InputError
from personageo.files import loads_strict, read_bytes, sha256_bytes

MANIFEST_SUFFIX = ".files.json"
MANIFEST_FORMAT = "personageo-render-files/1"


def manifest_path(body: Path) -> Path:
    return body.with_name(body.name + MANIFEST_SUFFIX)


def read_manifest(body: Path) -> dict | None:
    """The manifest beside ``body`` (``{"format", "body", "files": {rel: sha256}}``), or None
    when there is none or it is not one."""
    path = manifest_path(body)
    if not path.is_file():
        return None
    try:
        data = loads_strict(read_bytes(path, "manifest", 1 << 24).decode("utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ValueError, InputError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or \
            not isinstance(data.get("files"), dict):
        return None
    return data


def check_set(body: Path) -> list[str] | None:
    """Companion files that differ from the manifest beside ``body`` (each as a short
    reason), ``[]`` when they all match, None when there is no manifest."""
    data = read_manifest(body)
    if data is None:
        return None
    base = manifest_path(body).parent
    problems = []
    for rel, digest in data["files"].items():
        if not isinstance(rel, str) or rel == data.get("body"):
            continue  # the body may be edited by people after rendering
        path = base / rel
        try:
            actual = sha256_bytes(read_bytes(path, "companion")) if path.is_file() else None
        except (OSError, InputError):
            actual = None
        if actual is None:
            problems.append(f"{rel} is missing")
        elif actual != digest:
            problems.append(f"{rel} differs from the render that wrote this body")
    return problems
