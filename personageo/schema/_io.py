"""Load, validate, save and export ``run_result.json``.

``load_run_result`` accepts schema v1 files and (through :mod:`personageo.schema.legacy`) the
legacy layouts; every type or semantic problem is reported with its JSON pointer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from personageo._resources import resource_dir
from personageo.errors import InputError, Location, json_pointer
from personageo.files import atomic_write_text, dump_json, read_json
from personageo.schema._models import SCHEMA_VERSION, RunResult
from personageo.schema._semantics import check_semantics


def _version_tuple(v: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in v.split("."))
    except ValueError:
        return (10**9,)


def parse_run_result(obj: Any, path: str | None = None, semantic: bool = True) -> RunResult:
    """Validate a JSON object as a schema-v1 run result; raise :class:`InputError` listing all
    problems, each with its JSON pointer."""
    where = Location(path)
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object at the top level, got {type(obj).__name__}",
                         Location(path, pointer=""))
    version = obj.get("schema_version")
    if version is None:
        raise InputError("no 'schema_version': not a personageo v1 results file",
                         Location(path, pointer="/schema_version"),
                         hint="legacy files are read with load_run_result(..., legacy=True)")
    if not isinstance(version, str) or _version_tuple(version) > _version_tuple(SCHEMA_VERSION):
        raise InputError(
            f"schema_version {version!r} is newer than this personageo understands "
            f"({SCHEMA_VERSION})", Location(path, pointer="/schema_version"),
            hint="upgrade personageo")
    try:
        # strict: no string-to-number coercion ("layer": "3" is refused, as the JSON Schema
        # does); an older version is migrated first (RunResult's before-validator)
        run = RunResult.model_validate(obj, strict=True)
    except ValidationError as exc:
        details = []
        for err in exc.errors():
            ptr = json_pointer(err["loc"])
            details.append(f"#{ptr}: {err['msg']} (got {_short(err.get('input'))})")
        raise InputError(f"{len(details)} schema error(s) in results file", where,
                         details=details) from None
    if semantic:
        issues = check_semantics(run)
        if issues:
            raise InputError(f"{len(issues)} consistency error(s) in results file", where,
                             details=[str(i) for i in issues],
                             hint="`personageo verify` reports these as findings")
    return run


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_run_result(path: str | os.PathLike, legacy: bool = True,
                    semantic: bool = True) -> RunResult:
    """Read a results file: schema v1, or a legacy layout imported losslessly when ``legacy``."""
    obj = read_json(path)
    if isinstance(obj, dict) and "schema_version" not in obj and legacy:
        from personageo.schema.legacy import import_legacy

        try:
            run = import_legacy(obj, path=str(path))
        except ValidationError as exc:
            raise _legacy_value_error(exc, obj, str(path)) from None
        if semantic:
            issues = check_semantics(run)
            if issues:
                raise InputError(f"{len(issues)} consistency error(s) after legacy import",
                                 Location(str(path)), details=[str(i) for i in issues])
        return run
    return parse_run_result(obj, str(path), semantic=semantic)


def _legacy_value_error(exc: ValidationError, obj: Any, path: str) -> InputError:
    """A value the legacy importer copied is out of range for schema v1: name it by its JSON
    pointer in the user's (legacy) file, found by value, not by its place in the converted
    document."""
    details = []
    for err in exc.errors():
        where = _pointers_of(obj, err.get("input"))
        at = ", ".join("#" + p for p in where[:3]) if where else "(value not found verbatim)"
        details.append(f"{at}: {err['msg']} (got {_short(err.get('input'))}; schema v1 field "
                       f"{json_pointer(err['loc'])})")
    first = _pointers_of(obj, exc.errors()[0].get("input")) if exc.errors() else []
    return InputError(f"{len(details)} value(s) of the legacy file are out of range for "
                      "schema v1", Location(path, pointer=first[0] if first else None),
                      details=details)


def _pointers_of(obj: Any, value: Any, parts: tuple = ()) -> list[str]:
    """JSON pointers of every leaf of ``obj`` equal to ``value`` (same type)."""
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _pointers_of(v, value, (*parts, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in _pointers_of(v, value, (*parts, i))]
    if type(obj) is type(value) and obj == value:
        return [json_pointer(parts)]
    return []


def run_result_json(run: RunResult) -> str:
    """Canonical JSON text of a run result (stable key order, no NaN)."""
    return dump_json(run.model_dump(mode="json"))


def save_run_result(run: RunResult, path: str | os.PathLike) -> Path:
    """Validate semantically, then write atomically (temp file + rename)."""
    issues = check_semantics(run)
    if issues:
        raise InputError(f"refusing to write an inconsistent results file ({len(issues)} "
                         "error(s))", Location(str(path)), details=[str(i) for i in issues])
    return atomic_write_text(path, run_result_json(run))


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of schema v1, generated from the pydantic models."""
    schema = RunResult.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://personageo.dev/schemas/run_result-{SCHEMA_VERSION}.schema.json"
    return schema


def json_schema_text() -> str:
    return dump_json(json_schema())


SCHEMA_FILE = resource_dir("schemas") / "run_result.schema.json"
