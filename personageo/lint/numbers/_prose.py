"""What a number in prose says it is: the quantity its words name, and the facets (condition,
method, layer, data type, lr, training) the sentence attaches to it.

A prose number is bound only through what its own sentence says: "Δ M1 = +0.111 at L20 Method A
(EM)" names a delta of one cell; "ratios 1.10–2.63 across Method A" the extremes of the Method A
ratios; "38/40 cells have Δ ≥ LoRA Δ" a count of comparisons with ratio >= 1. A number whose
words name no quantity is not bound at all (an equal value somewhere in the results is no
evidence), and a facet the sentence names with several values ("EM and benign") is resolved by
the mention attached to the number — a parenthesis right after it, or the nearest mention before
it with no other number in between — or left open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from personageo.lint.numbers._headers import Vocabulary

#: Words that name what a number is, with the quantity they name. The cue nearest before the
#: number (in its clause) wins; ``×`` and ``%`` forms add their own readings.
_CUES = [
    ("norm", re.compile(r"‖[^‖]{0,6}‖[₂2]?|\bnorms?\b|weight[\s\-]delta|\bl2\b", re.I)),
    ("p_adjusted", re.compile(r"p[_\- ]?(?:bh|adj|fdr|holm)[\w\-]*|adjusted p(?:-values?)?|"
                              r"\bq[_\- ]?values?\b", re.I)),
    ("p", re.compile(r"(?<![\w‖])p(?:[_\- ]?raw)?\s*(?=[=<>≤≥])|\bp-values?\b|\braw p\b", re.I)),
    ("alpha", re.compile(r"α|\balpha\b", re.I)),
    ("ratio", re.compile(r"\b(?:delta[\s\-])?ratios?\b", re.I)),
    ("delta", re.compile(r"Δ\s*M1|Δ(?!θ)|\bdeltas?\b|collapse|\b(?:moves?|moved|shifts?|shifted|"
                         r"raises?|raised|lowers?|lowered)\s+(?:M1|it)\s+by\b", re.I)),
    ("m1", re.compile(r"\bM1\b(?!\s*(?:delta|Δ))")),
    ("post", re.compile(r"\bpost(?:-train(?:ing)?)?(?:\s+M1)?\b", re.I)),
    ("base", re.compile(r"\bbase\b(?!\s*model)(?:\s+M1\b)?", re.I)),
    ("lr", re.compile(r"\b(?:LR|lr|learning[\s\-]rate)\b")),
]
_DIFFERENCE = re.compile(r"\b(?:changes?|changed|moves?|moved|shifts?|shifted|differs?|"
                         r"differ(?:ence|ed)?|gap|apart)\b(?:\s+(?:of|by))?\s*(?:only\s+)?$",
                         re.I)
BOUND = re.compile(r"(?:<|>|≤|≥|<=|>=|\b(?:less|more|fewer|greater|lower|higher) than|"
                    r"\bbelow|\babove|\bat (?:least|most)|\bup to|\bwithin)\s*$",
                    re.I)

#: Count predicates: words of the sentence -> (op, threshold) of a comparisons.ratio count, or
#: ``significant`` for counts of significant cells.
_COUNT_PREDICATES = [
    (re.compile(r"(?:<|below|less than|under)\s*([+\-\u2212]?\d*\.?\d+)\s*×", re.I),
     ("<", "threshold")),
    (re.compile(r"(?:>|above|more than|exceeds?)\s*([+\-\u2212]?\d*\.?\d+)\s*×", re.I),
     (">", "threshold")),
    (re.compile(r"\b(?:below|under)\s+([+\-\u2212]?\d*\.?\d+)\s+in\b", re.I), ("<", "threshold")),
    (re.compile(r"\b(?:above|over)\s+([+\-\u2212]?\d*\.?\d+)\s+in\b", re.I), (">", "threshold")),
    (re.compile(r"ratio\b[^.;,]{0,40}?\b(?:below|under|<)\s*([+\-\u2212]?\d*\.?\d+)\b", re.I),
     ("<", "threshold")),
    (re.compile(r"ratio\b[^.;,]{0,40}?\b(?:above|over|>)\s*([+\-\u2212]?\d*\.?\d+)\b", re.I),
     (">", "threshold")),
    (re.compile(r"rank[\s\-]bottleneck|lora[\s\-]is[\s\-]the[\s\-]culprit", re.I), ("<", 0.5)),
    (re.compile(r"full[\s\-]param[\s\-](?:is[\s\-])?(?:markedly[\s\-])?worse", re.I), (">", 1.5)),
    (re.compile(r"≥|>=|at least as (?:much|far|strongly)|(?:meets?|match(?:es)?) or "
                r"(?:exceeds?|beats?)|or more than", re.I),
     (">=", 1.0)),
    (re.compile(r"(?:less|fewer|smaller) than (?:lora|the baseline|Δ_?baseline)|"
                r"below (?:lora|the baseline)|reversals?", re.I), ("<", 1.0)),
    (re.compile(r"\b(?:significant|fire|fires|firing|rejects?|survive)\b", re.I),
     ("significant", None)),
    (re.compile(r"\b(?:less|weaker|smaller)\b(?!\s+than\s+\d)", re.I), ("<", 1.0)),
    (re.compile(r"\b(?:more|stronger|larger)\b(?!\s+than\s+\d)", re.I), (">", 1.0)),
]
"""The predicate of a k/n count, nearest first: "moves it less in 13/20 ... and more in 7/20"."""


@dataclass
class ProseContext:
    quantity: str | None
    """The quantity named nearest before the number (see ``_CUES``), if any."""
    derived: str | None = None
    """``difference`` when the words say "changes by", ``bound`` for "less than 0.5%"."""
    facets: dict = field(default_factory=dict)
    open_keys: set = field(default_factory=set)
    """Facets the sentence names with several values that no mention attaches to the number."""
    set_size: int | None = None
    """"all 40 post-train means": the size of the set a range is over."""
    predicate: tuple | None = None
    """For counts: (op, threshold) the sentence states, or ``("significant", None)``."""
    sentence_quantity: str | None = None
    """The first quantity the whole sentence names (for derivations such as "changes by")."""


def _mentions(sentence: str, vocab: Vocabulary) -> list[tuple[int, int, str, object]]:
    """(start, end, facet, value) of every facet mention in the sentence (cached per
    vocabulary: every number of a sentence asks)."""
    cache = vocab.__dict__.setdefault("_mentions", {})
    if sentence not in cache:
        if len(cache) > 10_000:
            cache.clear()
        cache[sentence] = _find_mentions(sentence, vocab)
    return cache[sentence]


def _find_mentions(sentence: str, vocab: Vocabulary) -> list[tuple[int, int, str, object]]:
    out = []
    for m in re.finditer(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]|[A-Za-z]", sentence):
        word = m[0]
        if word in vocab.conditions:
            out.append((m.start(), m.end(), "condition", vocab.conditions[word]))
        if word.lower() in vocab.data_types:
            out.append((m.start(), m.end(), "data_type", word.lower()))
        if word in vocab.metrics and len(vocab.metrics) > 1:
            out.append((m.start(), m.end(), "metric", word))
    for rx, dt in vocab.data_rx.items():
        for m in rx.finditer(sentence):
            out.append((m.start(), m.end(), "data_type", dt))
    for m in re.finditer(r"(?<![A-Za-z0-9_])L(\d+)\b|\blayers?\s+(\d+)\b", sentence):
        layer = int(m[1] or m[2])
        if layer in vocab.layers:
            out.append((m.start(), m.end(), "layer", layer))
    for m in re.finditer(r"\bMethod\s+([A-Za-z0-9]+)\b", sentence):
        if m[1] in vocab.methods:
            out.append((m.start(), m.end(), "method", vocab.methods[m[1]]))
    for m in re.finditer(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?[eE][\-\u2212+]?\d+)", sentence):
        value = float(m[1].replace("\u2212", "-"))
        for lr in vocab.lrs:
            if abs(lr - value) <= 1e-9 * lr:
                out.append((m.start(), m.end(), "lr", lr))
    for m in re.finditer(r"(?<![A-Za-z0-9])lora(?![A-Za-z0-9_])", sentence, re.I):
        out.append((m.start(), m.end(), "training", "lora"))
    for m in re.finditer(r"full[\s\-]?param(?:eter)?\b", sentence, re.I):
        out.append((m.start(), m.end(), "training", "full"))
    for m in re.finditer(r"\bglobal\b", sentence, re.I):
        out.append((m.start(), m.end(), "scope", "global"))
    return sorted(out)


_NUMBER = re.compile(r"[+\-\u2212]?\d+(?:\.\d+)?")
_FREE_NUMBER = re.compile(r"(?<![\w.\-])[+\-\u2212]?\d+(?:\.\d+)?(?![\w])")
"""A number standing alone (not the 1 of "M1" or the 20 of "L20")."""
_JOINER = re.compile(r"^\s*(?:→|->|–|-|to|,|/)\s*$")


def _attached_before(between: str) -> bool:
    """No other number stands between a mention and the number (a range or arrow partner
    does not count), and no clause ends there."""
    if ";" in between:
        return False
    parts = _FREE_NUMBER.split(between)
    if len(parts) == 1:
        return True
    return all(_JOINER.match(p) or not p.strip() for p in parts[1:]) and \
        len(parts) == 2


def _attached_after(sentence: str, end: int, start: int) -> bool:
    """A mention right after the number: "+0.109 (benign)", "0.005-0.008 at L7"."""
    gap = sentence[end:start]
    return bool(re.fullmatch(r"[×%]?\s*(?:\(\s*(?:[^()\d]{0,12})?|(?:at|in|for|on|under)\s+"
                             r"(?:the\s+)?)", gap))


_ASSIGN = re.compile(r"(?:(?<!\()\b[A-Za-z][\w\-]*|[α-ωΑ-Ω])\s*=\s*")
"""``N = ``: another quantity named between a cue and a number (labels with a colon, "Method A:",
"(EM: 19.5 → 98.7)", name facets, not quantities)."""
_RATIO_AFTER = re.compile(r"^[×x]?\s*(?:delta[\s\-])?ratios?\b", re.I)
_SLASH_RATIO = re.compile(r"Δ[\w\-]*\s*/\s*Δ[\w\-]*|\bfull[\w\-]*\s*/\s*LoRA", re.I)


_NEW_PHRASE = re.compile(r",\s*(?:and|but|while|whereas|with|so)\s|\b(?:all|every|each)\s*$")
"""After another number, a new coordinated phrase ("..., and all 20") ends the cue's reach;
"+0.111 (EM) and +0.109" or "+0.111 vs LoRA's +0.095" share it."""


def _clause(sentence: str, at: int) -> tuple[int, int]:
    """Bounds of the clause (between semicolons) holding offset ``at``."""
    start = sentence.rfind(";", 0, at) + 1
    end = sentence.find(";", at)
    return start, len(sentence) if end < 0 else end


def _cue(clause: str, multiplier: bool = False) -> str | None:
    """The quantity named nearest the end of ``clause`` (the text before a number), unless an
    assignment to something else ("N = ", "p = 0, ") stands between the cue and the number.
    Names of settings (``lr``, ``α``) are cues only right before their number."""
    found = []
    for name, rx in _CUES:
        for m in rx.finditer(clause):
            found.append((m.end(), -m.start(), name))
    for end, neg_start, name in sorted(found, reverse=True):
        between = clause[end:]
        if name in ("lr", "alpha"):
            if re.fullmatch(r"\s*[=:]?\s*", between):
                return name
            continue
        if any(m.start() > 0 for m in _ASSIGN.finditer(between)):
            return None
        numbers = list(_FREE_NUMBER.finditer(between))
        if numbers and _NEW_PHRASE.search(between[numbers[-1].end():]):
            return None  # the cue named an earlier number; this one is in another phrase
        if name == "ratio" and not multiplier and re.search(r"\d×", between):
            continue  # "(ratio 0.88× against LoRA's -0.0027)": the ratio is the 0.88×
        for m in _SLASH_RATIO.finditer(clause):
            if m.end() >= -neg_start - 2 and m.start() <= end:
                return "ratio" if re.search(r"lora|baseline", m[0], re.I) else "other_ratio"
        return name
    return None


def context_of(sentence: str, at: int, length: int, vocab: Vocabulary) -> ProseContext:
    """The quantity and facets that ``sentence`` gives the number at ``at``."""
    start, end = _clause(sentence, at)
    clause = sentence[start:end]
    rel = at - start
    before = clause[:rel]
    after = clause[rel + length:]
    quantity = _cue(before, sentence[at + length - 1:at + length] in "×x")
    m = re.match(r"[×x]?\s*(?:larger|higher|bigger|further|greater)?\s*(?:(LR|lr|learning[\s\-]rate)|"
                 r"(‖|norm|weight[\s\-]delta))", after)
    if m and length and sentence[at + length - 1] in "×x":
        quantity = "lr" if m[1] else "norm"
    if _RATIO_AFTER.match(after) or re.match(r"\s*(?:–|-|to)\s*\d[\d.]*\s*×", after):
        quantity = "ratio"
    if quantity is None or quantity in ("m1", "base", "post"):
        m = re.match(r"\s*\((base|post)[)\s,]", after, re.I)
        if m:
            quantity = m[1].lower()
    first = None
    for name, rx in _CUES:
        m = rx.search(clause)
        if m and (first is None or m.start() < first[0]):
            first = (m.start(), name)
    ctx = ProseContext(quantity, sentence_quantity=first[1] if first else None)
    if _DIFFERENCE.search(before[-40:]):
        ctx.derived = "difference"
    if BOUND.search(before[-14:]):
        ctx.derived = "bound"
    _resolve_facets(ctx, sentence, at, length, vocab, (start, end))
    ctx.predicate = _predicate(clause, rel, length)
    phrase = before[max((m.end() for m in _NEW_PHRASE.finditer(before)), default=0):]
    m = re.search(r"\ball\s+(\d+)\b", phrase, re.I)
    if m:
        ctx.set_size = int(m[1])
    return ctx


def _predicate(clause: str, rel: int, length: int) -> tuple | None:
    """The count predicate stated for the number at ``rel``: one in its own comma-separated
    part of the clause, else the nearest before it, else the nearest after it."""
    lo = max(clause.rfind(",", 0, rel), clause.rfind(" — ", 0, rel)) + 1
    hi_candidates = [i for i in (clause.find(",", rel + length), clause.find(" — ", rel + length))
                     if i >= 0]
    hi = min(hi_candidates) if hi_candidates else len(clause)
    same, before, after = [], [], []
    for rx, named in _COUNT_PREDICATES:
        for m in rx.finditer(clause):
            pred = (named[0], float(m[1].replace("\u2212", "-"))) if named[1] == "threshold" \
                else named
            if lo <= m.start() and m.end() <= hi:  # before the number first, then after it
                same.append((rel - m.end() if m.end() <= rel else 10_000 + m.start() - rel, pred))
            elif m.end() <= rel:
                before.append((rel - m.end(), pred))
            else:
                after.append((m.start() - rel, pred))
    for found in (same, before, after):
        if found:
            return min(found, key=lambda dp: dp[0])[1]
    return None


_POSSESSIVE = re.compile(r"^['’]s\s*")


def _resolve_facets(ctx: ProseContext, sentence: str, at: int, length: int,
                    vocab: Vocabulary, clause: tuple[int, int]) -> None:
    """Facets of the number at ``at``: a facet the sentence names once applies to it (unless
    that mention is another number's: "LoRA's +0.0007"); one named with several values is
    resolved by the mention attached to the number, else by the number's own clause."""
    by_key: dict[str, list[tuple[int, int, object]]] = {}
    end_of_number = at + length
    before = sentence[:at]
    phrase = before[max((m.end() for m in _NEW_PHRASE.finditer(before)), default=0):]
    set_phrase = bool(re.search(r"\b(?:all|every|each)\b", phrase, re.I))
    lo, hi = clause
    for start, end, key, value in _mentions(sentence, vocab):
        if start <= at < end:
            continue  # the number is part of the mention ("2e-5" as an lr)
        if start < lo or end > hi:
            continue  # another clause of the sentence ("...; the two exceptions are Method B")
        m = _POSSESSIVE.match(sentence[end:])
        if m and key in ("training", "condition", "data_type") and \
                _NUMBER.match(sentence[end + m.end():]) and end + m.end() != at:
            continue  # "LoRA's +0.0007" names that number's facet, not ours
        if end <= at and set_phrase and _NEW_PHRASE.search(sentence[end:at].rstrip() + " "):
            continue  # "..., and all 20 values": an earlier phrase's facets are not ours
        by_key.setdefault(key, []).append((start, end, value))
    for key, ms in by_key.items():
        values = {v for _, _, v in ms}
        if len(values) == 1:
            ctx.facets[key] = next(iter(values))
            continue
        following = [v for s, _, v in ms if s >= end_of_number
                     and _attached_after(sentence, end_of_number, s)]
        preceding = [(e, v) for s, e, v in ms if e <= at
                     and _attached_before(sentence[e:at])
                     and not any(0 <= s - e2 <= 6 and v2 != v for _, e2, v2 in ms)]
        own = {v for s, e, v in ms if lo <= s and e <= hi}
        if following:
            ctx.facets[key] = following[0]
        elif preceding:
            ctx.facets[key] = max(preceding, key=lambda ev: ev[0])[1]
        elif len(own) == 1:
            ctx.facets[key] = next(iter(own))
        else:
            ctx.open_keys.add(key)
