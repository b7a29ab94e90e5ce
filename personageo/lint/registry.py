"""The rule registry: every lint rule, declared with :func:`rule` and looked up by id or name.

A rule is a small pure function ``(document, context) -> Iterable[Violation | Skip | Detail]``
declared with :func:`rule`, which records its stable id (``PG`` + three digits: PG1xx numbers,
PG2xx structure, PG3xx style and wording, PG4xx claims), kebab-case name, default severity, tags, the version
it appeared in and its status. The registry refuses duplicate ids and names, is frozen once the
explicit list of rule modules in :mod:`personageo.lint.rules` has been imported, and answers an
unknown id or name with "did you mean ...".

Ids are never reused: a rule taken out stays registered with ``status="removed"`` and never runs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from personageo.errors import InputError
from personageo.findings import CODES, SEVERITIES, Code, CodeRegistry

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Use instead")
STATUSES = ("stable", "preview", "removed")
LAYOUTS = ("v1", "v2")
_ID = re.compile(r"^PG[1-9]\d\d$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


class RegistryError(RuntimeError):
    """A programming error in a rule declaration (duplicate id, late registration, ...)."""


class UnknownRuleError(InputError):
    """A rule id, name or prefix given by the user matches no registered rule."""


@dataclass(frozen=True)
class RuleInfo:
    """A registered rule and its metadata."""

    id: str
    name: str
    severity: str
    func: Callable = field(repr=False, compare=False)
    check: str = ""
    """Short human label for the report table (e.g. ``Summary structure``)."""
    tags: tuple[str, ...] = ()
    since: str = "0.1.0"
    status: str = "stable"
    layouts: tuple[str, ...] = LAYOUTS
    """Layouts the rule applies to; on other layouts it is reported as skipped."""
    requires: tuple[str, ...] = ()
    """Context fields the rule needs (``title``, ``results``); missing ones skip the rule."""

    @property
    def doc(self) -> str:
        import inspect

        return inspect.cleandoc(self.func.__doc__ or "")

    @property
    def summary(self) -> str:
        """First line of the docstring."""
        return self.doc.split("\n", 1)[0].strip()

    def doc_sections(self) -> dict[str, str]:
        """The docstring's ``What it does`` / ``Why it matters`` / ``Example`` / ``Use instead`` bodies."""
        out: dict[str, str] = {}
        names = "|".join(re.escape(s) for s in DOC_SECTIONS)
        parts = re.split(rf"^({names})\n-+[ \t]*$", self.doc, flags=re.M)
        for title, body in zip(parts[1::2], parts[2::2], strict=True):
            out[title] = body.strip()
        return out


