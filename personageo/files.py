"""Small file helpers shared by every stage: atomic writes, hashing, guarded overwrites."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from personageo.errors import InputError, Location


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename.

    A reader never sees a half-written file, and a crash leaves the old file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _file_mode(path: Path) -> int:
    """Mode for the new file: the existing file's, else 0o666 minus the umask (like open())."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def dump_json(obj: Any) -> str:
    """Canonical JSON text: 2-space indent, keys in given order, no NaN, trailing newline."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def atomic_write_json(path: str | os.PathLike, obj: Any) -> Path:
    return atomic_write_text(path, dump_json(obj))


def guard_overwrite(path: str | os.PathLike, overwrite: bool) -> None:
    """Refuse to replace an existing user file unless ``overwrite`` was asked for."""
    if Path(path).exists() and not overwrite:
        raise InputError(
            "file exists and would be overwritten",
            Location(str(path)),
            hint="pass --overwrite (or choose another output path)",
        )


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_json(obj: Any) -> str:
    """Hash of a JSON-able object in canonical form (sorted keys, compact)."""
    return sha256_text(json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False))


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """UTF-8 text of ``path``; missing, undecodable or a directory -> :class:`InputError`."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} not found", Location(str(p))) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", Location(str(p))) from None
    except IsADirectoryError:
        raise InputError("expected a file, got a directory", Location(str(p))) from None


def iter_jsonl(path: str | os.PathLike, what: str = "file", hint: str | None = None):
    """``(line number, column of the first character, object)`` for each non-blank line of a
    JSONL file; a line that is not JSON raises :class:`InputError` at its line and column."""
    p = Path(path)
    for lineno, line in enumerate(read_text(p, what).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", Location(str(p), lineno, exc.colno),
                             hint=hint) from None
        yield lineno, len(line) - len(line.lstrip()) + 1, obj


def read_json(path: str | os.PathLike) -> Any:
    """Read a JSON file; a missing file or a syntax error becomes an :class:`InputError`."""
    p = Path(path)
    text = read_text(p)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON: {exc.msg}", Location(str(p), exc.lineno, exc.colno)
        ) from None
