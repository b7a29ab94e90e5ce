"""The one YAML loader for every input that is YAML (front matter, configs, metadata).

PyYAML's ``safe_load`` runs no code, but other people's YAML can still hurt: aliases expand a
few hundred bytes into an exponential graph (a "billion laughs"), deep nesting exhausts the
recursion limit, ``2020-13-45`` is resolved as a date and raises ``ValueError``, a 5,000-digit
integer exceeds Python's conversion limit, and a repeated key silently replaces the first.
:func:`load_yaml` refuses each of these as an :class:`~personageo.errors.InputError` at the
line and column of the offending node, and keeps dates and times as the strings they were
written as.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.events import AliasEvent

from personageo.errors import InputError, Location

#: Largest YAML text accepted (a config or a front matter is a few kilobytes).
MAX_CHARS = 1 << 20
#: Deepest nesting of collections.
MAX_DEPTH = 64
#: Most nodes (scalars and collections) in one document.
MAX_NODES = 100_000
#: Longest integer literal, in digits.
MAX_INT_DIGITS = 64
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Refused(yaml.MarkedYAMLError):
    """A limit of this loader (carries the position of the node that broke it)."""


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader without aliases, dates or duplicate keys, with depth and size limits."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise _Refused(None, None, "YAML aliases (*name) are not supported: write the "
                           "value out", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(None, None, f"more than {MAX_NODES:,} YAML nodes",
                           self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(None, None, f"YAML nested deeper than {MAX_DEPTH} levels",
                               self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                raise ConstructorError(None, None, "a mapping key must be a scalar",
                                       key_node.start_mark) from None
            if duplicate:
                raise _Refused(None, None, f"duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str) and _SURROGATE.search(value):
            raise _Refused(None, None, "a lone surrogate (\\uD800-\\uDFFF) is not text",
                           node.start_mark)
        return value

    def construct_yaml_int(self, node):
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise _Refused(None, None, f"an integer of {digits} digits (at most "
                           f"{MAX_INT_DIGITS})", node.start_mark)
        return super().construct_yaml_int(node)


# dates and times stay strings (no ValueError on 2020-13-45, no datetime objects downstream)
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp",
                               yaml.SafeLoader.construct_yaml_str)
_BoundedLoader.add_constructor("tag:yaml.org,2002:int", _BoundedLoader.construct_yaml_int)


def load_yaml(text: str, path: str | None = None, first_line: int = 1,
              what: str = "YAML") -> Any:
    """Parse one YAML document from ``text``.

    ``first_line`` is the file line of ``text``'s first line (front matter starts on line 2),
    so errors point into the user's file. Every problem raises :class:`InputError`.
    """
    if len(text) > MAX_CHARS:
        raise InputError(f"{what} is {len(text):,} characters; at most {MAX_CHARS:,} are read",
                         Location(path, first_line))
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(path, first_line + mark.line, mark.column + 1) if mark else \
            Location(path, first_line)
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(f"invalid {what}: {problem}", where) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid {what}: {exc}", Location(path, first_line)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InputError(f"invalid {what}: {exc}", Location(path, first_line)) from None
    finally:
        loader.dispose()
