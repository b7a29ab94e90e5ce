"""Deterministic mutators for fuzzing: markdown bodies and results files.

Shared by the Hypothesis tests (``tests/fuzz``) and the longer campaign
(``bench/fuzz_campaign.py``): ``mutate_text(text, rng)`` and ``mutate_results(doc, rng)``
return a hostile variant; the same ``random.Random`` seed gives the same variant.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

#: Markdown, HTML, YAML and number fragments that have broken parsers before.
TOKENS = [
    "<!--", "-->", "<details open>", "<details>", "</details>", "<summary>", "</summary>",
    "<b>", "```", "~~~", "`", "|", "| --- |", "\n", "\n\n", "\r\n", "\r", "\t", "#", "## ",
    "### Result 1: ", "### Background\n", "## AI Summary\n", "## AI TL;DR\n",
    "**Confidence: HIGH** — ", "**Confidence:", "![fig](", "](", "[", "]", "(", ")", "*", "**",
    "_", "\\", "&amp;", "&#", "<", ">", "---\n", "...\n", "---\ntitle: x\n---\n",
    "---\na: &a [x]\nb: [*a, *a]\n---\n", "---\ncreated: 2020-13-45\n---\n",
    "---\n" + "[" * 80 + "\n---\n", "0.123", "-0.5", "1e999", "NaN", "∞", "×", "%", "±", "—",
    "–", "−", "1/2", "3.0×", "p < 0.001", "p_adj = 0.04", "n = 12", "L20", "#12", "v1.2.3",
    "\u00a0", "\u200b", "\u2028", "\ufeff", "é", "中文", "🙂", "\U0001d7d8", "١٢", "\x7f",
    "https://raw.githubusercontent.com/o/r/abc1234/x.png", "https://raw.githubusercontent.com/../x",
    "<!-- personageo:gen begin id=x sha256=0000000000000000 -->",
    "<!-- personageo:human end id=x -->", "<!-- personageo:render v1 results=sha256:00 -->",
]


def seed_bodies(reference: Path | None = None) -> list[str]:
    """Seed bodies: the lint fixtures, the demo write-up and (when present) the reference
    write-ups."""
    paths = sorted((REPO / "tests" / "lint" / "fixtures").glob("*.md"))
    paths += [p for p in [REPO / "reports" / "issue_1.md"] if p.is_file()]
    if reference is not None and (reference / "bodies").is_dir():
        paths += sorted((reference / "bodies").glob("*.md"))
    return [p.read_text(encoding="utf-8") for p in paths]


def mutate_text(text: str, rng: random.Random, rounds: int | None = None) -> str:
    """Apply 1-8 random edits: insert/repeat a token, delete/duplicate/move a span, truncate."""
    for _ in range(rounds or rng.randint(1, 8)):
        n = len(text)
        i = rng.randint(0, n)
        j = min(n, i + rng.choice([1, 5, 40, 400, 4000]))
        op = rng.random()
        if op < 0.45:
            token = rng.choice(TOKENS)
            times = rng.choice([1, 1, 1, 2, 3, 50, 2000])
            text = text[:i] + token * times + text[i:]
        elif op < 0.6:
            text = text[:i] + text[j:]
        elif op < 0.75:
            text = text[:j] + text[i:j] + text[j:]
        elif op < 0.85:
            k = rng.randint(0, max(0, len(text) - (j - i)))
            span, rest = text[i:j], text[:i] + text[j:]
            text = rest[:k] + span + rest[k:]
        elif op < 0.92:
            text = text[:i]
        else:
            text = text[:i] + chr(rng.choice([rng.randint(0x20, 0x7e), rng.randint(0xa0, 0xd7ff),
                                               rng.randint(0xe000, 0x10ffff)])) + text[i:]
    return text


HOSTILE_VALUES: list[Any] = [
    None, True, 0, -1, 10**30, 2**63, 1e308, -1e-320, 0.5, "", "x", "a\n# Injected\n|x|",
    "<!--", "`", "../../etc/passwd", "١", [], {}, [1, "a", None], {"k": "v"},
    "9" * 100, 1.5, "NaN", "2020-13-45",
]


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:6]):
            out += _paths(v, (*prefix, i))
    return out


def _set(doc: Any, path: tuple, value: Any) -> None:
    cur = doc
    for part in path[:-1]:
        cur = cur[part]
    if isinstance(cur, dict) and value is _DELETE:
        cur.pop(path[-1], None)
    elif isinstance(cur, list) and value is _DELETE:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value


_DELETE = object()


def mutate_results(doc: dict, rng: random.Random) -> str:
    """A hostile variant of a results document, as JSON text: values replaced, keys removed,
    and text-level faults (NaN, duplicate keys, huge integers, deep nesting, truncation)."""
    doc = json.loads(json.dumps(doc))
    paths = [p for p in _paths(doc) if p]
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(paths)
        try:
            value = _DELETE if rng.random() < 0.25 else \
                json.loads(json.dumps(rng.choice(HOSTILE_VALUES)))  # a fresh copy: no cycles
            _set(doc, path, value)
        except (KeyError, IndexError, TypeError):
            pass
        paths = [p for p in _paths(doc) if p]
    text = json.dumps(doc, indent=1)
    op = rng.random()
    if op < 0.1:
        text = text.replace("0.", "NaN, \"_\": 0.", 1) if rng.random() < 0.5 else \
            text.replace(": 0.", ": Infinity, \"z\": 0.", 1)
    elif op < 0.2:
        text = text.replace("{", '{"dup": 1, "dup": 2, ', 1 + rng.randint(0, 5))
    elif op < 0.25:
        text = text.replace(": 1", ": " + "9" * rng.choice([50, 5000]), 1)
    elif op < 0.3:
        depth = rng.choice([70, 1500])
        text = text.replace("{", '{"deep": ' + "[" * depth + "]" * depth + ", ", 1)
    elif op < 0.35:
        text = text[: rng.randint(0, len(text))]
    elif op < 0.4:
        text = text.replace('"', '"\\ud800', 1)
    return text
