"""One error type for every bad input, carrying where it happened.

Errors are values with a location until the CLI prints them: a file path plus either a 1-based
``line``/``col`` or a JSON pointer. ``str(err)`` gives the compiler-style one-liner
``path:line:col: message`` or ``path#/json/pointer: message``, followed by the hint.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and a line/column or a JSON pointer inside it.

    ``end_line``/``end_col`` (optional) point just past the last character of a span (exclusive
    end column), for findings that mark a range of a text file.
    """

    path: str | None = None
    line: int | None = None
    col: int | None = None
    pointer: str | None = None
    end_line: int | None = None
    end_col: int | None = None

    def __str__(self) -> str:
        out = self.path or "<input>"
        if self.line is not None:
            out += f":{self.line}"
            if self.col is not None:
                out += f":{self.col}"
        if self.pointer is not None:
            out += f"#{self.pointer}"
        return out


def json_pointer(parts: tuple | list) -> str:
    """RFC 6901 pointer for a path of keys and indices (``("a", 0, "b/c")`` -> ``/a/0/b~1c``)."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


class PersonageoError(Exception):
    """A user-facing error: what is wrong, where, and (optionally) how to fix it."""

    def __init__(
        self,
        message: str,
        location: Location | None = None,
        hint: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint
        self.details = details or []

    def __str__(self) -> str:
        head = f"{self.location}: {self.message}" if self.location else self.message
        lines = [head, *("  " + d for d in self.details)]
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class InputError(PersonageoError):
    """A file or value given by the user is missing, malformed or inconsistent (exit code 2)."""


class MissingDependencyError(PersonageoError):
    """An optional dependency is not installed; the message names the install command."""

    def __init__(self, package: str, extra: str = "gpu") -> None:
        super().__init__(
            f"this command needs the optional package {package!r}, which is not installed",
            hint=f"pip install 'personageo[{extra}]'",
        )


def require(module: str, extra: str = "gpu"):
    """Import an optional module or raise :class:`MissingDependencyError` naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependencyError(module.split(".")[0], extra) from exc
