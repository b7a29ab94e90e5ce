"""personageo's own forward pass over a Llama-family decoder (Llama, Qwen2): the fused engine.

The transformers model stays the source of the weights; this module runs the same arithmetic
(RMSNorm, rotary, grouped-query attention, SiLU-gated MLP, residual adds) with what the
extraction needs and transformers' generic path does not give:

* **right padding**, so a batch's attention is plain causal attention (no padding mask, one
  fused kernel whatever the width; padded positions come after every real token and no real
  token ever sees them);
* **one matrix product** for q/k/v and one for gate/up: the module weights are concatenated once
  and the transformers modules are re-pointed at views of the concatenation (no extra memory,
  the transformers forward still works);
* **fused element-wise work**: residual add + RMSNorm, rotary + head split, SiLU * up are
  ``torch.compile``-d on CUDA (one kernel each), with the plain PyTorch functions as fallback
  (CPU, or when compilation fails);
* a **static KV cache** and a single-token decode step for generation (see ``_fused_generate``).

:func:`fused_decoder` checks the architecture and then runs one short probe sequence through both
this engine and the transformers model; any disagreement beyond rounding refuses the engine
(the caller falls back to the transformers path).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

SUPPORTED_TYPES = ("llama", "qwen2")
_ROPE_TYPES = ("default", "linear", "llama3", "yarn")


class FusedUnsupported(Exception):
    """The model cannot run on the fused engine (the message says why)."""


# -- element-wise work: plain PyTorch (reference and fallback) -----------------------------------

def rms_norm(x, weight, eps: float):
    import torch

    xf = x.float()
    return weight * (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(x.dtype)


def add_rms_norm(x, delta, weight, eps: float):
    """``(x + delta, rms_norm(x + delta))``: the residual add and the next block's input norm."""
    s = x + delta
    return s, rms_norm(s, weight, eps)


def silu_mul(gate_up):
    import torch

    gate, up = gate_up.chunk(2, dim=-1)
    return torch.nn.functional.silu(gate) * up


def _rotate_half(x):
    import torch

    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_qk(qkv, cos, sin, n_heads: int, n_kv: int):
    """Rotated q ``[B, T, H, d]`` and k ``[B, T, kv, d]`` from ``qkv [B, T, (H + 2 kv) d]``.

    Token-major like the projection's output, so reading and writing are both contiguous (the
    attention takes transposed views; v is a view of ``qkv``, see :func:`split_v`).
    """
    b, t, width = qkv.shape
    d = width // (n_heads + 2 * n_kv)
    q = qkv[..., :n_heads * d].view(b, t, n_heads, d)
    k = qkv[..., n_heads * d:(n_heads + n_kv) * d].view(b, t, n_kv, d)
    cos, sin = cos[:, :, None], sin[:, :, None]
    q = q * cos + _rotate_half(q) * sin
    k = k * cos + _rotate_half(k) * sin
    return q.contiguous(), k.contiguous()


def split_v(qkv, n_heads: int, n_kv: int):
    """v ``[B, T, kv, d]``: a view of ``qkv`` (no copy)."""
    b, t, width = qkv.shape
    d = width // (n_heads + 2 * n_kv)
    return qkv[..., (n_heads + n_kv) * d:].view(b, t, n_kv, d)


