"""Small file helpers shared by every stage: atomic writes, hashing, guarded overwrites."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from personageo.errors import InputError, Location


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename.

    A reader never sees a half-written file, and a crash leaves the old file intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with directory_lock(path.parent):
        clean_orphans([path])
        tmp = write_temp(path, data)
        try:
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return path


@contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """Exclusive lock on ``directory`` for the block (released by the OS if the process dies),
    so that the temporaries of a writer holding it are never taken for orphans."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def clean_orphans(paths: list[Path]) -> list[Path]:
    """Remove the ``.<name>.*.tmp`` files that a killed writer of ``paths`` left behind (call
    it holding :func:`directory_lock` on their directory)."""
    removed = []
    for p in paths:
        for tmp in Path(p).parent.glob(f".{glob.escape(Path(p).name)}.*.tmp"):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


def write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a new fsynced ``.<name>.XXXX.tmp`` file beside ``path`` (with the mode
    ``path`` has or would get), ready to be renamed onto it."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


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


#: Largest input file read by default (results files with per-question answers included).
MAX_INPUT_BYTES = 256 * 1024 * 1024


def read_bytes(path: str | os.PathLike, what: str = "file",
               limit: int = MAX_INPUT_BYTES) -> bytes:
    """Bytes of the regular file ``path``, at most ``limit`` of them.

    A missing file, a directory, a FIFO, device or socket (which could block or never end) and
    a file over ``limit`` bytes are each an :class:`InputError`; the file is opened without
    blocking and checked after opening, so a path swapped for a FIFO is refused too.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(f"{what} not found", Location(str(p))) from None
    except IsADirectoryError:
        raise InputError("expected a file, got a directory", Location(str(p))) from None
    except OSError as exc:
        raise InputError(f"cannot read {what}: {exc.strerror}", Location(str(p))) from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("expected a file, got a directory", Location(str(p)))
        if not stat.S_ISREG(mode):
            raise InputError(f"expected a regular file, got a FIFO, device or socket; "
                             f"refusing to read this {what}", Location(str(p)))
        if os.fstat(fd).st_size > limit:
            raise InputError(f"{what} is {os.fstat(fd).st_size:,} bytes; at most {limit:,} "
                             "are read", Location(str(p)))
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{what} is over {limit:,} bytes", Location(str(p)))
    return data


def read_stream(stream, what: str = "<stdin>", limit: int = MAX_INPUT_BYTES) -> bytes:
    """At most ``limit`` bytes of a binary stream (stdin); more is an :class:`InputError`."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"input is over {limit:,} bytes", Location(what))
    return data


def read_text(path: str | os.PathLike, what: str = "file",
              limit: int = MAX_INPUT_BYTES) -> str:
    """UTF-8 text of ``path`` (see :func:`read_bytes`); undecodable text is an
    :class:`InputError` at the line and column of the first bad byte."""
    data = read_bytes(path, what, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(f"not UTF-8 text ({exc.reason})", Location(str(path), line, col)) \
            from None


def iter_jsonl(path: str | os.PathLike, what: str = "file", hint: str | None = None):
    """``(line number, column of the first character, object)`` for each non-blank line of a
    JSONL file; a line that is not JSON raises :class:`InputError` at its line and column."""
    p = Path(path)
    for lineno, line in enumerate(read_text(p, what).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = loads_strict(line, str(p))
        except InputError as exc:
            where = exc.location
            raise InputError(exc.message, Location(str(p), lineno, where.col if where else None,
                                                   where.pointer if where else None),
                             hint=hint) from None
        yield lineno, len(line) - len(line.lstrip()) + 1, obj


def read_json(path: str | os.PathLike, limit: int = MAX_INPUT_BYTES) -> Any:
    """Read a JSON file strictly (see :func:`loads_strict`); every problem is an
    :class:`InputError` naming the file and a line:column or JSON pointer."""
    p = Path(path)
    return loads_strict(read_text(p, "file", limit), str(p))


#: Deepest nesting of arrays and objects accepted in a JSON input.
MAX_JSON_DEPTH = 64
#: Longest integer literal accepted, in digits.
MAX_JSON_INT_DIGITS = 64


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Pairs(list):
    """An object's ``(key, value)`` pairs as written (duplicates kept until checked)."""


class _Bad:
    """A literal refused at parse time, reported with its pointer once the tree is walked."""

    def __init__(self, why: str) -> None:
        self.why = why


def _parse_float(text: str) -> Any:
    value = float(text)
    return value if value not in (float("inf"), float("-inf")) else \
        _Bad(f"the number {text[:20]}{'...' if len(text) > 20 else ''} overflows to infinity")


def _parse_int(text: str) -> Any:
    digits = len(text.lstrip("-"))
    if digits > MAX_JSON_INT_DIGITS:
        return _Bad(f"an integer of {digits:,} digits (at most {MAX_JSON_INT_DIGITS})")
    return int(text)


def _parse_constant(name: str) -> Any:
    return _Bad(f"{name} is not a JSON number (non-finite values are not allowed; "
                "record a missing statistic as null)")


def _depth_error(text: str, path: str | None) -> InputError:
    """The first place where nesting exceeds :data:`MAX_JSON_DEPTH` (strings skipped)."""
    depth = 0
    for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]', text):
        tok = m.group(0)
        depth += 1 if tok in "[{" else -1 if tok in "]}" else 0
        if depth > MAX_JSON_DEPTH:
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            return InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                              Location(path, line, col))
    return InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", Location(path))


