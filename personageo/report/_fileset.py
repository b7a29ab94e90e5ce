"""The files of one render (body, figures, and any companion such as the claims sidecar),
committed as a set that a reader can check.

Each file is written atomically on its own (temp file + rename), but a kill between two
renames would leave new figures beside an old body. :func:`commit_set` therefore

1. takes an exclusive lock on the body's directory (released by the OS if the process dies),
   so that any ``.<name>.*.tmp`` file of the set found there is an orphan of a killed run, and
   removes it;
2. writes every file of the set to a temporary file, fsynced;
3. renames the companions, then the body;
4. writes the manifest ``<body>.files.json`` last, naming each file with its sha256.

A reader (:func:`personageo.schema.fileset.check_set`, lint rule PG226) compares the files on disk with the manifest: a
run killed after step 2 leaves the old set and old manifest (consistent); a run killed in
step 3 or before step 4 leaves companions that differ from the manifest, which is reported.
The body itself may be edited by people after rendering, so only the companions are checked.
"""

from __future__ import annotations

import os
from pathlib import Path

from personageo.files import (
    atomic_write_bytes,
    clean_orphans,
    directory_lock,
    dump_json,
    sha256_bytes,
    write_temp,
)
from personageo.schema.fileset import MANIFEST_FORMAT, manifest_path, read_manifest


def _rel(path: Path, start: Path) -> str:
    """``path`` relative to ``start``, both resolved first: a set written through a symlinked
    path (``--root`` or ``--body`` via a link) names each file as a direct render does, so
    ``report update`` through the link changes nothing."""
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def commit_set(files: dict[Path, bytes], body: Path) -> Path:
    """Write ``files`` (``body`` among them) as one set and return the manifest path (see the
    module docstring). Without the body (a figures-only render) the files are written one by
    one and the manifest is left as it is: until the body is rendered again, PG226 reports
    figures that differ from the ones the body was rendered with."""
    paths = [Path(p) for p in files]
    if body not in files:
        for p in paths:
            atomic_write_bytes(p, files[p])
        return manifest_path(body)
    for directory in {p.parent for p in paths} | {body.parent}:
        directory.mkdir(parents=True, exist_ok=True)
    manifest = manifest_path(body)
    with directory_lock(body.parent):
        clean_orphans([*paths, manifest])
        temps: dict[Path, Path] = {}
        try:
            for p in paths:
                temps[p] = write_temp(p, files[p])
        except BaseException:
            for tmp in temps.values():
                tmp.unlink(missing_ok=True)
            raise
        order = sorted(paths, key=lambda p: (p == body, str(p)))  # the body last
        for p in order:
            os.replace(temps[p], p)
        old = read_manifest(body) or {}
        listed = dict(old.get("files", {})) if isinstance(old.get("files"), dict) else {}
        for p in paths:
            listed[_rel(p, manifest.parent)] = sha256_bytes(files[p])
        text = dump_json({"format": MANIFEST_FORMAT, "body": body.name,
                          "files": dict(sorted(listed.items()))})
        os.replace(write_temp(manifest, text.encode("utf-8")), manifest)
    return manifest
