"""Claims in hand-written prose, recognised by pattern and turned into predicates.

Two families of sentences are recognised (case-insensitive), each only when it can be tied to
the results without guessing:

* **Direction** — "A moves M1 more than / less than / at least as much as B [in k/n (compared)
  cells]" (verbs: moves, collapses, compresses, shifts, changes, perturbs), where A and B name
  the two training methods of the results' comparisons (``full``/"Full-param"/"full-parameter"
  and ``lora``/"LoRA"); "B ... than A" flips the direction.
* **Significance over layers or cells** — "(not) significant ... in k/n | all | no | the
  majority of  cells | layers", counted over the tested cells' recorded ``significant`` flags.
* **Threshold over layers or cells** — a sentence about the ratio that says it "exceeds / is
  above / is below / falls below T" together with a quantifier "at/in all | every | no | none of
  the | the majority of | most | k of n | k/n  layers | cells". "layers" needs the sentence to
  name exactly one method (``Method A``) and one data group (by label or id) so that the
  layers are one verdict's; "cells" counts every compared cell the sentence's method/group
  names select.

Anything else is left alone: a sentence that matches no pattern, or matches one that cannot be
tied to one set of records, produces no predicate (no false alarms). :func:`tied` is the last
check, against the records themselves: a stated total must be the number of records selected,
and "layers" must select one record per layer (with two learning rates per data group they do
not, so such a sentence is not checked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from personageo.schema.predicates import Predicate

_SIDES = {"full": r"full[- ]?param(?:eter)?(?:\s+(?:SFT|fine-tuning))?|full(?:\s+(?:SFT|fine-tuning))",
          "lora": r"LoRA(?:\s+(?:SFT|fine-tuning))?"}
_SIDE = r"(?:" + "|".join(_SIDES.values()) + r")"
_VERB = r"(?:moves?|collapses?|compresses?|shifts?|changes?|perturbs?)"
_DIRECTION = re.compile(
    rf"(?P<a>{_SIDE})\s+(?:fine-tuning\s+)?{_VERB}\s+(?:[\w\s-]{{0,40}}?\s)?"
    rf"(?P<dir>at\s+least\s+as\s+much\s+as|more\s+than|less\s+than)\s+(?P<b>{_SIDE})"
    r"(?:\s+\([^)]*\))?(?:\s+(?:does\s+)?in\s+(?P<k>\d+)\s*/\s*(?P<n>\d+)\s+(?:\([^)]*\)\s+)?(?:compared\s+|tested\s+)?cells)?",
    re.I)
_THRESHOLD = re.compile(
    r"(?P<cmp>exceeds?|exceeding|is\s+above|are\s+above|above|is\s+below|are\s+below|below|"
    r"falls?\s+below|greater\s+than|less\s+than)\s+(?P<thr>\d+(?:\.\d+)?)(?:\s*×)?", re.I)
_QUANT = re.compile(
    r"(?:at|in|across|for|on)\s+(?P<q>all|every|no|none\s+of\s+the|the\s+majority\s+of|most|"
    r"(?P<k>\d+)\s+of\s+(?P<n>\d+)|(?P<k2>\d+)\s*/\s*(?P<n2>\d+))\s+"
    r"(?:\([^)]*\)\s+)?(?:(?:the\s+)?(?:\w+\s+)?)?(?P<unit>layers?|cells?)\b"
    r"(?!\s+(?:other|but|except|apart|besides)\b)", re.I)
_SIGNIFICANT = re.compile(r"\b(?P<neg>not\s+|non-?|in)?significant(?:ly)?\b", re.I)
_METHOD = re.compile(r"\bMethod\s+([A-Za-z0-9]+)\b")


@dataclass(frozen=True)
class ProseClaim:
    text: str
    """The recognised words, as written."""
    predicates: tuple[Predicate, ...]
    direction: str | None = None
    """``more`` / ``less`` for a direction sentence (what a headline asserts)."""
    stated: tuple[int, int] | None = None
    """``(k, n)`` when the sentence states a count."""
    per_layer: bool = False
    """The sentence counts layers: its records must hold one row per layer."""


def _side(text: str) -> str | None:
    for name, pattern in _SIDES.items():
        if re.fullmatch(pattern, text.strip(), re.I):
            return name
    return None


@dataclass
class Vocabulary:
    """What the results let a sentence name: the compared training methods, methods, groups."""

    treatment: str | None
    baseline: str | None
    methods: tuple[str, ...]
    groups: dict[str, str]
    """Lower-cased label or id -> group id."""
    n_layers: int


def vocabulary(run, labels: dict[str, str] | None = None) -> Vocabulary:
    cond = {c.id: c for c in run.design.conditions}
    cells = {c.id: c for c in run.cells}
    treat, base = set(), set()
    for cmp in run.comparisons:
        cell = cells.get(cmp.cell)
        if cell is not None and cell.condition in cond:
            treat.add(cond[cell.condition].training.method)
        if cmp.baseline.condition in cond:
            base.add(cond[cmp.baseline.condition].training.method)
        elif cmp.baseline.source is not None:
            base.add("lora")  # a baseline from another run: the design's convention (LoRA)
    groups = {}
    for c in run.design.conditions:
        g = c.data.data_type
        if g:
            groups[g.lower()] = g
            if labels and g in labels:
                groups[labels[g].lower()] = g
    return Vocabulary(treat.pop() if len(treat) == 1 else None,
                      base.pop() if len(base) == 1 else None,
                      tuple(m.id for m in run.design.methods), groups, len(run.design.layers))


def _where(sentence: str, vocab: Vocabulary) -> tuple[tuple[str, str], ...] | None:
    """Filters the sentence names; ``None`` when it names more than one method or group."""
    methods = {m for m in _METHOD.findall(sentence) if m in vocab.methods}
    low = sentence.lower()
    groups = {g for name, g in vocab.groups.items()
              if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", low)}
    if len(methods) > 1 or len(groups) > 1:
        return None
    where = []
    if methods:
        where.append(("method", methods.pop()))
    if groups:
        where.append(("group", groups.pop()))
    return tuple(where)


def direction_claims(sentence: str, vocab: Vocabulary) -> list[ProseClaim]:
    out = []
    if vocab.treatment is None or vocab.baseline is None:
        return out
    for m in _DIRECTION.finditer(sentence):
        a, b = _side(m["a"]), _side(m["b"])
        if {a, b} != {vocab.treatment, vocab.baseline}:
            continue
        words = " ".join(m["dir"].lower().split())
        direction = "less" if words == "less than" else "more"
        if a == vocab.baseline:  # "LoRA moves M1 more than full": the treatment moves it less
            direction = "less" if direction == "more" else "more"
        where = _where(sentence, vocab)
        if where is None:
            continue
        at_least = words.startswith("at least") and a == vocab.treatment
        preds = []
        stated = None
        if m["k"]:
            stated = (int(m["k"]), int(m["n"]))
            op, thr = ((">=" if at_least else ">"), "1") if direction == "more" else ("<", "1")
            preds.append(Predicate("count", "comparisons", "ratio", op, thr, where,
                                   k=stated[0], n=stated[1]))
        elif re.search(r"\bL\d+\b|\blayer\s+\d+", sentence):
            continue  # about named layers: which cells it covers is not said exactly
        else:
            preds.append(Predicate("majority", "comparisons", "direction", "==", direction,
                                   where))
        out.append(ProseClaim(m.group(0), tuple(preds), direction, stated))
    return out


def threshold_claims(sentence: str, vocab: Vocabulary) -> list[ProseClaim]:
    if "ratio" not in sentence.lower():
        return []
    t = _THRESHOLD.search(sentence)
    q = _QUANT.search(sentence, t.end()) if t is not None else None
    if t is None or q is None:
        return []
    where = _where(sentence, vocab)
    if where is None:
        return []
    unit = q["unit"].lower().rstrip("s")
    if unit == "layer" and len(where) != 2:
        return []  # which method x group's layers: not said, so not checked
    word = " ".join(t["cmp"].lower().split())
    op = "<" if "below" in word or "less" in word else ">"
    quant, k, n = _quantifier(q)
    pred = Predicate(quant, "comparisons", "ratio", op, t["thr"], where, k=k, n=n)
    span = sentence[min(t.start(), q.start()):max(t.end(), q.end())]
    return [ProseClaim(span, (pred,), None, (k, n) if k is not None else None,
                       per_layer=unit == "layer")]


def tied(claim: ProseClaim, pred: Predicate, rows: list[dict]) -> bool:
    """Whether ``pred`` speaks about exactly these ``rows`` (see the module docstring)."""
    if not rows or (pred.n is not None and pred.n != len(rows)):
        return False
    layers = [r.get("layer") for r in rows]
    return not claim.per_layer or len(set(layers)) == len(layers)


def significance_claims(sentence: str, vocab: Vocabulary) -> list[ProseClaim]:
    """"(not) significant ... in k/n | all | no | the majority of  cells | layers": a count of
    tested cells whose ``significant`` flag is set (or not), as the results record it."""
    s = _SIGNIFICANT.search(sentence)
    q = _QUANT.search(sentence, s.end()) if s is not None else None
    if q is None or re.search(r"\b(?:ratio|difference)s?\b", sentence[s.start():q.end()], re.I):
        return []  # "the difference is significant in ...": not the cells' own test
    where = _where(sentence, vocab)
    unit = q["unit"].lower().rstrip("s")
    if where is None or (unit == "layer" and len(where) != 2):
        return []
    value = "false" if s["neg"] else "true"
    quant, k, n = _quantifier(q)
    pred = Predicate(quant, "cells", "significant", "==", value, where, k=k, n=n)
    return [ProseClaim(sentence[s.start():q.end()], (pred,), None,
                       (k, n) if k is not None else None, per_layer=unit == "layer")]


def _quantifier(q: re.Match) -> tuple[str, int | None, int | None]:
    if q["k"] or q["k2"]:
        return "count", int(q["k"] or q["k2"]), int(q["n"] or q["n2"])
    word = " ".join(q["q"].lower().split())
    return {"all": "all", "every": "all", "no": "none", "none of the": "none",
            "the majority of": "majority", "most": "majority"}[word], None, None


_SENT = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(])|\s+—\s+")


def sentences(text: str) -> list[str]:
    """Sentences (and dash-separated clauses) of a plain-text paragraph."""
    return [s for s in _SENT.split(" ".join(text.split())) if s]


def recognise(text: str, vocab: Vocabulary) -> list[ProseClaim]:
    """Every recognised claim of a plain-text paragraph, heading or title."""
    out: list[ProseClaim] = []
    for s in sentences(text):
        out.extend(direction_claims(s, vocab))
        out.extend(threshold_claims(s, vocab))
        out.extend(significance_claims(s, vocab))
    return out
