"""Record paths: stable addresses of values inside a run result.

A record path is a JSON pointer over the *id view* of a run result, where every list of records
is addressed by the record's ``id`` (or, for records without one, ``checkpoint``), never by index:
``/cells/M1_A_L20_full_em_lr2e5/delta``, ``/weight_norms/full_em_lr2e5/per_block/20``,
``/design/layers/2`` (plain lists keep indices). Paths survive reruns that reorder records, so
the linter can say which bound value changed.
"""

from __future__ import annotations

from typing import Any

from personageo.errors import json_pointer

_KEYS = ("id", "checkpoint")


def _key_of(item: Any) -> str | None:
    if isinstance(item, dict):
        for k in _KEYS:
            if isinstance(item.get(k), str):
                return item[k]
    return None


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def resolve(doc: Any, path: str) -> Any:
    """Value at record ``path`` in ``doc`` (the JSON form of a run result); KeyError if absent."""
    cur = doc
    if path in ("", "/"):
        return cur
    for raw in path.lstrip("/").split("/"):
        part = _unescape(raw)
        if isinstance(cur, dict):
            if part not in cur:
                raise KeyError(path)
            cur = cur[part]
        elif isinstance(cur, list):
            match = [x for x in cur if _key_of(x) == part]
            if match:
                cur = match[0]
            elif part.isdigit() and int(part) < len(cur):
                cur = cur[int(part)]
            else:
                raise KeyError(path)
        else:
            raise KeyError(path)
    return cur


def record_path(*parts: Any) -> str:
    """Build a record path from parts (``record_path("cells", cell_id, "delta")``)."""
    return json_pointer(parts)


def iter_numbers(doc: Any, prefix: tuple = ()):
    """Yield ``(record_path, value)`` for every finite number (not bool) in ``doc``."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from iter_numbers(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            key = _key_of(v)
            yield from iter_numbers(v, prefix + (key if key is not None else i,))
    elif isinstance(doc, (int, float)) and not isinstance(doc, bool):
        yield json_pointer(prefix), float(doc)
