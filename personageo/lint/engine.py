"""Run the registered rules over one body and collect a :class:`LintReport`.

Reading the file (:func:`read_body`) turns every unusable input (missing, binary, not UTF-8,
empty, too large) into an :class:`~personageo.errors.InputError`; everything a body can get
wrong in its markdown becomes a finding, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from personageo.errors import InputError, Location, PersonageoError
from personageo.files import read_bytes
from personageo.findings import Finding
from personageo.limits import time_limit
from personageo.lint.config import OFF, LintConfig
from personageo.lint.context import LintContext, detect_layout, metadata_from_frontmatter
from personageo.lint.document import Document, parse_document
from personageo.lint.registry import Registry, RuleInfo, all_rules
from personageo.lint.violation import Detail, Skip

#: Refuse files above this size outright (a tracker body is at most 65,536 characters, so
#: 262,144 UTF-8 bytes; the rest is room for front matter and local drafts).
MAX_BYTES = 1024 * 1024
#: Wall-clock budget of one lint run in seconds (a rendered body takes well under one).
TIME_BUDGET_S = 15.0


@dataclass
class LintOptions:
    """Everything a lint run is told from outside the body."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    strict: bool = False
    """Warnings count as errors."""
    title: str | None = None
    issue: int | None = None
    created: str | None = None
    labels: tuple[str, ...] = ()
    results: tuple[str, ...] = ()
    claims: str | None = None
    layout: str = "auto"
    """``auto`` (detect from shape), ``v1`` or ``v2``."""
    structure_only: bool = False
    """Check structure and wording only: no number rule runs, and a body whose numbers were not
    checked is no :data:`UNCHECKED` outcome."""
    inputs: tuple[str, ...] = ()
    """How the results files were found (``personageo.lint.discover`` notes), for the report."""
    raise_rule_errors: bool = False
    """Let an exception inside a rule propagate (tests) instead of reporting it as a finding."""


@dataclass
class RuleOutcome:
    """One row of the report table."""

    rule: RuleInfo
    status: str
    """``PASS``, ``INFO`` (only info findings), ``WARN``, ``FAIL`` or ``SKIP``."""
    violations: list[Finding] = field(default_factory=list)
    detail: str = ""


#: Exit status of a body whose numbers could not be checked (no results given or found, or
#: only some of the files it was rendered from): never a plain PASS.
EXIT_UNCHECKED = 3


