"""The Jinja environment of the renderer: loaders, number filters, globals, narrative loading.

Every number filter formats through :mod:`personageo.numfmt` and records the number's binding
with the :class:`~personageo.report._bound.ClaimRecorder`; there is no other way for a template
to print a number that stays bound.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2 import nodes

from personageo import numfmt
from personageo._resources import resource_dir
from personageo.errors import InputError, Location
from personageo.markdown import read_front_matter
from personageo.report import _bound as B
from personageo.report._bound import Bound, ClaimRecorder
from personageo.report._sandbox import BoundedSandbox
from personageo.report._untrusted import printable

TEMPLATES_DIR = resource_dir("templates")
BASE_TEMPLATE = "clean_result_v2.md.j2"
NARRATIVE_NAME = "narrative.md"

def split_front_matter(source: str) -> tuple[str, str]:
    """Return ``(yaml_text, template_source)``; the front matter becomes a Jinja comment with
    the same number of lines, so template line numbers stay the file's line numbers (the front
    matter is the markdown layer's, :func:`personageo.markdown.read_front_matter`)."""
    lines = source.split("\n")
    front = read_front_matter(lines)
    if front is None:
        return "", source
    rest = "\n".join(lines[front.body_start:])
    return front.yaml + "\n", "{#" + "\n" * front.body_start + "#}" + rest


def _p_spec(value: float) -> str:
    """Display spec of a p-value: ``0`` exactly, 3 decimals down to 0.001, else 2 significant."""
    if value == 0:
        return "d"
    if value >= 1e-3:
        return ".3f"
    return ".1e"


class NumberFilters:
    """Filters and globals bound to one recorder (one render)."""

    def __init__(self, recorder: ClaimRecorder) -> None:
        self.rec = recorder

    def num(self, b: Bound, spec: str = ".4f", key: str | None = None) -> str:
        return self.rec.record(b, spec, key)

    def signed(self, b: Bound, digits: int = 4, key: str | None = None) -> str:
        return self.rec.record(b, f"+.{digits}f", key)

    def fixed(self, b: Bound, digits: int = 4, key: str | None = None) -> str:
        return self.rec.record(b, f".{digits}f", key)

    def pct(self, b: Bound, digits: int = 1, key: str | None = None) -> str:
        return self.rec.record(b, f".{digits}%", key)

    def times(self, b: Bound, digits: int = 2, key: str | None = None) -> str:
        return self.rec.record(b, f".{digits}x", key)

    def integer(self, b: Bound, key: str | None = None) -> str:
        return self.rec.record(b, "d", key)

    def sci(self, b: Bound, digits: int = 0, key: str | None = None) -> str:
        return self.rec.record(b, f".{digits}e", key)

    def pval(self, b: Bound, key: str | None = None) -> str:
        return self.rec.record(b, _p_spec(b.value), key)

    def frac(self, b: Bound, key: str | None = None) -> str:
        return self.rec.record_fraction(b, key)

    def rng(self, values, spec: str = ".2f", sep: str = numfmt.RANGE_SEP,
            key: str | None = None) -> str:
        """``lo–hi`` over bound values: two claims (``min`` and ``max``) over every input."""
        values = list(values)
        lo, hi = B.extreme(values, "min"), B.extreme(values, "max")
        return f"{self.rec.record(lo, spec, key)}{sep}{self.rec.record(hi, spec, key)}"

    def install(self, env: jinja2.Environment) -> None:
        for name in ("num", "signed", "fixed", "pct", "times", "integer", "sci", "pval",
                     "frac", "rng"):
            env.filters[name] = getattr(self, name)
        env.globals.update(
            count_where=B.count_where, count_of=B.count_records,
            minimum=lambda xs: B.extreme(xs, "min"), maximum=lambda xs: B.extreme(xs, "max"),
            mean=lambda xs: B.extreme(xs, "mean"), pct_change=B.percent_change,
            literal=lambda x: Bound(float(x), (), "literal"),
        )


