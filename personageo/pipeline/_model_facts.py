"""What the pre-flight check needs to know about a model, read without loading its weights:
the number of transformer blocks, the chat template, and the parameter count.

``random_init`` -> the config dict; ``gguf`` -> the file's metadata (``gguf.GGUFReader``, memory
mapped, no tensor is read); a local checkpoint directory -> ``config.json`` and
``tokenizer_config.json``; a hub id -> the locally cached config only (never a download).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from personageo.errors import InputError


@dataclass
class ModelFacts:
    n_layers: int | None
    chat_template: str | None
    n_params: int | None
    source: str
    """Where the facts came from (for messages)."""


def _estimate_params(c: dict) -> int | None:
    try:
        h, n = int(c["hidden_size"]), int(c["num_hidden_layers"])
        inter = int(c.get("intermediate_size", 4 * h))
        vocab = int(c.get("vocab_size", 32000))
    except (KeyError, TypeError, ValueError):
        return None
    heads = int(c.get("num_attention_heads", 1))
    kv = int(c.get("num_key_value_heads", heads))
    attn = h * h * 2 + 2 * h * (h // max(heads, 1)) * kv
    tied = c.get("tie_word_embeddings", False)
    return n * (attn + 3 * h * inter) + vocab * h * (1 if tied else 2)


def _from_hf_config(c: dict, template: str | None, source: str) -> ModelFacts:
    layers = c.get("num_hidden_layers", c.get("n_layer", c.get("num_layers")))
    return ModelFacts(int(layers) if layers is not None else None, template,
                      _estimate_params(c), source)


def _gguf_facts(spec) -> ModelFacts:
    from personageo.errors import require
    from personageo.modeling import resolve_gguf

    path = resolve_gguf(spec.gguf)
    gguf = require("gguf", "cpu")
    reader = gguf.GGUFReader(str(path))
    fields = reader.fields
    arch = fields["general.architecture"].contents() if "general.architecture" in fields else ""
    blocks = fields.get(f"{arch}.block_count")
    template = fields.get("tokenizer.chat_template")
    return ModelFacts(int(blocks.contents()) if blocks is not None else None,
                      template.contents() if template is not None else None,
                      sum(int(t.n_elements) for t in reader.tensors), str(path))


def _dir_facts(path: Path) -> ModelFacts:
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise InputError(f"{path} has no config.json (not a saved checkpoint)")
    config = json.loads(cfg_file.read_text(encoding="utf-8"))
    template = None
    jinja = path / "chat_template.jinja"
    tok_cfg = path / "tokenizer_config.json"
    if jinja.is_file():
        template = jinja.read_text(encoding="utf-8")
    elif tok_cfg.is_file():
        template = json.loads(tok_cfg.read_text(encoding="utf-8")).get("chat_template")
    return _from_hf_config(config, template, str(cfg_file))


def _hub_facts(spec) -> ModelFacts:
    from personageo.errors import require

    transformers = require("transformers", "cpu")
    try:
        config = transformers.AutoConfig.from_pretrained(spec.name, revision=spec.revision,
                                                         local_files_only=True)
        tok_cfg = transformers.utils.cached_file(spec.name, "tokenizer_config.json",
                                                 revision=spec.revision, local_files_only=True)
    except (OSError, ValueError) as exc:
        raise InputError(f"the config of {spec.name!r} is not in the local Hugging Face cache "
                         f"({type(exc).__name__})") from None
    template = None
    if tok_cfg:
        template = json.loads(Path(tok_cfg).read_text(encoding="utf-8")).get("chat_template")
    return _from_hf_config(config.to_dict(), template, f"{spec.name} (HF cache)")


def model_facts(spec) -> ModelFacts:
    """Facts of a :class:`personageo.config.ModelSpec` (see the module docstring).

    Raises
    ------
    InputError
        The model cannot be found or its config read.
    """
    if spec.random_init is not None:
        from personageo.modeling import CHATML_TEMPLATE

        if spec.gguf:
            facts = _gguf_facts(spec)
            template = facts.chat_template
        else:
            template = CHATML_TEMPLATE
        c = {"num_hidden_layers": 24, **spec.random_init}
        return _from_hf_config(c, template, "random_init")
    if spec.gguf:
        return _gguf_facts(spec)
    path = Path(spec.name).expanduser()
    if path.exists():
        return _dir_facts(path)
    return _hub_facts(spec)