class Registry:
    """Rules by id and name. Use the module-level :data:`REGISTRY` and :func:`rule`.

    With ``codes``, each rule's id is also registered there as a finding code (the module-level
    registry registers into :data:`personageo.findings.CODES`, shared with verify and the
    schema; a registry made in a test keeps its ids to itself)."""

    def __init__(self, codes: CodeRegistry | None = None) -> None:
        self._by_id: dict[str, RuleInfo] = {}
        self._by_name: dict[str, RuleInfo] = {}
        self._frozen = False
        self._codes = codes

    # -- declaring -----------------------------------------------------------------------------
    def rule(self, *, id: str, name: str, severity: str, check: str = "", tags: Iterable[str] = (),
             since: str = "0.1.0", status: str = "stable", layouts: Iterable[str] = LAYOUTS,
             requires: Iterable[str] = ()) -> Callable[[Callable], Callable]:
        """Decorator registering a rule function (see the module docstring)."""

        def decorate(func: Callable) -> Callable:
            info = RuleInfo(id, name, severity, func, check or name.replace("-", " ").capitalize(),
                            tuple(tags), since, status, tuple(layouts), tuple(requires))
            self.add(info)
            func.rule = info  # type: ignore[attr-defined]
            return func

        return decorate

    def add(self, info: RuleInfo) -> None:
        if self._frozen:
            raise RegistryError(f"registry is frozen; cannot add {info.id} ({info.name}): "
                                "add the module to personageo/lint/rules/__init__.py instead")
        if not _ID.match(info.id):
            raise RegistryError(f"bad rule id {info.id!r}: expected PG + three digits")
        if not _NAME.match(info.name):
            raise RegistryError(f"bad rule name {info.name!r}: expected kebab-case")
        if info.severity not in SEVERITIES:
            raise RegistryError(f"{info.id}: severity {info.severity!r} not in {SEVERITIES}")
        if info.status not in STATUSES:
            raise RegistryError(f"{info.id}: status {info.status!r} not in {STATUSES}")
        if set(info.layouts) - set(LAYOUTS):
            raise RegistryError(f"{info.id}: unknown layouts {info.layouts}")
        if info.id in self._by_id:
            raise RegistryError(f"duplicate rule id {info.id} ({info.name} and "
                                f"{self._by_id[info.id].name})")
        if info.name in self._by_name:
            raise RegistryError(f"duplicate rule name {info.name} ({info.id} and "
                                f"{self._by_name[info.name].id})")
        if self._codes is not None:
            self._codes.register(Code(info.id, info.name, info.severity, info.summary, "lint",
                                      info.doc))
        self._by_id[info.id] = info
        self._by_name[info.name] = info

    def freeze(self) -> None:
        self._frozen = True

    @property
    def frozen(self) -> bool:
        return self._frozen

    # -- looking up ----------------------------------------------------------------------------
    def __iter__(self) -> Iterator[RuleInfo]:
        return iter(sorted(self._by_id.values(), key=lambda r: r.id))

    def __len__(self) -> int:
        return len(self._by_id)

    def active(self) -> list[RuleInfo]:
        """Rules that run (every status except ``removed``), by id."""
        return [r for r in self if r.status != "removed"]

    def get(self, key: str) -> RuleInfo:
        """The rule with id or name ``key`` (case-insensitive id)."""
        info = self._by_id.get(key.upper()) or self._by_name.get(key.lower())
        if info is None:
            raise self._unknown(key)
        return info

    def resolve(self, selectors: Iterable[str], what: str = "--select") -> set[str]:
        """Ids matched by ids, names or id prefixes (``PG2``, ``PG20``, ``PG201``, ``PG``)."""
        out: set[str] = set()
        for raw in selectors:
            key = raw.strip()
            if not key:
                continue
            if re.fullmatch(r"PG\d{0,3}", key.upper()):
                hits = {i for i in self._by_id if i.startswith(key.upper())}
                if not hits:
                    raise self._unknown(key, what)
                out |= hits
            else:
                info = self._by_id.get(key.upper()) or self._by_name.get(key.lower())
                if info is None:
                    raise self._unknown(key, what)
                out.add(info.id)
        return out

    def _unknown(self, key: str, what: str = "rule") -> UnknownRuleError:
        candidates = list(self._by_id) + list(self._by_name)
        typo = key.upper().translate(str.maketrans("OIL", "011"))
        close = [typo] if typo in self._by_id else []
        close += difflib.get_close_matches(key.upper() if key[:2].upper() == "PG" else key,
                                           candidates, n=3, cutoff=0.5)
        close += [c for c in candidates if c.upper() == key.upper()[:len(c)] and c not in close]
        hint = None
        if close:
            shown = [f"{self.get(c).id} ({self.get(c).name})" for c in close[:3]]
            hint = "did you mean " + " or ".join(dict.fromkeys(shown)) + "?"
        return UnknownRuleError(f"unknown rule {key!r} in {what}", hint=hint or
                                "run `personageo lint --list-rules` to see every rule")


REGISTRY = Registry(CODES)
rule = REGISTRY.rule


def all_rules() -> Registry:
    """The frozen registry with every rule module imported."""
    import personageo.lint.rules  # noqa: F401  (imports the rule modules, then freezes)

    return REGISTRY