@dataclass
class LintResult:
    """The outcome of linting one body."""

    path: str
    context: LintContext
    outcomes: list[RuleOutcome]
    unchecked: str | None = None
    """Why the body's numbers were not (all) checked; ``None`` when they were, when it has
    none, or with ``structure_only``."""
    inputs: tuple[str, ...] = ()

    @property
    def layout(self) -> str:
        return self.context.layout

    @property
    def violations(self) -> list[Finding]:
        return sorted((v for o in self.outcomes for v in o.violations), key=Finding.sort_key)

    @property
    def errors(self) -> list[Finding]:
        return [v for v in self.violations if v.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [v for v in self.violations if v.severity == "warning"]

    @property
    def status(self) -> str:
        """``FAIL`` (errors), ``UNCHECKED`` (numbers not checked) or ``PASS``."""
        return "FAIL" if self.errors else "UNCHECKED" if self.unchecked else "PASS"

    @property
    def exit_code(self) -> int:
        return {"FAIL": 1, "UNCHECKED": EXIT_UNCHECKED, "PASS": 0}[self.status]

    def outcome(self, rule: str) -> RuleOutcome | None:
        return next((o for o in self.outcomes if rule in (o.rule.id, o.rule.name)), None)


def read_body(path: str | Path) -> str:
    """Read a body as UTF-8 text, or raise :class:`InputError` saying what is wrong with it."""
    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, expected a markdown file", Location(str(p)))
    return decode_body(read_bytes(p, "file", MAX_BYTES), str(p))


def decode_body(data: bytes, path: str = "<input>") -> str:
    """Decode bytes as a UTF-8 markdown body (see :func:`read_body`)."""
    if b"\x00" in data[:8192]:
        raise InputError("looks like a binary file (NUL bytes), expected markdown text",
                         Location(path), hint="pass the .md body, not an image or archive")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(f"not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                         Location(path, line, col), hint="save the body as UTF-8") from None
    if not text.strip():
        raise InputError("empty body: nothing to lint", Location(path))
    return text


def build_context(doc: Document, options: LintOptions) -> LintContext:
    layout, reasons = detect_layout(doc)
    if options.layout in ("v1", "v2"):
        layout, reasons = options.layout, (f"--layout {options.layout}",)
    meta = metadata_from_frontmatter(doc)
    title = options.title if options.title is not None else meta.get("title")
    return LintContext(
        path=doc.path, layout=layout, layout_reasons=reasons,
        title=" ".join(title.split()) if title else None,
        title_line=None if options.title is not None else meta.get("title_line"),
        issue=options.issue if options.issue is not None else meta.get("issue"),
        created=options.created or meta.get("created"),
        labels=tuple(options.labels) or meta.get("labels", ()),
        results=tuple(options.results), claims=options.claims, strict=options.strict,
        text=doc.source.text, body=doc.body,
    )


def _run_rule(rule: RuleInfo, doc: Document, ctx: LintContext, severity: str,
              options: LintOptions) -> RuleOutcome:
    if ctx.layout not in rule.layouts:
        only = " and ".join(rule.layouts)
        return RuleOutcome(rule, "SKIP", detail=f"applies to {only} bodies (this one is {ctx.layout})")
    missing = [r for r in rule.requires if not ctx.has(r)]
    if missing:
        flags = ", ".join("--" + m for m in missing)
        return RuleOutcome(rule, "SKIP", detail=f"needs {flags}")
    found: list[Finding] = []
    detail = ""
    try:
        for item in rule.func(doc, ctx) or ():
            if isinstance(item, Skip):
                return RuleOutcome(rule, "SKIP", detail=item.reason)
            if isinstance(item, Detail):
                detail = item.text
                continue
            sev = severity  # the rule's default, or the pyproject override
            if options.strict and sev == "warning":
                sev = "error"
            found.append(replace(item, code=rule.id, name=rule.name, severity=sev,
                                 location=replace(item.location, path=ctx.path)))
    except PersonageoError:
        raise  # a bad results/claims file is the user's input error (exit 2), not a finding
    except Exception as exc:  # a bug in one rule must not hide every other finding
        if options.raise_rule_errors:
            raise
        # fail closed: reported under the rule's own id (so the table names the rule), always
        # as an error
        found.append(Finding(rule.id, f"internal error in this rule: {type(exc).__name__}: "
                             f"{exc}", Location(ctx.path, 1, 1), severity="error",
                             name=rule.name))
    if any(v.severity == "error" for v in found):
        status = "FAIL"
    elif any(v.severity == "warning" for v in found):
        status = "WARN"
    elif found:
        status = "INFO"
    else:
        status = "PASS"
    if found:
        detail = found[0].message + (f" (+{len(found) - 1} more)" if len(found) > 1 else "")
    return RuleOutcome(rule, status, sorted(found, key=Finding.sort_key), detail)


def selected_rules(registry: Registry, options: LintOptions, config: LintConfig) -> list[RuleInfo]:
    """Active rules after ``select``/``ignore`` from the config, then from the options."""
    chosen = {r.id for r in registry.active()}
    for select, ignore, where in ((config.select, config.ignore, "pyproject.toml"),
                                  (options.select, options.ignore, "--select/--ignore")):
        if select:
            chosen &= registry.resolve(select, where.split("/")[0])
        if ignore:
            chosen -= registry.resolve(ignore, "--ignore" if where != "pyproject.toml" else where)
    chosen -= {rid for rid, sev in config.severities.items() if sev == OFF}
    return [r for r in registry.active() if r.id in chosen]


def lint_document(doc: Document, options: LintOptions | None = None,
                  config: LintConfig | None = None) -> LintResult:
    """Run every selected rule over a parsed document."""
    options = options or LintOptions()
    config = config or LintConfig()
    registry = all_rules()
    ctx = build_context(doc, options)
    rules = selected_rules(registry, options, config)
    if options.structure_only:
        rules = [r for r in rules if "numbers" not in r.tags or not r.requires]
    outcomes = [
        _run_rule(rule, doc, ctx, config.severities.get(rule.id, rule.severity), options)
        for rule in rules
    ]
    checks_numbers = any(r.id == "PG101" for r in rules)
    unchecked = _unchecked(ctx) if checks_numbers and not options.structure_only else None
    return LintResult(doc.path, ctx, outcomes, unchecked, tuple(options.inputs))


def _unchecked(ctx: LintContext) -> str | None:
    """Why numbers of the body were not checked (see :attr:`LintResult.unchecked`)."""
    report = ctx.cache.get("numbers_report")
    if report is None and ctx.results:
        return None  # the number rules ran and raised: their internal-error findings fail it
    if report is None:
        from personageo.lint.numbers import extract  # part of lint: if it cannot load, lint fails

        n = sum(1 for c in extract(ctx.body or ctx.text).claims if c.context != "setup")
        return (f"{n} number(s) not checked: no results file given or found" if n else None)
    cut = [c for c in report.claims if (c.binding or "").startswith("results file #")]
    if cut:
        return (f"{len(cut)} number(s) not checked: they are bound to a results file that was "
                "not given or found (the body's render marker names it)")
    return None


def lint_text(text: str, path: str = "<input>", options: LintOptions | None = None,
              config: LintConfig | None = None) -> LintResult:
    """Parse and lint a body given as text."""
    if not text.strip():
        raise InputError("empty body: nothing to lint", Location(path))
    with time_limit(TIME_BUDGET_S, lambda: InputError(
            f"linting took longer than {TIME_BUDGET_S:g} s; refusing to go on",
            Location(path), hint="a body this costly to parse is not a write-up (thousands of "
                                 "unmatched '[' in one paragraph do it)")):
        return lint_document(parse_document(text, path), options, config)


def lint_file(path: str | Path, options: LintOptions | None = None,
              config: LintConfig | None = None) -> LintResult:
    """Read, parse and lint a body file (see :func:`read_body` for the input errors)."""
    return lint_text(read_body(path), str(path), options, config)