def sdpa_backends():
    """Flash/efficient/math only: cuDNN attention would build a plan for every new shape."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
                        SDPBackend.MATH])


class _MaybeCompiled:
    """``torch.compile(fn)`` on first use, falling back to ``fn`` (with a warning) if it fails."""

    def __init__(self, fn, enabled: bool) -> None:
        self.fn, self.enabled, self.compiled = fn, enabled, None

    def __call__(self, *args):
        if self.enabled:
            try:
                if self.compiled is None:
                    import torch

                    # automatic dynamic shapes: only the sizes that change (batch, sequence)
                    # become symbolic, the feature sizes stay constants in the kernels. With
                    # dynamic=True the SiLU·up and rotary kernels ran 3-25x under the memory
                    # bound on an H200 (bench/RESULTS.md); this change is not yet measured.
                    self.compiled = torch.compile(self.fn, fullgraph=True)
                return self.compiled(*args)
            except Exception as exc:  # pragma: no cover - depends on the compiler stack
                warnings.warn(f"torch.compile of {self.fn.__name__} failed, running it "
                              f"uncompiled: {type(exc).__name__}: {str(exc)[:200]}",
                              stacklevel=2)
                self.enabled = False
        return self.fn(*args)


@dataclass
class _Layer:
    ln1: object
    wqkv: object
    bqkv: object
    wo: object
    ln2: object
    wgu: object
    wdown: object


def _concat_linears(mods) -> tuple:
    """One weight (and bias) for several ``nn.Linear``; the modules then view into it."""
    import torch

    biases = [m.bias for m in mods]
    if any(b is None for b in biases) and not all(b is None for b in biases):
        raise FusedUnsupported("some projections have a bias and others not")
    w = torch.cat([m.weight.data for m in mods], dim=0)
    b = None if biases[0] is None else torch.cat([m.bias.data for m in mods], dim=0)
    row = 0
    for m in mods:
        n = m.weight.shape[0]
        m.weight.data = w[row:row + n]
        if b is not None:
            m.bias.data = b[row:row + n]
        row += n
    return w, b


def _check(model) -> None:
    import torch

    cfg = model.config
    if getattr(cfg, "model_type", None) not in SUPPORTED_TYPES:
        raise FusedUnsupported(f"model type {getattr(cfg, 'model_type', None)!r} "
                               f"(supported: {', '.join(SUPPORTED_TYPES)})")
    if getattr(cfg, "hidden_act", "silu") != "silu":
        raise FusedUnsupported(f"activation {cfg.hidden_act!r}")
    if getattr(cfg, "use_sliding_window", False):
        raise FusedUnsupported("sliding-window attention")
    if getattr(cfg, "pretraining_tp", 1) not in (None, 1):
        raise FusedUnsupported("pretraining_tp > 1")
    for layer in model.model.layers:
        a, m = layer.self_attn, layer.mlp
        for lin in (a.q_proj, a.k_proj, a.v_proj, a.o_proj, m.gate_proj, m.up_proj, m.down_proj):
            if type(lin) is not torch.nn.Linear:
                raise FusedUnsupported(f"{type(lin).__name__} projections (not nn.Linear)")
        if hasattr(a, "q_norm") or hasattr(a, "k_norm"):
            raise FusedUnsupported("q/k norms")
    rope = getattr(model.model, "rotary_emb", None)
    if rope is None or not hasattr(rope, "inv_freq"):
        raise FusedUnsupported("no rotary embedding module with inv_freq")
    if getattr(rope, "rope_type", "default") not in _ROPE_TYPES:
        raise FusedUnsupported(f"rope type {rope.rope_type!r}")


class FusedDecoder:
    """The decoder of ``model`` as plain tensors and functions (see the module docstring)."""

    def __init__(self, model, *, compile: bool = True) -> None:
        import torch

        _check(model)
        cfg, dec = model.config, model.model
        self.device = next(model.parameters()).device
        self.dtype = dec.embed_tokens.weight.dtype
        self.n_blocks = cfg.num_hidden_layers
        self.n_heads = cfg.num_attention_heads
        self.n_kv = cfg.num_key_value_heads
        attn0 = dec.layers[0].self_attn
        self.head_dim = getattr(attn0, "head_dim", cfg.hidden_size // cfg.num_attention_heads)
        self.scaling = getattr(attn0, "scaling", self.head_dim ** -0.5)
        self.hidden = cfg.hidden_size
        self.intermediate = cfg.intermediate_size
        self.vocab = model.get_output_embeddings().weight.shape[0]
        self.eps = float(getattr(dec.norm, "variance_epsilon", getattr(cfg, "rms_norm_eps", 1e-6)))
        self.embed = dec.embed_tokens.weight
        self.norm = dec.norm.weight
        self.lm_head = model.get_output_embeddings().weight
        self.inv_freq = dec.rotary_emb.inv_freq.float()
        self.rope_scale = float(getattr(dec.rotary_emb, "attention_scaling", 1.0))
        with torch.no_grad():
            self.layers = []
            for layer in dec.layers:
                a, m = layer.self_attn, layer.mlp
                wqkv, bqkv = _concat_linears([a.q_proj, a.k_proj, a.v_proj])
                wgu, _ = _concat_linears([m.gate_proj, m.up_proj])
                self.layers.append(_Layer(layer.input_layernorm.weight, wqkv, bqkv,
                                          a.o_proj.weight, layer.post_attention_layernorm.weight,
                                          wgu, m.down_proj.weight))
        on_cuda = self.device.type == "cuda"
        self.compiled = bool(compile and on_cuda)
        self.add_rms_norm = _MaybeCompiled(add_rms_norm, self.compiled)
        self.rms_norm = _MaybeCompiled(rms_norm, self.compiled)
        self.silu_mul = _MaybeCompiled(silu_mul, self.compiled)
        self.rope_qk = _MaybeCompiled(rope_qk, self.compiled)

    # -- pieces ---------------------------------------------------------------------------------
    def rope(self, positions):
        """``cos, sin [*positions.shape, d]`` in the model dtype (float32 arithmetic)."""
        import torch

        freqs = positions.float()[..., None] * self.inv_freq.to(positions.device)
        emb = torch.cat((freqs, freqs), dim=-1)
        return ((emb.cos() * self.rope_scale).to(self.dtype),
                (emb.sin() * self.rope_scale).to(self.dtype))

    def kv_bytes_per_token(self) -> int:
        return 2 * self.n_blocks * self.n_kv * self.head_dim * self.embed.element_size()

    def activation_bytes_per_token(self) -> int:
        """Peak transient bytes per token of one block's forward (a generous count)."""
        h, i = self.hidden, self.intermediate
        qkv = (self.n_heads + 2 * self.n_kv) * self.head_dim
        return (6 * h + 3 * i + 3 * qkv) * self.embed.element_size() + 8 * h

    def _mlp(self, layer: _Layer, normed):
        import torch.nn.functional as F

        return F.linear(self.silu_mul(F.linear(normed, layer.wgu)), layer.wdown)

    def _next_norm(self, i: int):
        return self.layers[i + 1].ln1 if i + 1 < self.n_blocks else self.norm

    # -- full sequences (right padded) ----------------------------------------------------------
    def forward(self, ids, *, depth: int | None = None, on_site=None, kv_out=None):
        """Causal forward of right-padded ``ids [B, T]`` through blocks ``0 .. depth - 1``.

        ``on_site(kind, block, hidden)`` is called with the embedding output (``"embed"``), each
        block's output (``"block"``) and, after the last block, the final norm (``"norm"``).
        ``kv_out(block, k, v)`` receives each block's rotated keys and values ``[B, kv, T, d]``.
        Returns the last computed residual stream and its normed version.
        """
        import torch
        import torch.nn.functional as F

        b, t = ids.shape
        depth = self.n_blocks if depth is None else depth
        pos = torch.arange(t, device=ids.device)
        cos, sin = self.rope(pos[None])
        x = F.embedding(ids, self.embed)
        if on_site is not None:
            on_site("embed", None, x)
        normed = self.rms_norm(x, self.layers[0].ln1, self.eps)
        for i in range(depth):
            x, normed = self.block(i, x, normed, cos, sin, kv_out)
            if on_site is not None:
                on_site("block", i, x)
        if on_site is not None and depth == self.n_blocks:
            on_site("norm", None, normed)
        return x, normed

    def block(self, i: int, x, normed, cos, sin, kv_out=None):
        """Block ``i`` on the residual stream ``x [B, T, D]`` (``normed``: its input norm).

        Returns the block's output and that output normed for the next block (the final norm
        after the last block).
        """
        import torch.nn.functional as F

        b, t = x.shape[:2]
        h, kv, d = self.n_heads, self.n_kv, self.head_dim
        layer = self.layers[i]
        qkv = F.linear(normed, layer.wqkv, layer.bqkv)
        q, k = self.rope_qk(qkv, cos, sin, h, kv)
        v = split_v(qkv, h, kv)
        if kv_out is not None:
            kv_out(i, k.transpose(1, 2), v.transpose(1, 2))
        if h > kv:  # each KV head serves h // kv consecutive query heads
            k = k[:, :, :, None].expand(b, t, kv, h // kv, d).reshape(b, t, h, d)
            v = v[:, :, :, None].expand(b, t, kv, h // kv, d).reshape(b, t, h, d)
        att = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2),
                                             v.transpose(1, 2), is_causal=True,
                                             scale=self.scaling)
        att = att.transpose(1, 2).reshape(b, t, h * d)
        x, normed = self.add_rms_norm(x, F.linear(att, layer.wo), layer.ln2, self.eps)
        return self.add_rms_norm(x, self._mlp(layer, normed), self._next_norm(i), self.eps)

    # -- one new token per row against a static cache -------------------------------------------
    def decode(self, tokens, positions, cache_k, cache_v, width: int, on_site=None):
        """Logits ``[B, vocab]`` for one token per row at ``positions [B]``.

        The token's keys/values are written into ``cache_k[i] / cache_v[i] [B, kv, T, d]`` at
        column ``positions[b]``; attention reads columns ``< width`` that are ``<= positions[b]``
        (the query heads sharing a KV head are folded into the query axis: no K/V copies).
        """
        import torch
        import torch.nn.functional as F

        b = tokens.shape[0]
        d, kv, rep = self.head_dim, self.n_kv, self.n_heads // self.n_kv
        cos, sin = self.rope(positions[:, None])
        cols = torch.arange(width, device=tokens.device)
        mask = (cols[None, :] <= positions[:, None])[:, None, None, :]
        index = positions[:, None, None, None].expand(b, kv, 1, d)
        x = F.embedding(tokens[:, None], self.embed)
        if on_site is not None:
            on_site("embed", None, x[:, 0])
        normed = self.rms_norm(x, self.layers[0].ln1, self.eps)
        for i, layer in enumerate(self.layers):
            qkv = F.linear(normed, layer.wqkv, layer.bqkv)
            q, k = self.rope_qk(qkv, cos, sin, self.n_heads, kv)
            cache_k[i].scatter_(2, index, k.transpose(1, 2))
            cache_v[i].scatter_(2, index, split_v(qkv, self.n_heads, kv).transpose(1, 2))
            att = F.scaled_dot_product_attention(
                q.view(b, kv, rep, d), cache_k[i][:, :, :width], cache_v[i][:, :, :width],
                attn_mask=mask, scale=self.scaling)
            att = att.reshape(b, 1, self.n_heads * d)
            x, normed = self.add_rms_norm(x, F.linear(att, layer.wo), layer.ln2, self.eps)
            x, normed = self.add_rms_norm(x, self._mlp(layer, normed), self._next_norm(i),
                                          self.eps)
            if on_site is not None:
                on_site("block", i, x[:, 0])
        if on_site is not None:
            on_site("norm", None, normed[:, 0])
        return F.linear(normed[:, 0], self.lm_head)

    def logits_at(self, normed, last):
        """Logits of row ``b`` at position ``last[b]`` of a final-normed ``[B, T, D]``."""
        import torch
        import torch.nn.functional as F

        rows = torch.arange(normed.shape[0], device=normed.device)
        return F.linear(normed[rows, last], self.lm_head)


