"""Migration chain of ``run_result.json``: every older layout is brought to the current schema
one small step at a time, so a file written by any earlier version keeps loading.

The chain (each step a plain ``dict -> dict`` function, registered in :data:`STEPS`)::

    legacy issue_238 layout --\\
                               >-- "1.0" --> "1.1" (current)
    legacy issue_205 layout --/

* ``legacy -> 1.0``: the lossless legacy importers (:mod:`personageo.schema.legacy`) expressed
  as a step: the imported run, dumped as a schema-v1.0 object (only the fields a v1.0 file can
  hold).
* ``1.0 -> 1.1``: v1.1 only adds optional fields. A v1.0 comparison whose ratio is None
  because its baseline delta is 0 gets the reason v1.1 records for every undefined ratio.

Each step has a frozen fixture file under ``tests/schema/fixtures/`` that must keep loading.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from personageo.errors import InputError, Location

__all__ = ["STEPS", "migrate", "source_version"]

#: Name of the pseudo-version of a legacy (unversioned) object.
LEGACY = "legacy"


def _legacy_to_1_0(obj: dict, path: str | None) -> dict:
    """Import a legacy layout (issue 238 or 205) into a schema-v1.0 object."""
    from personageo.schema.legacy import import_legacy_run

    run = import_legacy_run(obj, path=path)
    out = run.model_dump(mode="json", exclude_unset=True)
    out["schema_version"] = "1.0"
    return out


def _v1_0_to_v1_1(obj: dict, path: str | None) -> dict:
    """v1.1 adds optional fields only; record why a v1.0 ratio is missing."""
    out = copy.deepcopy(obj)
    for cmp in out.get("comparisons") or []:
        if isinstance(cmp, dict) and cmp.get("ratio") is None and cmp.get("baseline_delta") == 0:
            cmp.setdefault("ratio_undefined", "baseline delta is 0")
    out["schema_version"] = "1.1"
    return out


Step = Callable[[dict, "str | None"], dict]

#: from-version -> (to-version, step).
STEPS: dict[str, tuple[str, Step]] = {
    LEGACY: ("1.0", _legacy_to_1_0),
    "1.0": ("1.1", _v1_0_to_v1_1),
}


def source_version(obj: Any) -> str:
    """The chain's name for the version of ``obj``: its ``schema_version``, or ``legacy``."""
    if isinstance(obj, dict) and "schema_version" not in obj:
        return LEGACY
    return obj.get("schema_version") if isinstance(obj, dict) else None


def migrate(obj: dict, path: str | None = None, target: str | None = None) -> dict:
    """Apply the chain's steps to ``obj`` until it is at ``target`` (default: current).

    Raises
    ------
    InputError
        When ``obj``'s version is not in the chain (newer than this code, or unknown).
    """
    from personageo.schema._models import SCHEMA_VERSION

    target = target or SCHEMA_VERSION
    version = source_version(obj)
    seen = set()
    while version != target:
        if version not in STEPS or version in seen:
            raise InputError(f"schema_version {version!r} cannot be migrated to {target!r} "
                             f"(known: {', '.join(STEPS)} -> {SCHEMA_VERSION})",
                             Location(path, pointer="/schema_version"),
                             hint="a newer file needs a newer personageo")
        seen.add(version)
        version, step = STEPS[version]
        obj = step(obj, path)
    return obj
