"""Rendering persona x question prompts with the chat template, and the template's closing.

Each prompt is ``[system: persona prompt, user: question]`` rendered with the generation prompt
(for ChatML: ``...<|im_start|>assistant\\n``) and tokenized with ``add_special_tokens=False`` (the
template already writes every special token). Order is persona-major: prompt ``p * Q + q``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from personageo.errors import InputError
from personageo.files import sha256_json, sha256_text
from personageo.inputs import QuestionFile

_MARK = "\ue000"  # a private-use character: locates message content inside a rendered template


@dataclass(frozen=True)
class Prompt:
    persona: str
    question_id: int | str
    question: str
    text: str
    ids: list[int]
    question_end: int | None
    """Index in ``ids`` of the last token of the question text (None: tokenizer not fast)."""


@dataclass
class PromptSet:
    personas: list[str]
    persona_prompts: dict[str, str]
    question_ids: list[int | str]
    prompts: list[Prompt]
    closing_ids: list[int]
    """Tokens the template writes after an assistant message (ChatML: ``<|im_end|>``, ``\\n``)."""
    chat_template_sha256: str | None
    duplicate_questions: list[list[int | str]] = field(default_factory=list)
    questions_sha256: str | None = None
    """sha256 of the questions file."""

    @property
    def sha256(self) -> str:
        """Hash of the exact rendered prompt texts, in order."""
        return sha256_json([p.text for p in self.prompts])

    @property
    def ids_sha256(self) -> str:
        """Hash of the prompt token ids, in order (covers the tokenizer too)."""
        return sha256_json([p.ids for p in self.prompts])

    def index(self, p: int, q: int) -> int:
        return p * len(self.question_ids) + q


def _messages(system: str, user: str, assistant: str | None = None) -> list[dict]:
    out = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    if assistant is not None:
        out.append({"role": "assistant", "content": assistant})
    return out


def _render(tokenizer, messages: list[dict], generation_prompt: bool) -> str:
    if not getattr(tokenizer, "chat_template", None):
        raise InputError("the tokenizer has no chat template",
                         hint="use an instruct/chat model or set tokenizer.chat_template")
    return tokenizer.apply_chat_template(messages, tokenize=False,
                                         add_generation_prompt=generation_prompt)


def closing_ids(tokenizer, system: str = "s", user: str = "u") -> list[int]:
    """Token ids the chat template appends after an assistant message's content."""
    text = _render(tokenizer, _messages(system, user, _MARK), False)
    suffix = text[text.index(_MARK) + len(_MARK):]
    return list(tokenizer(suffix, add_special_tokens=False)["input_ids"])


def _question_end(tokenizer, personas_prompt: str, question: str, text: str,
                  offsets) -> int | None:
    """Index of the last token overlapping the question text, from the offsets mapping."""
    if offsets is None or not question:
        return None
    marked = _render(tokenizer, _messages(personas_prompt, question + _MARK), True)
    if marked.replace(_MARK, "", 1) != text:
        return None  # the template rewrites the content; no reliable position
    char_end = marked.index(_MARK)
    last = None
    for i, (a, b) in enumerate(offsets):
        if a < char_end and b > a:
            last = i
    return last


def build_prompts(tokenizer, personas: dict[str, str], questions: QuestionFile) -> PromptSet:
    """Render and tokenize every persona x question prompt (persona-major order)."""
    texts, meta = [], []
    for name, system in personas.items():
        for q in questions.questions:
            texts.append(_render(tokenizer, _messages(system, q.text), True))
            meta.append((name, system, q))
    fast = bool(getattr(tokenizer, "is_fast", False))
    enc = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=fast)
    offsets = enc["offset_mapping"] if fast else [None] * len(texts)
    prompts = [
        Prompt(persona=name, question_id=q.id, question=q.text, text=text, ids=list(ids),
               question_end=_question_end(tokenizer, system, q.text, text, offs))
        for (name, system, q), text, ids, offs in zip(meta, texts, enc["input_ids"], offsets, strict=True)
    ]
    template = getattr(tokenizer, "chat_template", None)
    return PromptSet(
        personas=list(personas), persona_prompts=dict(personas),
        question_ids=[q.id for q in questions.questions], prompts=prompts,
        closing_ids=closing_ids(tokenizer),
        chat_template_sha256=sha256_text(template) if isinstance(template, str) else None,
        duplicate_questions=questions.duplicates(), questions_sha256=questions.sha256,
    )