def loads_strict(text: str, path: str | None = None) -> Any:
    """Parse JSON text, refusing what ``json.loads`` lets through or crashes on.

    Duplicate keys, ``NaN``/``Infinity``, numbers that overflow to infinity, integers over
    :data:`MAX_JSON_INT_DIGITS` digits and nesting over :data:`MAX_JSON_DEPTH` levels are each
    an :class:`InputError` with the JSON pointer (or line:column) of the offending value in
    this text.
    """
    try:
        raw = json.loads(text, object_pairs_hook=_Pairs, parse_float=_parse_float,
                         parse_int=_parse_int, parse_constant=_parse_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", Location(path, exc.lineno, exc.colno)) \
            from None
    except RecursionError:
        raise _depth_error(text, path) from None
    return _checked(raw, path)


def _checked(raw: Any, path: str | None) -> Any:
    """Turn :class:`_Pairs` into dicts and raise at the first refused value (the recursion is
    bounded by :data:`MAX_JSON_DEPTH`)."""
    from personageo.errors import json_pointer

    def build(node: Any, parts: tuple, depth: int) -> Any:
        if depth > MAX_JSON_DEPTH:
            raise InputError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels",
                             Location(path, pointer=json_pointer(parts)))
        if isinstance(node, _Bad):
            raise InputError(node.why, Location(path, pointer=json_pointer(parts)))
        if isinstance(node, str) and _SURROGATE.search(node):
            raise InputError("a lone surrogate escape (\\uD800-\\uDFFF) is not text",
                             Location(path, pointer=json_pointer(parts)))
        if isinstance(node, _Pairs):
            out: dict = {}
            for key, value in node:
                if _SURROGATE.search(key):
                    raise InputError("a lone surrogate escape (\\uD800-\\uDFFF) in a key",
                                     Location(path, pointer=json_pointer(parts)))
                if key in out:
                    raise InputError(f"duplicate key {key!r} in one object (JSON readers "
                                     "disagree on which value wins)",
                                     Location(path, pointer=json_pointer((*parts, key))))
                out[key] = build(value, (*parts, key), depth + 1)
            return out
        if isinstance(node, list):
            return [build(v, (*parts, i), depth + 1) for i, v in enumerate(node)]
        return node

    return build(raw, (), 0)


# --- names that become paths or URLs -----------------------------------------------------

#: GitHub's rules: an owner is 1-39 letters, digits or single hyphens; a repository name is
#: letters, digits, ``.``, ``_`` and ``-`` (never ``.`` or ``..``).
_REPO = re.compile(r"^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})$")
_ISSUE = re.compile(r"^[1-9][0-9]{0,8}$")


def parse_repo(text: str) -> tuple[str, str] | None:
    """``(owner, name)`` of an ``OWNER/NAME`` string, or None when it is not one."""
    m = _REPO.match(text)
    if not m or m.group(2) in (".", ".."):
        return None
    return m.group(1), m.group(2)


def parse_issue_number(text: str) -> int | None:
    """A positive issue number written in ASCII digits (no sign, ``_``, spaces or other
    scripts' digits, which ``int()`` accepts), or None."""
    return int(text) if isinstance(text, str) and _ISSUE.match(text) else None


def inside_root(root: str | os.PathLike, path: str | os.PathLike, what: str,
                allow_outside: bool = False) -> Path:
    """``root / path``, refused unless it stays inside ``root`` once ``..`` and symlinks are
    resolved (an absolute ``path`` is outside by definition) unless ``allow_outside``.

    Used for every path the tool derives from a config or a convention before writing there.
    """
    target = Path(root) / path
    if allow_outside:
        return target
    base = Path(root).resolve()
    resolved = target.resolve()
    if Path(path).is_absolute() or not resolved.is_relative_to(base):
        raise InputError(f"{what} {str(path)!r} resolves to {resolved}, outside the repository "
                         f"root {base}", Location(str(target)),
                         hint="use a path inside the root (no '..', no absolute path, no "
                              "symlink out of it), or pass the path explicitly on the command "
                              "line")
    return target


def write_generated(argv: list[str] | None, default: Path, render, prog: str) -> int:
    """``python -m <prog> [PATH]``: write the generated text ``render()`` atomically to PATH
    (default ``default``) and say where; ``--help`` explains instead of naming a file."""
    import argparse

    ap = argparse.ArgumentParser(prog=f"python -m {prog}", description=render.__doc__)
    ap.add_argument("path", nargs="?", type=Path, default=default,
                    help=f"where to write it (default: {default})")
    args = ap.parse_args(argv)
    print(f"wrote {atomic_write_text(args.path, render())}")
    return 0
