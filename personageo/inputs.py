"""Readers of the experiment's input files: personas (JSON) and questions (JSONL).

Both return plain data plus the hashes the results file records; malformed input raises
:class:`~personageo.errors.InputError` with file, line and column.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from personageo.errors import InputError, Location
from personageo.files import iter_jsonl, read_json, sha256_file, sha256_text


@dataclass(frozen=True)
class Question:
    id: int | str
    text: str


@dataclass(frozen=True)
class QuestionFile:
    questions: list[Question]
    sha256: str
    path: str

    @property
    def distinct_count(self) -> int:
        return len({q.text for q in self.questions})

    def duplicates(self) -> list[list[int | str]]:
        """Groups of question ids whose text is identical (each group has >= 2 ids)."""
        groups: dict[str, list[int | str]] = defaultdict(list)
        for q in self.questions:
            groups[q.text].append(q.id)
        return [ids for ids in groups.values() if len(ids) > 1]


def load_personas(path: str | Path) -> dict[str, str]:
    """``{name: system prompt}`` from a JSON object; non-string values are refused."""
    obj = read_json(path)
    if not isinstance(obj, dict) or not obj:
        raise InputError("expected a non-empty JSON object {persona name: system prompt}",
                         Location(str(path), pointer=""))
    for name, prompt in obj.items():
        if not isinstance(prompt, str) or not prompt.strip():
            raise InputError(f"persona {name!r}: expected a non-empty string prompt",
                             Location(str(path), pointer="/" + name))
    return dict(obj)


def persona_hashes(personas: dict[str, str]) -> dict[str, str]:
    return {name: sha256_text(prompt) for name, prompt in personas.items()}


def load_questions(path: str | Path) -> QuestionFile:
    """Questions from JSONL: one ``{"id": int|str, "question": str}`` object per line."""
    p = Path(path)
    out: list[Question] = []
    seen: set = set()
    for lineno, _col, rec in iter_jsonl(p, "questions file"):
        if not isinstance(rec, dict) or not isinstance(rec.get("question"), str):
            raise InputError('expected {"id": ..., "question": "..."}', Location(str(p), lineno, 1))
        qid = rec.get("id", lineno - 1)
        if qid in seen:
            raise InputError(f"duplicate question id {qid!r}", Location(str(p), lineno, 1))
        seen.add(qid)
        out.append(Question(qid, rec["question"]))
    if not out:
        raise InputError("no questions in file", Location(str(p)))
    return QuestionFile(out, sha256_file(p), str(p))


def _unknown(names: list, known: list, what: str, where: str) -> InputError:
    import difflib

    lines = []
    for n in names:
        close = difflib.get_close_matches(str(n), [str(k) for k in known], n=1, cutoff=0.6)
        lines.append(f"{n!r}" + (f": did you mean {close[0]!r}?" if close else ""))
    return InputError(f"{len(names)} {what} of subset.{what} not in {where}", Location(where),
                      details=lines)


def select_personas(personas: dict[str, str], names: list[str] | None,
                    where: str = "personas file") -> dict[str, str]:
    """The personas named in ``names`` (None = all), in the file's order."""
    if names is None:
        return personas
    missing = [n for n in names if n not in personas]
    if missing:
        raise _unknown(missing, list(personas), "personas", where)
    return {k: v for k, v in personas.items() if k in set(names)}


def select_questions(questions: QuestionFile, ids: list[int | str] | None) -> QuestionFile:
    """The questions whose id is in ``ids`` (None = all; ``3`` and ``"3"`` match), in order."""
    if ids is None:
        return questions
    known = {str(q.id) for q in questions.questions}
    missing = [i for i in ids if str(i) not in known]
    if missing:
        raise _unknown(missing, [q.id for q in questions.questions], "questions", questions.path)
    wanted = {str(i) for i in ids}
    return QuestionFile([q for q in questions.questions if str(q.id) in wanted],
                        questions.sha256, questions.path)
