"""Table headers and captions -> facets (condition, method, layer, data type, lr, training) and
the quantity a column shows (delta, ratio, p, norm, ...), matched against the run's own ids."""

from __future__ import annotations

import math
import re

from personageo.schema import RunResult

_QUANTITIES = [
    ("ratio", re.compile(r"(?:delta[\s\-])?ratio|×")),
    ("p_adjusted", re.compile(r"p[_\- ]?(?:bh|adj|fdr|holm|bonf)|adjusted p|q[_\- ]?value")),
    ("p", re.compile(r"(?<![a-z])p(?:[_\- ]?raw)?(?![a-z])|p-value")),
    ("norm", re.compile(r"‖|norm|\bl2\b")),
    ("n_pairs", re.compile(r"\bn[_ ]?pairs|\bpairs\b")),
    ("delta", re.compile(r"δ|Δ|delta")),
    ("post", re.compile(r"\bpost")),
    ("base", re.compile(r"\bbase")),
]
_VS = re.compile(r"\b(?:vs\.?|versus|relative to|compared to)\s+[^\s|,;)]+", re.I)


class Vocabulary:
    """The ids a header may name, taken from one run."""

    def __init__(self, runs: list[RunResult]) -> None:
        self.conditions: dict[str, str] = {}
        self.data_types: set[str] = set()
        self.lrs: set[float] = set()
        self.methods: dict[str, str] = {}
        self.layers: set[int] = set()
        self.metrics: set[str] = set()
        self.labels: dict[str, str] = {}
        self.label_rx: dict[re.Pattern, str] = {}
        self.data_rx: dict[re.Pattern, str] = {}
        """Data names ("harmful_advice") -> data type, matched with any separator."""
        for run in runs:
            for c in run.design.conditions:
                self.conditions[c.id] = c.id
                if c.label:
                    self.conditions[c.label] = c.id
                if c.data.data_type:
                    self.data_types.add(c.data.data_type.lower())
                    if c.data.name and len(c.data.name) > 2:
                        parts = re.split(r"[\W_]+", c.data.name.lower())
                        rx = re.compile(r"(?<![A-Za-z0-9_])" + r"[\W_]*".join(map(re.escape, parts))
                                        + r"(?![A-Za-z0-9_])", re.I)
                        self.data_rx[rx] = c.data.data_type.lower()
                if c.training.lr:
                    self.lrs.add(c.training.lr)
            for m in run.design.methods:
                self.methods[m.id] = m.id
                if m.name:
                    self.methods[m.name] = m.id
            self.layers.update(run.design.layers)
            self.metrics.update(c.metric for c in run.cells)
            for v in run.verdicts:
                for key, q in (("H1", "votes_low"), ("H3", "votes_high")):
                    label = v.rule.labels.get(key)
                    if label:
                        self.labels[_squash(label)] = q
        for label, q in self.labels.items():  # "Rank-bottleneck" matches "rank bottleneck"
            self.label_rx[re.compile(r"[\W_]*".join(re.escape(ch) for ch in label))] = q


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def quantity_of(text: str, vocab: Vocabulary) -> str | None:
    """What a column header or caption says its numbers are (None when it does not say).

    The quantity named first wins; ties go to the earlier entry of ``_QUANTITIES`` (so
    "Delta-ratios" is a ratio)."""
    low = _VS.sub(" ", text).lower()
    best = None
    for rank, (name, rx) in enumerate(_QUANTITIES):
        m = rx.search(low)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), rank, name)
    for rx, q in vocab.label_rx.items():  # verdict labels: "Rank-bottleneck layers"
        m = rx.search(low)
        if m and (best is None or m.start() <= best[0]):
            best = (m.start(), -1, q)
    return best[2] if best else None


def _is_title(line: str) -> bool:
    """A caption line that titles a table: bold, ``Table N ...``, or not a full sentence."""
    line = line.strip()
    return (line.startswith("**") and line.endswith("**")) or \
        bool(re.match(r"(?:Table|Figure|Fig\.)\s*\d+", line)) or not line.endswith(".")


def caption_lines(caption: str) -> list[str]:
    """The caption's lines, the one most likely to title the table first: title-like lines
    (bold, ``Table N``, no final full stop) nearest the table, then sentences. A sentence
    between a title and its table does not redefine the table's quantity."""
    lines = [ln for ln in caption.split("\n") if ln.strip()][::-1]
    below = [ln for ln in lines if re.match(r"\W*Table\s*\d+", ln.strip())]
    titles = [ln for ln in lines if _is_title(ln) and ln not in below]
    return below + titles + [ln for ln in lines if ln not in titles and ln not in below]


def caption_title(caption: str, vocab: Vocabulary) -> str:
    """The line of a table's caption that titles it: the first of :func:`caption_lines` that
    names a quantity, else the first line."""
    lines = caption_lines(caption)
    for ln in lines:
        if quantity_of(ln, vocab):
            return ln
    return lines[0] if lines else ""


def caption_quantities(caption: str, vocab: Vocabulary) -> list[str]:
    """Every quantity the caption names, the title's first (the others are other readings)."""
    out: list[str] = []
    for ln in caption_lines(caption):
        q = quantity_of(ln, vocab)
        if q and q not in out:
            out.append(q)
    return out


def facets_of(text: str, vocab: Vocabulary, header: str = "") -> dict[str, object]:
    """Facets named by ``text`` (a header, a key cell or a caption); ambiguous keys dropped."""
    text = _VS.sub(" ", text)
    found: dict[str, set] = {}

    def put(key, value):
        found.setdefault(key, set()).add(value)

    stripped = text.strip()
    head = header.strip().lower()
    for word in re.findall(r"[A-Za-z0-9_.\-]+", text):
        if word in vocab.conditions:
            put("condition", vocab.conditions[word])
        if word.lower() in vocab.data_types:
            put("data_type", word.lower())
        if word in vocab.metrics and len(vocab.metrics) > 1:
            put("metric", word)
    for rx, data_type in vocab.data_rx.items():
        if rx.search(text):
            put("data_type", data_type)
    for m in re.finditer(r"(?<![A-Za-z0-9_])L(\d+)\b|\blayer\s+(\d+)", text, re.I):
        layer = int(m[1] or m[2])
        if layer in vocab.layers:
            put("layer", layer)
    if head.startswith("layer") and re.fullmatch(r"\d+", stripped) and int(stripped) in vocab.layers:
        put("layer", int(stripped))
    for m in re.finditer(r"(?<![A-Za-z0-9])(\d+(?:\.\d+)?[eE][\-\u2212+]?\d+)", text):
        value = float(m[1].replace("\u2212", "-"))
        for lr in vocab.lrs:
            if math.isclose(lr, value, rel_tol=1e-9):
                put("lr", lr)
    if stripped in vocab.methods and (head.startswith("method") or len(stripped) > 1):
        put("method", vocab.methods[stripped])
    for m in re.finditer(r"\bMethod\s+([A-Za-z0-9]+)\b", text):
        if m[1] in vocab.methods:
            put("method", vocab.methods[m[1]])
    low = text.lower()
    if "lora" in low:
        put("training", "lora")
    if re.search(r"full[\s\-]?param|\bfull\b", low):
        put("training", "full")
    if re.search(r"\bglobal\b", low):
        put("scope", "global")
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


def layer_list(text: str, vocab: Vocabulary) -> list[int]:
    """Layers named in order by a header such as ``‖Δθ‖ at L7 / L14 / L20``."""
    return [int(m[1]) for m in re.finditer(r"(?<![A-Za-z0-9_])L(\d+)\b", text)
            if int(m[1]) in vocab.layers]
