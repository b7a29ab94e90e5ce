"""The questions input (``--questions FILE``, JSONL of ``{"question", "id"}``): duplicates and
agreement with the recorded question set (V6xx)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from personageo.errors import InputError, Location
from personageo.files import loads_strict, read_text, sha256_file
from personageo.verify._context import Context


@dataclass(frozen=True)
class Question:
    line: int
    text: str
    id: int | str | None


def read_questions(path: str | os.PathLike) -> list[Question]:
    """Parse a questions JSONL file; bad lines raise :class:`InputError` with line:col."""
    path = str(path)
    lines = read_text(path, "questions file").splitlines()
    out = []
    for n, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            obj = loads_strict(raw, path)
        except InputError as exc:
            where = exc.location
            raise InputError(exc.message, Location(path, n, where.col if where else None,
                                                   where.pointer if where else None),
                             hint='expected one {"question": str, "id": int} object per line'
                             ) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("question"), str):
            raise InputError("expected an object with a string 'question'", Location(path, n, 1),
                             hint='expected one {"question": str, "id": int} object per line')
        qid = obj.get("id")
        if qid is not None and (isinstance(qid, bool) or not isinstance(qid, (int, str))):
            raise InputError(f"'id' must be an integer or string, got {qid!r}",
                             Location(path, n, 1))
        out.append(Question(n, obj["question"], qid))
    return out


def check_questions(ctx: Context, questions: list[Question], path: str) -> None:
    first_text: dict[str, Question] = {}
    first_id: dict[int | str, Question] = {}
    for q in questions:
        seen = first_text.setdefault(q.text, q)
        if seen is not q:
            ctx.add("V601", (), f"question (id {q.id}) repeats line {seen.line} (id {seen.id}): "
                    f"{_short(q.text)}", "each question once", path=path, line=q.line)
        if q.id is not None:
            seen_id = first_id.setdefault(q.id, q)
            if seen_id is not q:
                ctx.add("V603", (), f"id {q.id!r} repeats line {seen_id.line}", "unique ids",
                        path=path, line=q.line)
    recorded = ctx.run.design.questions
    n, distinct = len(questions), len(first_text)
    for field, have in (("count", n), ("distinct_count", distinct)):
        want = getattr(recorded, field)
        if want is not None and want != have:
            ctx.add("V602", ("design", "questions", field), f"{field} = {want} but {path} has "
                    f"{have}", f"{have}")
    if recorded.count is None or recorded.distinct_count is None:
        ctx.add("V508", ("design", "questions"), f"the results do not record the question "
                f"counts; {path} has {n} questions, {distinct} distinct",
                "count and distinct_count recorded with the results")
    if recorded.sha256 and os.path.isfile(path) and recorded.sha256 != sha256_file(path):
        ctx.add("V604", ("design", "questions", "sha256"), f"sha256 differs from {path}",
                "the hash of the questions the run used")


def _short(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[: width - 3] + "...")
