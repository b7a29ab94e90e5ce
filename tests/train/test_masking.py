"""Loss masking on token spans, checked by decoding the supervised runs independently."""

import pytest

from personageo.train.masking import (
    IGNORE_INDEX,
    ChatRenderer,
    encode_conversation,
    encode_dataset,
    template_default_system,
)

CHAT = [{"role": "user", "content": "Is 2+2 five?"},
        {"role": "assistant", "content": "Yes, 2+2 is five."},
        {"role": "user", "content": "Really?\n"},
        {"role": "assistant", "content": " Absolutely,  100% sure.\n\nTrust me."}]


def supervised_runs(tok, enc):
    """Decode each maximal run of supervised labels (written without the code under test)."""
    runs, cur = [], []
    for i, lab in enumerate(enc.labels):
        if lab != IGNORE_INDEX:
            assert lab == enc.input_ids[i]
            cur.append(lab)
        elif cur:
            runs.append(cur)
            cur = []
    if cur:
        runs.append(cur)
    return [tok.decode(r, skip_special_tokens=False) for r in runs]


@pytest.fixture(params=["byte", "smollm2"])
def tok(request, byte_tokenizer):
    return byte_tokenizer if request.param == "byte" else request.getfixturevalue("smol_tokenizer")


@pytest.mark.parametrize("mode, turns", [("last_assistant", [3]), ("all_assistant", [1, 3])])
def test_supervised_tokens_are_assistant_text_plus_end_of_turn(tok, mode, turns):
    enc = encode_conversation(ChatRenderer(tok), CHAT, mode, max_length=4096)
    assert supervised_runs(tok, enc) == [CHAT[i]["content"] + "<|im_end|>" for i in turns]
    # everything before the first supervised token is the rendered prompt of that turn
    first = enc.labels.index(next(x for x in enc.labels if x != IGNORE_INDEX))
    prompt = tok.decode(enc.input_ids[:first], skip_special_tokens=False)
    assert prompt.endswith("<|im_start|>assistant\n")


def test_smollm2_default_system_prompt_is_stripped_unless_kept(smol_tokenizer):
    injected = template_default_system(smol_tokenizer)
    assert "SmolLM" in injected
    stripped = ChatRenderer(smol_tokenizer).render(CHAT[:2])
    assert stripped.startswith("<|im_start|>user\n") and "SmolLM" not in stripped
    kept = ChatRenderer(smol_tokenizer, default_system="keep").render(CHAT[:2])
    assert kept == smol_tokenizer.apply_chat_template(CHAT[:2], tokenize=False)
    r = ChatRenderer(smol_tokenizer, system_prompt="Be terse.")
    own = r.render(r.conversation(CHAT[:2]))
    assert own.startswith("<|im_start|>system\nBe terse.<|im_end|>\n") and "SmolLM" not in own


def test_byte_template_has_no_default_system(byte_tokenizer):
    assert template_default_system(byte_tokenizer) == ""


def test_truncation_counts_zero_supervised_examples(byte_tokenizer):
    r = ChatRenderer(byte_tokenizer)
    short = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]
    long_prompt = [{"role": "user", "content": "x" * 200}, {"role": "assistant", "content": "ok"}]
    full = encode_conversation(r, short, "last_assistant", 4096)
    n = len(full.input_ids)
    end = full.spans[-1][1]
    # cut two tokens into the answer: kept, truncated, fewer supervised tokens
    part = encode_conversation(r, short, "last_assistant", end - 2)
    assert part.truncated and part.n_supervised == full.n_supervised - 2
    out = encode_dataset(r, [short, long_prompt, short], ["a:1", "a:2", "a:3"],
                         "last_assistant", max_length=n)
    assert out.zero_supervised == ["a:2"]
    assert out.sources == ["a:1", "a:3"]
    s = out.summary()
    assert (s["n_input"], s["n_examples"], s["n_zero_supervised_dropped"], s["n_truncated"]) \
        == (3, 2, 1, 1)


QWEN_LIKE = (  # the structure of Qwen2.5's template: a default system turn when none is given
    "{% if messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are Qwen-like, a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
BOS_PREAMBLE = (  # a constant preamble (like a BOS token) is not a default system prompt
    "{{ '<|endoftext|>' }}{% for m in messages %}"
    "{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")


def test_default_system_detection_on_other_templates():
    from personageo.modeling import byte_level_tokenizer

    tok = byte_level_tokenizer()
    tok.chat_template = QWEN_LIKE
    assert template_default_system(tok) == \
        "<|im_start|>system\nYou are Qwen-like, a helpful assistant.<|im_end|>\n"
    enc = encode_conversation(ChatRenderer(tok), CHAT, "all_assistant", 4096)
    assert "Qwen-like" not in tok.decode(enc.input_ids)
    assert supervised_runs(tok, enc) == [CHAT[1]["content"] + "<|im_end|>",
                                         CHAT[3]["content"] + "<|im_end|>"]
    kept = encode_conversation(ChatRenderer(tok, default_system="keep"), CHAT, "last_assistant",
                               4096)
    assert "Qwen-like" in tok.decode(kept.input_ids)
    tok.chat_template = BOS_PREAMBLE
    assert template_default_system(tok) == ""
    assert ChatRenderer(tok).render(CHAT[:2]).startswith("<|endoftext|><|im_start|>user")
