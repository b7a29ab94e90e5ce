"""The text and GitHub-annotation forms of one :class:`Finding` that the CLIs print.

Two text layouts exist and are kept byte for byte (tests and users' CI scripts read them):

* :func:`text_line` (``verify``, the schema's load errors):
  ``path#/pointer: error V301 message (expected ...)``;
* :func:`rule_line` (``lint``, ruff's layout): ``path:line:col: PG101 message (name)``.

The JSON layouts of ``lint`` and ``verify`` are built from :meth:`Finding.to_dict`'s fields in
their own output modules (their key sets predate this model and are pinned by tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from personageo.annotations import workflow_command

if TYPE_CHECKING:
    from personageo.findings._model import Finding


def expected_tail(f: Finding) -> str:
    return f" (expected {f.expected})" if f.expected else ""


def text_line(f: Finding, default_path: str = "") -> str:
    """``where: severity CODE message (expected ...)``."""
    return f"{f.where(default_path)}: {f.severity} {f.code} {f.message}{expected_tail(f)}"


def rule_line(f: Finding) -> str:
    """``path:line:col: CODE message (name)`` (a finding at a position of a text file)."""
    return f"{f.path}:{f.line}:{f.col}: {f.code} {f.message} ({f.name})"


def github_annotation(f: Finding, message: str | None = None, *, file: str | None = None,
                      line: int | None = None) -> str:
    """One workflow command for ``f``: ``::error file=F,line=L,col=C,title=CODE name::message``.

    ``message`` defaults to the finding's; ``file``/``line`` override its location (a record
    path placed at the line of the JSON file that holds it). The end column is given only for a
    span on one line (GitHub ignores it otherwise).
    """
    end_col = f.end_col if f.end_col is not None and f.end_line in (None, f.line) else None
    return workflow_command(f.severity, f.message if message is None else message,
                            file=file or f.path or "", line=f.line if line is None else line,
                            col=f.col, end_line=f.end_line, end_col=end_col,
                            title=f"{f.code} {f.name}")
