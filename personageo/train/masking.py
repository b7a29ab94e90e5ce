"""Chat rendering and loss masking on token spans.

For every supervised assistant turn ``i`` the conversation prefix ``messages[:i]`` is rendered
with the chat template and the generation prompt (ending in ``<|im_start|>assistant\\n``); its
tokens are exactly the masked tokens before that turn. The supervised span runs from there to the
turn's end-of-turn token (``<|im_end|>``) inclusive. Each span is checked by decoding: the
supervised tokens must decode to the assistant's text followed by the end-of-turn token.

Modes: ``last_assistant`` (only the final assistant turn, as the original) and ``all_assistant``.
Examples left with zero supervised tokens after truncation to ``max_length`` are dropped and
counted, never trained on silently.

Default system prompts: some templates (Qwen2.5, SmolLM2) insert a system message when the
conversation has none. :func:`template_default_system` finds that text generically (a one-user
render minus the render of a second identical user turn) and :class:`ChatRenderer` strips it
unless told to keep it; the rendered template of the first example is recorded in the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from personageo.errors import PersonageoError

IGNORE_INDEX = -100
_PROBE = "\x00personageo-probe\x00"


def template_default_system(tokenizer) -> str:
    """The text a chat template inserts when there is no system message ('' if none).

    A constant preamble that also appears with an explicit system message (a BOS token) is not
    a default system prompt and gives ''.
    """
    def render(msgs):
        return tokenizer.apply_chat_template(msgs, tokenize=False)

    one = render([{"role": "user", "content": _PROBE}])
    try:
        two = render([{"role": "user", "content": _PROBE}] * 2)
    except Exception:  # templates enforcing alternation  # noqa: BLE001
        two = None
    if two is None or not two.startswith(one) or not one.endswith(two[len(one):]):
        return ""
    injected = one[: len(one) - (len(two) - len(one))]
    with_system = render([{"role": "system", "content": _PROBE + "s"},
                          {"role": "user", "content": _PROBE}])
    return "" if with_system.startswith(injected) else injected


class ChatRenderer:
    """Render conversations with the tokenizer's chat template and the configured system policy.

    Parameters
    ----------
    tokenizer
        A tokenizer with a chat template and an end-of-turn ``eos_token``.
    system_prompt : str, optional
        Prepended as a system message to conversations that have none.
    default_system : {"strip", "keep"}
        What to do with a template's own default system prompt when there is no system message.
    """

    def __init__(self, tokenizer, system_prompt: str | None = None, default_system: str = "strip"):
        self.tokenizer = tokenizer
        self.system_prompt = system_prompt
        self.default_system = default_system
        self.injected = template_default_system(tokenizer)
        self.end_of_turn = tokenizer.eos_token

    def conversation(self, messages: list[dict]) -> list[dict]:
        if self.system_prompt is not None and messages[0]["role"] != "system":
            return [{"role": "system", "content": self.system_prompt}, *messages]
        return list(messages)

    def render(self, messages: list[dict], add_generation_prompt: bool = False) -> str:
        text = self.tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=add_generation_prompt)
        if (self.injected and self.default_system == "strip" and messages
                and messages[0]["role"] != "system"):
            if not text.startswith(self.injected):
                raise PersonageoError("chat template's default system prompt not found where "
                                      "expected; cannot strip it",
                                      hint="set train.template_default_system: keep")
            text = text[len(self.injected):]
        return text

    def describe(self) -> dict:
        return {"chat_template": self.tokenizer.chat_template,
                "template_default_system": self.injected or None,
                "default_system_policy": self.default_system,
                "system_prompt": self.system_prompt, "end_of_turn": self.end_of_turn}


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]
    n_supervised: int
    truncated: bool
    spans: list[tuple[int, int]]
    """Supervised token spans ``[start, end)`` before truncation."""


@dataclass
class EncodedSet:
    examples: list[Encoded]
    sources: list[str]
    n_input: int
    n_truncated: int = 0
    zero_supervised: list[str] = field(default_factory=list)
    """Sources of the examples dropped because no supervised token survived truncation."""
    rendered_example: str = ""

    def summary(self) -> dict:
        tokens = [len(e.input_ids) for e in self.examples]
        return {"n_input": self.n_input, "n_examples": len(self.examples),
                "n_truncated": self.n_truncated,
                "n_zero_supervised_dropped": len(self.zero_supervised),
                "zero_supervised_sources": self.zero_supervised[:50],
                "n_tokens": sum(tokens),
                "n_supervised_tokens": sum(e.n_supervised for e in self.examples)}


def _tokens(tokenizer, text: str) -> list[int]:
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def encode_conversation(renderer: ChatRenderer, messages: list[dict], mode: str,
                        max_length: int, source: str = "<row>") -> Encoded:
    """Token ids and labels of one conversation, masked on token spans and checked by decoding."""
    tok = renderer.tokenizer
    msgs = renderer.conversation(messages)
    full_text = renderer.render(msgs)
    ids = _tokens(tok, full_text)
    turns = [i for i, m in enumerate(msgs) if m["role"] == "assistant"]
    if mode == "last_assistant":
        turns = turns[-1:]
    elif mode != "all_assistant":
        raise ValueError(f"unknown loss mask mode {mode!r}")
    labels = [IGNORE_INDEX] * len(ids)
    spans = []
    for i in turns:
        start = _prefix_len(tok, ids, renderer.render(msgs[:i], add_generation_prompt=True),
                            source)
        through = renderer.render(msgs[: i + 1])
        content_end = through.rfind(renderer.end_of_turn)
        if content_end < 0:
            raise PersonageoError(f"{source}: rendered assistant turn has no end-of-turn token "
                                  f"{renderer.end_of_turn!r}")
        end = _prefix_len(tok, ids, through[: content_end + len(renderer.end_of_turn)], source)
        expected = msgs[i]["content"] + renderer.end_of_turn
        got = tok.decode(ids[start:end], skip_special_tokens=False)
        if got != expected:
            raise PersonageoError(
                f"{source}: supervised tokens decode to {got[:80]!r}, expected the assistant "
                f"text + end-of-turn {expected[:80]!r}",
                hint="the chat template renders assistant turns in a way masking cannot map")
        labels[start:end] = ids[start:end]
        spans.append((start, end))
    truncated = len(ids) > max_length
    ids, labels = ids[:max_length], labels[:max_length]
    n_sup = sum(1 for x in labels if x != IGNORE_INDEX)
    return Encoded(ids, labels, n_sup, truncated, spans)


def _prefix_len(tok, ids: list[int], prefix_text: str, source: str) -> int:
    pre = _tokens(tok, prefix_text)
    if ids[: len(pre)] != pre:
        raise PersonageoError(f"{source}: the rendered prefix does not tokenize to a prefix of the "
                              "conversation's tokens (a token crosses the turn boundary)")
    return len(pre)


def encode_dataset(renderer: ChatRenderer, rows: list[list[dict]], sources: list[str],
                   mode: str, max_length: int) -> EncodedSet:
    """Encode every row; drop (and count) those with zero supervised tokens after truncation."""
    out = EncodedSet([], [], n_input=len(rows))
    for msgs, src in zip(rows, sources, strict=True):
        enc = encode_conversation(renderer, msgs, mode, max_length, src)
        if not out.rendered_example:
            out.rendered_example = renderer.render(renderer.conversation(msgs))
        out.n_truncated += enc.truncated
        if enc.n_supervised == 0:
            out.zero_supervised.append(src)
            continue
        out.examples.append(enc)
        out.sources.append(src)
    return out
