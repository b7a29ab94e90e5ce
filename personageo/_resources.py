"""Where the package's own data lives: templates, JSON Schemas and the example inputs.

In an installed wheel they are real files inside the package (``personageo/templates``, ...;
copied there at build time by ``setup.py``). In a source checkout (tests, ``pip install -e``)
they are the repository's top-level ``templates/``, ``schemas/`` and ``data/`` folders, which
the research-repo layout keeps where people look for them. No symlinks either way.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: the top-level folders shipped inside the package
SHIPPED = ("templates", "schemas", "data")


def resource_dir(name: str) -> Path:
    """The folder ``name`` (one of :data:`SHIPPED`): inside the installed package, else the
    source checkout's top-level folder."""
    if name not in SHIPPED:
        raise ValueError(f"unknown resource folder {name!r}; one of {SHIPPED}")
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name