def _finalize(value):
    """``finalize`` hook: a number printed without a number filter would be unbound; text
    from the results is printed escaped (:func:`~personageo.report._untrusted.escape_inline`)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise B.DerivationError(
            f"the number {value!r} is printed without a number filter, so it would not be "
            "bound to the results; use v('/path') | num(...) (or literal(x) | num(...)), or "
            "| layer / | string for identifiers")
    return printable(value)


def slugify(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text, flags=re.UNICODE)
    return text.replace(" ", "-")


def with_noun(label: str, noun: str) -> str:
    """``LoRA`` + ``baseline`` -> ``LoRA baseline``; ``Baseline`` stays ``Baseline`` (never
    "Baseline baseline")."""
    label = str(label).strip()
    return label if label.lower().split()[-1:] == [noun.lower()] else f"{label} {noun}"


_ABSOLUTE = re.compile(r"^(?:/|~|[A-Za-z]:[\\/]|\\\\)")


def display_path(path: str) -> str:
    """A path as a body may show it: relative paths as recorded; an absolute machine path
    (``/home/me/x/data/q.jsonl``, ``C:\\x\\q.jsonl``) only by its file name."""
    text = str(path)
    if not _ABSOLUTE.match(text):
        return text
    return re.split(r"[\\/]", text.rstrip("/\\"))[-1] or "not recorded"


def make_environment(recorder: ClaimRecorder, narrative_path: Path | None,
                     narrative_source: str | None,
                     templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """A strict, sandboxed environment (see :mod:`personageo.report._sandbox`): undefined names
    raise, the narrative is a child template."""

    def load_narrative(name: str):
        if name != NARRATIVE_NAME or narrative_source is None:
            return None
        return narrative_source, str(narrative_path), lambda: True

    env = BoundedSandbox(
        loader=jinja2.ChoiceLoader([jinja2.FunctionLoader(load_narrative),
                                    jinja2.FileSystemLoader(str(templates_dir))]),
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False,
        trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
    NumberFilters(recorder).install(env)

    def slug(text: str) -> str:
        return slugify(re.sub("\ue000(\\d+)\ue001",
                              lambda m: recorder.pending[int(m.group(1))].text, str(text)))

    env.add_filter("slug", slug)
    env.add_filter("noun", with_noun)
    env.add_filter("display_path", display_path)
    env.add_filter("layer", lambda L: f"L{int(L)}")
    env.add_filter("plural", lambda word, n: word if float(n.value if isinstance(n, Bound)
                                                             else n) == 1 else word + "s")
    return env


def prepare_narrative(source: str, path: Path) -> tuple[str, str]:
    """Front matter + child-template source of a narrative file.

    A narrative without ``{% extends %}`` extends the built-in template implicitly (on its first
    line, so line numbers are kept). Text outside ``{% block %}`` would be silently dropped by
    Jinja, so it is an error here.
    """
    front, body = split_front_matter(source)
    if "{% extends" not in body and "{%- extends" not in body:
        body = '{% extends "' + BASE_TEMPLATE + '" %}' + body
    env = jinja2.Environment()
    try:
        tree = env.parse(body, name=str(path), filename=str(path))
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(f"template syntax error: {exc.message}",
                         Location(str(path), exc.lineno)) from None
    for node in tree.body:
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not (isinstance(child, nodes.TemplateData) and not child.data.strip()):
                    line = child.lineno
                    if isinstance(child, nodes.TemplateData):
                        lead = child.data[:len(child.data) - len(child.data.lstrip())]
                        line += lead.count("\n")
                    raise InputError(
                        "text outside a {% block %} in a narrative is never rendered",
                        Location(str(path), line),
                        hint="put prose inside a block, e.g. {% block background %}...{% "
                             "endblock %}; see templates/clean_result_v2.md.j2 for block names")
    return front, body
