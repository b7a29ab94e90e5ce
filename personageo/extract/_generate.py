"""Greedy answer generation for the answer-based token rules.

Two backends return the generated token ids as generated (never decoded and re-encoded):

``transformers``
    Batched ``model.generate`` over length-sorted, left-padded batches (greedy, no sampling).
    ``cache_implementation="static"`` preallocates the KV cache instead of growing it by
    concatenation; transformers' automatic ``torch.compile`` of the decoding step (CUDA graphs,
    which failed in a trial, see ENVIRONMENT.md) stays off unless asked for.
``vllm``
    ``vllm.LLM`` on a local checkpoint directory, temperature 0, token ids in and out. vLLM is
    not installable on the CPU test machines, so this path is untested here; it is kept small.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from personageo.errors import require
from personageo.extract._batching import left_pad, length_sorted_batches
from personageo.extract._tokens import Answer


def trim_answer(ids: Sequence[int], stop_ids: set[int], pad_id: int | None = None) -> Answer:
    """Cut generated ids at the first stop token (excluded); ``stop`` says whether one came."""
    out = []
    for t in ids:
        if t in stop_ids:
            return Answer(out, "eos")
        out.append(int(t))
    return Answer(out, "length")


def iter_generate_transformers(model, prompts: Sequence[Sequence[int]], *, indices=None,
                               max_new_tokens: int, batch_size: int, stop_ids: Sequence[int],
                               pad_id: int, cache_implementation: str | None = None,
                               compile: bool = False,
                               ) -> Iterator[tuple[list[int], list[Answer]]]:
    """Yield ``(indices, answers)`` per length-sorted batch of greedy generation.

    With ``cache_implementation="static"`` transformers compiles the decoding step on CUDA by
    itself (CUDA graphs); that is switched off unless ``compile`` is asked for.
    """
    import torch

    todo = list(range(len(prompts))) if indices is None else list(indices)
    device = next(model.parameters()).device
    stops = set(int(s) for s in stop_ids)
    kwargs = dict(do_sample=False, num_beams=1, max_new_tokens=max_new_tokens,
                  eos_token_id=list(stops), pad_token_id=pad_id,
                  temperature=None, top_p=None, top_k=None)
    if cache_implementation:
        kwargs["cache_implementation"] = cache_implementation
        kwargs["disable_compile"] = not compile
    with torch.inference_mode():
        for batch in length_sorted_batches([len(prompts[i]) for i in todo], batch_size):
            idx = [todo[b] for b in batch]
            ids, mask, _, _ = left_pad([prompts[i] for i in idx], pad_id, device)
            seqs = model.generate(input_ids=ids, attention_mask=mask, **kwargs)
            new = seqs[:, ids.shape[1]:].tolist()
            yield idx, [trim_answer(row, stops) for row in new]


def generate_vllm(model_path: str, prompts: Sequence[Sequence[int]], *, max_new_tokens: int,
                  stop_ids: Sequence[int], dtype: str, tensor_parallel_size: int = 1,
                  on_done: Callable[[int], None] | None = None) -> list[Answer]:
    """Greedy answers from vLLM (token ids in, token ids out). Untested on CPU machines."""
    vllm = require("vllm")
    llm = vllm.LLM(model=str(model_path), dtype=dtype, tensor_parallel_size=tensor_parallel_size,
                   seed=0, skip_tokenizer_init=True)
    params = vllm.SamplingParams(temperature=0.0, max_tokens=max_new_tokens,
                                 stop_token_ids=list(stop_ids), detokenize=False)
    outs = llm.generate([{"prompt_token_ids": list(p)} for p in prompts], params, use_tqdm=False)
    stops = set(int(s) for s in stop_ids)
    answers = [trim_answer(o.outputs[0].token_ids, stops) for o in outs]
    del llm
    _free_vllm()
    if on_done is not None:
        on_done(len(answers))
    return answers


def _free_vllm() -> None:  # pragma: no cover - needs vLLM
    import gc

    gc.collect()
    try:
        import torch

        torch.cuda.empty_cache()
    except Exception:
        pass


def vllm_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("vllm") is not None
