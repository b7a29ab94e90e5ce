"""A sandboxed, size- and time-bounded Jinja environment for templates other people write.

A narrative is a Jinja template from a research repository, so rendering it must not run code,
read files, or exhaust memory or time. :class:`BoundedSandbox` is Jinja's
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` (no ``__globals__``/``__class__`` walks,
no mutation of containers) plus limits on the operations that amplify a small template into a
huge value: ``*``, ``**``, ``+``, ``%``, the ``~`` concatenation, string methods and filters that
take a width or a count. :func:`render_bounded` streams the output with a size cap and stops a
render that runs longer than a time budget.

Every limit raises :class:`TemplateLimitError`; the renderer turns it into a located input
error (exit 2).
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import jinja2
from jinja2.compiler import CodeGenerator
from jinja2.runtime import BlockReference, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from personageo.limits import time_limit
from personageo.report._untrusted import TemplateText, join_parts, mark, marked

#: Longest string, list or output a template may build (the tracker's body limit is 65,536).
MAX_LENGTH = 1_000_000
#: Largest integer (in bits) an arithmetic operation may produce.
MAX_INT_BITS = 256
#: Wall-clock budget of one render in seconds.
TIME_BUDGET_S = 60.0

#: String methods whose integer arguments set the size of the result.
_SIZED_METHODS = {"center", "ljust", "rjust", "zfill", "expandtabs", "join", "replace",
                  "format", "format_map", "split", "rsplit", "splitlines"}


class TemplateLimitError(SecurityError):
    """A template exceeded a size or time limit (or tried something the sandbox forbids)."""


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else None


def check_size(value: Any) -> Any:
    """Return ``value`` unchanged, or raise if it is a string/sequence over :data:`MAX_LENGTH`
    or an integer over :data:`MAX_INT_BITS` bits."""
    n = _length(value)
    if n is not None and n > MAX_LENGTH:
        raise TemplateLimitError(f"a value of {n:,} items or characters is over the template "
                                 f"limit of {MAX_LENGTH:,}")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"an integer of {value.bit_length()} bits is over the template "
                                 f"limit of {MAX_INT_BITS} bits")
    return value


def _check_arg(value: Any) -> None:
    """Integer arguments (widths, counts) of filters and methods stay under the size limit."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_LENGTH:
        raise TemplateLimitError(f"the argument {value} is over the template limit of "
                                 f"{MAX_LENGTH:,}")
    check_size(value)


def _mul(left: Any, right: Any) -> Any:
    for seq, times in ((left, right), (right, left)):
        n = _length(seq)
        if n is not None and isinstance(times, int) and n * max(times, 0) > MAX_LENGTH:
            raise TemplateLimitError(f"repeating {n:,} items {times:,} times is over the "
                                     f"template limit of {MAX_LENGTH:,}")
    if isinstance(left, int) and isinstance(right, int) and \
            left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"the product is over the template limit of {MAX_INT_BITS} bits")
    return left * right


def _pow(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and \
            right > 0 and left.bit_length() * right > MAX_INT_BITS:
        raise TemplateLimitError(f"{left} ** {right} is over the template limit of "
                                 f"{MAX_INT_BITS} bits")
    return left ** right


def _mod(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        raise TemplateLimitError("'%' string formatting is not available in templates; use the "
                                 "number filters (num, fixed, pct, ...)")
    return left % right


_BINOPS = {"*": _mul, "**": _pow, "%": _mod,
           "+": lambda a, b: check_size(operator.add(a, b)),
           "//": operator.floordiv, "/": operator.truediv, "-": operator.sub}


class _BoundedCodeGenerator(CodeGenerator):
    """Every ``~`` concatenation goes through :meth:`BoundedSandbox.concat`."""

    def visit_Concat(self, node, frame):  # noqa: N802 (Jinja's visitor naming)
        self.write("environment.concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _bounded_filter(func):
    """A filter with bounded arguments and result; a result computed from marked results text
    stays marked (see :mod:`personageo.report._untrusted`)."""

    @functools.wraps(func)  # keeps Jinja's pass_context / pass_environment marker
    def bounded(*args, **kwargs):
        values = (*args, *kwargs.values())
        for value in values:
            _check_arg(value)
        out = check_size(func(*args, **kwargs))
        return mark(out) if any(marked(v) for v in values) else out

    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """Immutable sandbox with size limits on every amplifying operation (see module doc)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset(_BINOPS)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.check_size = check_size
        for name in ("lipsum", "cycler", "joiner"):
            self.globals.pop(name, None)
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def add_filter(self, name: str, func) -> None:
        """Register a filter of our own, bounded like the built-in ones."""
        self.filters[name] = _bounded_filter(func)

    def call_binop(self, context, op: str, left: Any, right: Any) -> Any:
        return _BINOPS[op](left, right)

    @staticmethod
    def concat(parts: tuple) -> str:
        return check_size(join_parts(parts))

    def getattr(self, obj: Any, attribute: str) -> Any:
        return mark(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        return mark(super().getitem(obj, argument))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        if getattr(__obj, "__name__", None) in _SIZED_METHODS and \
                isinstance(getattr(__obj, "__self__", None), str):
            for value in (*args, *kwargs.values()):
                _check_arg(value)
            if __obj.__name__ in ("format", "format_map"):
                _check_format_widths(__obj.__self__)
        out = check_size(super().call(__context, __obj, *args, **kwargs))
        if isinstance(__obj, (BlockReference, Macro)):  # the template's own markdown
            return TemplateText(out)
        return mark(out)


def _check_format_widths(fmt: str) -> None:
    import re

    for width in re.findall(r"\d+", fmt):
        if len(width) > 6:
            raise TemplateLimitError(f"the format width {width} is over the template limit")


def render_bounded(template: jinja2.Template, context: dict,
                   seconds: float = TIME_BUDGET_S) -> str:
    """Render ``template`` with ``context``; the output is streamed and capped at
    :data:`MAX_LENGTH` characters, and the render stops after ``seconds``."""
    parts: list[str] = []
    size = 0
    with time_limit(seconds, lambda: TemplateLimitError(
            f"rendering took longer than {seconds:g} s")):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_LENGTH:
                raise TemplateLimitError(f"the rendered output is over the template limit of "
                                         f"{MAX_LENGTH:,} characters")
            parts.append(chunk)
    return "".join(parts)
