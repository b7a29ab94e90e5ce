"""``--select`` / ``--ignore`` for verify: codes (``V101``), family prefixes (``V1``, ``V10``) and
names (``p-below-floor``), as ruff and ``personageo lint`` take them; an unknown one is an input
error with "did you mean"."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import replace

from personageo.errors import InputError
from personageo.verify._findings import CODES, VerifyResult

_BY_NAME = {c.name: c.code for c in CODES.values()}


def resolve_codes(selectors: Iterable[str], what: str = "--select") -> set[str]:
    """The codes matched by ``selectors`` (case-insensitive codes and prefixes, names)."""
    out: set[str] = set()
    for raw in selectors:
        key = raw.strip()
        if not key:
            continue
        if re.fullmatch(r"[Vv]\d{0,3}", key):
            hits = {c for c in CODES if c.startswith(key.upper())}
        else:
            hits = {_BY_NAME[key.lower()]} if key.lower() in _BY_NAME else set()
        if not hits:
            raise _unknown(key, what)
        out |= hits
    return out


def _unknown(key: str, what: str) -> InputError:
    is_code = key[:1].upper() == "V" and key[1:2].isdigit()
    typo = "V" + key[1:].upper().translate(str.maketrans("OIL", "011")) if is_code else ""
    close = [typo] if typo in CODES else []
    pool = list(CODES) if is_code else list(_BY_NAME)
    if re.fullmatch(r"V\d{3}", typo):  # same family first, then the nearest numbers
        close += sorted(pool, key=lambda c: (-_common(c, typo), abs(int(c[1:]) - int(typo[1:]))))
    else:
        close += difflib.get_close_matches(key.upper() if is_code else key.lower(), pool, n=3,
                                           cutoff=0.5)
    shown = [f"{c} ({CODES[c].name})" if c in CODES else f"{_BY_NAME[c]} ({c})" for c in close]
    hint = ("did you mean " + " or ".join(dict.fromkeys(shown[:3])) + "?") if shown else \
        "docs/verify-codes.md lists every code"
    return InputError(f"unknown verify code {key!r} in {what}", hint=hint)


def _common(a: str, b: str) -> int:
    """Length of the common prefix of ``a`` and ``b``."""
    import os.path

    return len(os.path.commonprefix([a, b]))


def select_findings(result: VerifyResult, select: Iterable[str] = (),
                    ignore: Iterable[str] = ()) -> VerifyResult:
    """``result`` with only the selected codes (all when ``select`` is empty), minus ignored.

    A finding whose code is not verify's (the internal error ``X001``: a check that could not
    run) is always kept: no selection turns a check that did not run into a pass."""
    select, ignore = tuple(select), tuple(ignore)
    keep = resolve_codes(select, "--select") if select else set(CODES)
    keep -= resolve_codes(ignore, "--ignore")
    return replace(result, findings=[f for f in result.findings
                                     if f.code in keep or f.code not in CODES])
