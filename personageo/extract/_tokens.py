"""Token rules: which positions of which sequence form a prompt's vector.

Every rule pools a contiguous range ``[start, end)`` of one token sequence (a single position
is read exactly, a longer range is averaged):

``last_prompt_token``
    The prompt alone; its last token, i.e. the end of the generation prompt (ChatML: the ``\\n``
    after ``<|im_start|>assistant``). Method A of the original.
``last_question_token``
    The prompt alone; the last token of the user's question text (before ``<|im_end|>``).
``mean_answer_tokens``
    Prompt + the model's own generated answer ids (stop token excluded); mean over the answer.
``mean_answer_tokens_with_closing``
    Prompt + answer + the template's closing tokens (ChatML ``<|im_end|>``, ``\\n``); mean over
    answer and closing tokens, as the original Method B did.

An empty answer (the model stopped at once) has no answer token: ``mean_answer_tokens`` then
uses the closing tokens' first position (the stop token the model generated), and the store's
``answer_stats.empty`` counts such answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from personageo.errors import InputError

TOKEN_RULES = ("last_prompt_token", "last_question_token", "mean_answer_tokens",
               "mean_answer_tokens_with_closing")
ANSWER_RULES = ("mean_answer_tokens", "mean_answer_tokens_with_closing")


@dataclass(frozen=True)
class Answer:
    """A generated answer: token ids as generated (stop token excluded) and why it stopped."""

    token_ids: list[int]
    stop: str
    """``eos`` (a stop token was generated) or ``length`` (max_new_tokens reached)."""


@dataclass(frozen=True)
class PoolItem:
    ids: list[int]
    start: int
    end: int


def needs_answer(rule: str) -> bool:
    return rule in ANSWER_RULES


def pool_item(rule: str, prompt, answer: Answer | None = None,
              closing: list[int] | None = None) -> PoolItem:
    """The sequence and position range that ``rule`` pools for one prompt.

    Parameters
    ----------
    rule : str
        One of :data:`TOKEN_RULES`.
    prompt : Prompt
        Its ``ids`` (and ``question_end`` for ``last_question_token``).
    answer : Answer, optional
        Needed by the answer rules.
    closing : list of int, optional
        The template's closing token ids (answer rules).
    """
    ids = list(prompt.ids)
    n = len(ids)
    if rule == "last_prompt_token":
        return PoolItem(ids, n - 1, n)
    if rule == "last_question_token":
        if prompt.question_end is None:
            raise InputError("cannot locate the question's last token with this tokenizer",
                             hint="use a fast tokenizer or token_rule last_prompt_token")
        return PoolItem(ids, prompt.question_end, prompt.question_end + 1)
    if rule in ANSWER_RULES:
        if answer is None or closing is None:
            raise ValueError(f"token rule {rule!r} needs the answer and the closing tokens")
        seq = ids + list(answer.token_ids) + list(closing)
        k = len(answer.token_ids)
        if rule == "mean_answer_tokens_with_closing":
            return PoolItem(seq, n, n + k + len(closing))
        if k == 0:
            return PoolItem(seq, n, n + min(1, len(closing)))
        return PoolItem(ids + list(answer.token_ids), n, n + k)
    raise InputError(f"unknown token rule {rule!r}", hint=f"one of {', '.join(TOKEN_RULES)}")