def probe_matches(fused: FusedDecoder, model, rtol: float | None = None) -> str | None:
    """Check every block against transformers on a short probe; None when they agree.

    Each block gets transformers' own input (``hidden_states[i]``), and what the block adds to
    the residual stream is compared with what transformers' block added, so rounding does not
    compound over depth while a wrong computation shows as an error of order 1.
    """
    import torch

    ids = (torch.arange(3, 3 + 24, device=fused.device) % max(4, fused.vocab)).view(2, 12)
    tol = rtol if rtol is not None else (5e-2 if fused.dtype != torch.float32 else 1e-4)

    def rel(got, want) -> float:
        got, want = got.float(), want.float()
        return ((got - want).norm() / want.norm().clamp(min=1e-12)).item()

    with torch.inference_mode():
        hs = model(input_ids=ids, output_hidden_states=True, use_cache=False).hidden_states
        cos, sin = fused.rope(torch.arange(ids.shape[1], device=ids.device)[None])
        errors = {("embed", None): rel(torch.nn.functional.embedding(ids, fused.embed), hs[0])}
        for i in range(fused.n_blocks):
            x = hs[i]
            out, normed = fused.block(i, x, fused.rms_norm(x, fused.layers[i].ln1, fused.eps),
                                      cos, sin)
            if i + 1 < fused.n_blocks:
                errors[("block", i)] = rel(out - x, hs[i + 1] - x)
            else:
                errors[("norm", None)] = rel(normed, hs[i + 1])
    for key, err in errors.items():
        if not err <= tol:
            return f"probe mismatch at {key}: relative error {err:.2e} > {tol:.0e}"
    return None


def fused_decoder(model, *, compile: bool = True) -> FusedDecoder:
    """A checked :class:`FusedDecoder` for ``model`` (cached on the model object).

    Raises
    ------
    FusedUnsupported
        The architecture is not supported, or the probe disagreed with transformers.
    """
    cached = getattr(model, "_personageo_fused", None)
    if cached is not None:
        return cached
    fused = FusedDecoder(model, compile=compile)
    problem = probe_matches(fused, model)
    if problem is not None:
        raise FusedUnsupported(problem)
    model._personageo_fused = fused
    return fused
