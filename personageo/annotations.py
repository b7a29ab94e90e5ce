"""GitHub Actions workflow commands (``::error file=...,line=...::message``), for every CLI
that reports findings in a file (``lint --format github``, ``verify --format github``).

Escaping follows the runner's rules: ``%``, CR and LF in the message; additionally ``:`` and ``,``
in property values.
"""

from __future__ import annotations

#: Finding severity -> workflow command.
LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(severity: str, message: str, *, file: str, line: int | None = None,
                     col: int | None = None, end_line: int | None = None,
                     end_col: int | None = None, title: str | None = None) -> str:
    """One annotation: ``::error file=F,line=L,col=C,title=T::message`` (None properties left
    out; ``severity`` is a finding severity, ``info`` becoming ``notice``)."""
    props = [f"file={escape_property(file)}"]
    for key, value in (("line", line), ("col", col), ("endLine", end_line),
                       ("endColumn", end_col)):
        if value is not None:
            props.append(f"{key}={value}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{LEVELS[severity]} {','.join(props)}::{escape_data(message)}"
