"""Reading the experiment config: YAML with positions, ``--set`` overrides, located errors.

Every validation error becomes one line ``FILE:LINE:COL: key.path: message`` pointing at the
YAML key (an unknown key, with "did you mean ...") or at its value (a bad value); a value given
by ``--set a.b=value`` is named as such. Only :func:`load_config` is public (re-exported by
:mod:`personageo.config`).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from personageo.errors import InputError, Location
from personageo.files import read_text
from personageo.yaml_safe import load_yaml

_TYPE_TAGS = {"int", "str", "float", "bool", "list", "dict", "none"}

#: key path -> ((line, col) of the key, (line, col) of the value), 1-based
Positions = dict[tuple, tuple[tuple[int, int], tuple[int, int]]]


def _mark(node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def yaml_positions(text: str) -> Positions:
    """Where each key and item of a YAML document is (sequence items by index)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: Positions = {}

    def walk(node, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, key.value)
                out[sub] = (_mark(key), _mark(value))
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                out[(*path, i)] = (_mark(item), _mark(item))
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return out


def parse_override(item: str) -> tuple[tuple, object]:
    """``a.b.0.c=value`` -> (("a", "b", 0, "c"), value parsed as YAML)."""
    key, sep, value = item.partition("=")
    parts = tuple(int(p) if p.isdigit() else p for p in key.strip().split("."))
    if not sep or not key.strip() or any(p == "" for p in parts):
        raise InputError(f"--set {item!r} is not KEY.PATH=VALUE",
                         hint="e.g. --set analysis.n_perm=999 --set layers=[3,9]")
    return parts, load_yaml(value, f"--set {key.strip()}", what="--set value") \
        if value.strip() else ""


def apply_overrides(raw: dict, overrides: Sequence[str]) -> dict[tuple, str]:
    """Apply ``--set`` items to ``raw`` in place; returns key path -> the item that set it."""
    given: dict[tuple, str] = {}
    for item in overrides:
        parts, value = parse_override(item)
        node = raw
        for i, part in enumerate(parts[:-1]):
            nxt = parts[i + 1]
            if isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
                continue
            if not isinstance(node, dict):
                raise InputError(f"--set {item!r}: {'.'.join(map(str, parts[:i]))} is not a "
                                 "mapping")
            node = node.setdefault(part, [] if isinstance(nxt, int) else {})
        last = parts[-1]
        if isinstance(node, list) and isinstance(last, int) and last < len(node):
            node[last] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise InputError(f"--set {item!r}: cannot set {'.'.join(map(str, parts))}")
        given[parts] = item
    return given


def _unwrap(annotation) -> list:
    """The model classes an annotation may hold (through Optional, list, dict values)."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if origin in (list, tuple, set, typing.Union, types.UnionType, dict):
        args = typing.get_args(annotation)
        if origin is dict:
            args = args[1:]
        return [m for a in args for m in _unwrap(a)]
    return []


def known_keys(model: type[BaseModel], path: Sequence) -> list[str]:
    """Field names of the config section at ``path`` (empty when it is not a section)."""
    models = [model]
    for part in path:
        if isinstance(part, int):
            continue
        models = [m for cls in models if part in cls.model_fields
                  for m in _unwrap(cls.model_fields[part].annotation)]
        if not models:
            return []
    return sorted({f for cls in models for f in cls.model_fields})


def _located(model, exc: ValidationError, path: Path, pos: Positions,
             given: dict[tuple, str]) -> list[tuple[Location, str]]:
    out = []
    for e in exc.errors():
        # drop pydantic's union-member tags (``int``, ``function-after[...]``) from the path
        loc = tuple(x for x in e["loc"] if isinstance(x, int)
                    or not ("[" in x or x in _TYPE_TAGS))
        key = ".".join(map(str, loc)) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(loc[-1]), known_keys(model, loc[:-1]), n=1,
                                              cutoff=0.6)
            msg = "unknown key" + (f"; did you mean {close[0]!r}?" if close else "")
            if not close and known_keys(model, loc[:-1]):
                msg += f" (known: {', '.join(known_keys(model, loc[:-1]))})"
        setter = next((item for k, item in given.items() if loc[:len(k)] == k), None)
        if setter is not None:
            out.append((Location(f"--set {setter}"), f"{key}: {msg}"))
            continue
        prefix = next((loc[:n] for n in range(len(loc), 0, -1) if loc[:n] in pos), None)
        if prefix is None:
            out.append((Location(str(path)), f"{key}: {msg}"))
            continue
        key_at, value_at = pos[prefix]
        line, col = key_at if (prefix != loc or e["type"] == "extra_forbidden") else value_at
        out.append((Location(str(path), line, col), f"{key}: {msg}"))
    return out


def load_config(path: str | Path, overrides: Sequence[str] = ()):
    """Read a YAML experiment config (with ``--set KEY.PATH=VALUE`` overrides applied).

    Raises
    ------
    InputError
        Missing file, invalid YAML, or invalid settings: one detail line per problem,
        ``FILE:LINE:COL: key.path: message`` (with "did you mean" for a misspelt key).
    """
    from personageo.config.experiment import ExperimentConfig

    p = Path(path)
    text = read_text(p, "config file")  # bounded, regular files only
    raw = load_yaml(text, str(p), what="config")  # no alias bombs, duplicate keys refused
    if not isinstance(raw, dict):
        raise InputError("expected a mapping at the top level", Location(str(p)))
    given = apply_overrides(raw, overrides)
    try:
        return ExperimentConfig.model_validate(raw)
    except ValidationError as exc:
        found = _located(ExperimentConfig, exc, p, yaml_positions(text), given)
        first = found[0][0]
        raise InputError(f"{len(found)} error(s) in config", first,
                         details=[f"{loc}: {msg}" for loc, msg in found],
                         hint="every key is documented in schemas/experiment_config.schema.json "
                              "(`personageo schema --config`)") from None


SCHEMA_NAME = "experiment_config.schema.json"


def config_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of the experiment config, generated from the pydantic models
    (field docstrings become descriptions: editors show them while completing keys)."""
    from personageo.config.experiment import ExperimentConfig

    schema = ExperimentConfig.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://personageo.dev/schemas/{SCHEMA_NAME}"
    schema["title"] = "personageo experiment config"
    return schema


def config_schema_text() -> str:
    from personageo.files import dump_json

    return dump_json(config_json_schema())
