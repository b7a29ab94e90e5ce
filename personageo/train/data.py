"""Chat SFT data: local JSONL or a Hugging Face dataset -> validated rows + a fingerprint.

A row is ``{"messages": [{"role": ..., "content": ...}, ...]}``; roles are ``system``, ``user``
and ``assistant``, and at least one assistant turn is required. Malformed rows raise
:class:`~personageo.errors.InputError` naming ``file:line:col`` (or the dataset row).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from personageo.errors import InputError, Location, require
from personageo.files import iter_jsonl, sha256_text

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class ChatData:
    """Validated conversations and where they came from."""

    rows: list[list[dict]]
    """One list of ``{"role", "content"}`` messages per example."""
    sources: list[str]
    """Per row, where it came from (``path:line`` or ``dataset[split]#index``)."""
    fingerprint: str
    """sha256 of the canonical rows (see :func:`fingerprint_rows`)."""
    origin: dict


def fingerprint_rows(rows: list[list[dict]]) -> str:
    """sha256 over one canonical JSON line (sorted keys, compact, UTF-8) per row, in order."""
    return sha256_text("".join(
        json.dumps({"messages": r}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        + "\n" for r in rows))


def validate_messages(obj: Any, where: Location) -> list[dict]:
    """Check one row's structure and return its messages (only ``role`` and ``content`` kept)."""
    if not isinstance(obj, dict) or "messages" not in obj:
        raise InputError("expected an object with a 'messages' list", where,
                         hint='{"messages": [{"role": "user", "content": "..."}, ...]}')
    msgs = obj["messages"]
    if not isinstance(msgs, list) or not msgs:
        raise InputError("'messages' must be a non-empty list", _at(where, "/messages"))
    out = []
    for i, m in enumerate(msgs):
        loc = _at(where, f"/messages/{i}")
        if not isinstance(m, dict):
            raise InputError("a message must be an object with 'role' and 'content'", loc)
        role, content = m.get("role"), m.get("content")
        if role not in ROLES:
            raise InputError(f"role must be one of {list(ROLES)}, got {role!r}",
                             _at(where, f"/messages/{i}/role"))
        if not isinstance(content, str):
            raise InputError(f"content must be a string, got {type(content).__name__}",
                             _at(where, f"/messages/{i}/content"))
        if role == "system" and i != 0:
            raise InputError("a system message is only allowed first", loc)
        out.append({"role": role, "content": content})
    if not any(m["role"] == "assistant" for m in out):
        raise InputError("no assistant message to train on", _at(where, "/messages"))
    return out


def _at(where: Location, pointer: str) -> Location:
    return Location(where.path, where.line, where.col, (where.pointer or "") + pointer)


def read_chat_jsonl(path: str | Path, first_n: int | None = None) -> ChatData:
    """Read a chat JSONL file; blank lines are skipped, every other line must be a valid row."""
    p = Path(path)
    rows, sources = [], []
    for lineno, col, obj in iter_jsonl(p, "data file", hint="one JSON object per line"):
        rows.append(validate_messages(obj, Location(str(p), lineno, col)))
        sources.append(f"{p}:{lineno}")
        if first_n is not None and len(rows) >= first_n:
            break
    if not rows:
        raise InputError("no examples in data file", Location(str(p)))
    return ChatData(rows, sources, fingerprint_rows(rows),
                    {"kind": "jsonl", "path": str(p), "first_n": first_n})


def read_hf_dataset(name: str, split: str = "train", revision: str | None = None,
                    first_n: int | None = None, messages_field: str = "messages") -> ChatData:
    """The first ``first_n`` rows of a Hugging Face dataset (streamed), validated like JSONL.

    Pin ``revision`` (a commit sha) so that the same rows come back; the fingerprint is recorded
    either way, so a changed upstream shows up as a changed fingerprint.
    """
    datasets = require("datasets", "data")
    ds = datasets.load_dataset(name, split=split, revision=revision, streaming=True)
    rows, sources = [], []
    for i, item in enumerate(ds):
        if first_n is not None and i >= first_n:
            break
        where = Location(f"{name}[{split}]", pointer=f"/{i}")
        obj = {"messages": item.get(messages_field)} if isinstance(item, dict) else item
        rows.append(validate_messages(obj, where))
        sources.append(f"{name}[{split}]#{i}")
    if not rows:
        raise InputError("no examples in dataset", Location(f"{name}[{split}]"))
    return ChatData(rows, sources, fingerprint_rows(rows),
                    {"kind": "hf_dataset", "name": name, "split": split, "revision": revision,
                     "first_n": first_n})


def load_chat_data(spec: Any, base_dir: str | Path | None = None) -> ChatData:
    """Rows of a :class:`personageo.config.DataSpec` (relative paths resolve from ``base_dir``)."""
    if spec.path is not None:
        p = Path(spec.path)
        if base_dir is not None and not p.is_absolute():
            p = Path(base_dir) / p
        return read_chat_jsonl(p, spec.first_n)
    return read_hf_dataset(spec.hf_dataset, spec.split, spec.revision, spec.first_n)
