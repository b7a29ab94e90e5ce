"""Text from a results file, kept apart from the template's own markdown until it is printed.

A results file is data other people write: a newline in ``design.base_model`` or a ``|`` in a
package version must not become a heading or a table column of the body. Every plain string a
template reads out of its context (attribute, item, method result) is marked
:class:`ResultText` by the sandbox, filters keep the mark, and the environment's ``finalize``
and ``~`` concatenation print marked text through :func:`escape_inline`. Strings the renderer
itself builds as markdown (links, sample fences, blocks, macros) are :class:`TemplateText`
and printed as they are.
"""

from __future__ import annotations

import re
from typing import Any

#: Characters that start inline structure (HTML, code spans, links, emphasis, table cells,
#: backslash escapes), written as numeric character references: they render as themselves.
_INLINE = {"<": "&lt;", ">": "&gt;", "|": "&#124;", "`": "&#96;", "[": "&#91;", "]": "&#93;",
           "*": "&#42;", "\\": "&#92;"}
_INLINE_RE = re.compile("[" + re.escape("".join(_INLINE)) + "]")
#: Line breaks of every kind (and other control characters) end a markdown line.
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
#: A value printed at the start of a line must not open a heading, list, quote or setext line.
_LEADING = re.compile(r"^(?:#{1,6}|[-+=]+|\d{1,9}[.)])(?=\s|$)")


class ResultText(str):
    """A string that came from the results (or another input), not from the template."""

    __slots__ = ()


class TemplateText(str):
    """Markdown the renderer or the template built itself: printed as it is."""

    __slots__ = ()


def escape_inline(text: str) -> str:
    """``text`` as inline markdown that renders as itself and cannot create structure.

    Idempotent (escaping twice gives the same text), so a value that passes through a macro is
    not escaped twice, and ordinary identifiers, versions and model names are unchanged.
    """
    text = _BREAKS.sub(" ", str(text))
    text = _INLINE_RE.sub(lambda m: _INLINE[m.group(0)], text)
    m = _LEADING.match(text)
    if m:
        text = f"&#{ord(text[0])};" + text[1:]
    return text


def mark(value: Any) -> Any:
    """Mark a plain string as :class:`ResultText`, and the plain strings directly inside a
    list, tuple or dict (keys too), so iterating over them keeps the mark; anything else
    (:class:`TemplateText` included) is returned unchanged."""
    kind = type(value)
    if kind is str:
        return ResultText(value)
    if kind is list or kind is tuple:
        if any(type(v) is str for v in value):
            return kind(ResultText(v) if type(v) is str else v for v in value)
    elif kind is dict:
        if any(type(k) is str or type(v) is str for k, v in value.items()):
            return {(ResultText(k) if type(k) is str else k): (ResultText(v) if type(v) is str
                                                                else v)
                    for k, v in value.items()}
    return value


def marked(value: Any) -> bool:
    """Whether ``value`` is, or (for lists/tuples) holds, a :class:`ResultText`."""
    if isinstance(value, ResultText):
        return True
    return isinstance(value, (list, tuple)) and any(isinstance(v, ResultText) for v in value)


def printable(value: Any) -> Any:
    """How a value is printed: marked text escaped, everything else as it is."""
    return escape_inline(value) if isinstance(value, ResultText) else value


def join_parts(parts: tuple) -> TemplateText:
    """The ``~`` operator: marked parts escaped, the result trusted (already escaped)."""
    return TemplateText("".join(str(printable(p)) for p in parts))
