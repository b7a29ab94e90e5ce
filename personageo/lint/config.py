"""Lint configuration: ``--select`` / ``--ignore`` and ``[tool.personageo.lint]`` in pyproject.toml.

The table maps rule ids or names to a severity (``error``, ``warning``, ``info``) or ``off``, and
may hold ``select`` / ``ignore`` lists with the same meaning as the command-line options::

    [tool.personageo.lint]
    PG303 = "error"          # hedges fail the lint
    undefined-acronym = "off"
    ignore = ["PG21"]
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from personageo.errors import InputError, Location
from personageo.lint.registry import Registry
from personageo.lint.violation import SEVERITIES

OFF = "off"


@dataclass
class LintConfig:
    """Severity overrides and rule selection, by rule id."""

    severities: dict[str, str] = field(default_factory=dict)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    source: str | None = None
    """The pyproject.toml it came from, if any."""


def find_pyproject(start: str | Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` (a file's directory) or its parents."""
    here = Path(start).resolve()
    if here.is_file() or not here.exists():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _load_toml(path: Path) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 without tomli
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            warnings.warn(f"cannot read {path} on Python 3.10 without 'tomli'; "
                          "[tool.personageo.lint] ignored (pip install tomli)", stacklevel=2)
            return {}
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"cannot parse {path}: {exc}", Location(str(path))) from None


def load_config(registry: Registry, start: str | Path | None = None,
                pyproject: str | Path | None = None) -> LintConfig:
    """Read ``[tool.personageo.lint]`` from ``pyproject`` or the nearest one above ``start``.

    Raises
    ------
    InputError
        For an unknown rule (with "did you mean ...") or a severity outside error/warning/info/off.
    """
    path = Path(pyproject) if pyproject else find_pyproject(start or Path.cwd())
    if path is None:
        return LintConfig()
    table = _load_toml(path).get("tool", {}).get("personageo", {}).get("lint", {})
    config = LintConfig(source=str(path))
    where = f"{path} [tool.personageo.lint]"
    for key, value in table.items():
        if key in ("select", "ignore"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise InputError(f"{key} must be a list of rule ids, names or prefixes",
                                 Location(str(path)))
            registry.resolve(value, where)
            setattr(config, key, tuple(value))
            continue
        if not isinstance(value, str) or value.lower() not in (*SEVERITIES, OFF):
            raise InputError(f"severity for {key} must be one of {', '.join((*SEVERITIES, OFF))}, "
                             f"got {value!r}", Location(str(path)))
        for rule_id in registry.resolve([key], where):
            config.severities[rule_id] = value.lower()
    return config
