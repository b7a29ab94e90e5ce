"""personageo's own forward pass over a Llama-family decoder (Llama, Qwen2): the fused engine.

The transformers model stays the source of the weights; this module runs the same arithmetic
(RMSNorm, rotary, grouped-query attention, SiLU-gated MLP, residual adds) with what the
extraction needs and transformers' generic path does not give:

* **packed batches**: the matrix products and element-wise work run on the real tokens only
  (``[tokens, features]``); only the attention sees a right-padded grid (plain causal attention,
  no padding mask: padded positions come after every real token and no real token sees them);
* a **shared prefix** (one persona's system prompt) computed once: its keys and values are put
  before every row's own keys, and the attention is causal from the lower right
  (:meth:`FusedDecoder.prefix_kv`, :class:`Layout`);
* **one matrix product** for q/k/v and one for gate/up: the module weights are concatenated once
  and the transformers modules are re-pointed at views of the concatenation (no extra memory,
  the transformers forward still works);
* **fused element-wise work**: residual add + RMSNorm, rotary + head split, SiLU * up are
  ``torch.compile``-d on CUDA once, during the probe, with a dynamic token axis (one kernel each
  for every batch and decode step), with the plain PyTorch functions as fallback (CPU, or when
  compilation fails; :mod:`personageo.extract._fused_ops`);
* a **static KV cache** (token-major) and a single-token decode step for generation whose
  attention reads only each row's own keys on CUDA (``_decode_attention``, ``_fused_generate``).

:func:`fused_decoder` checks the architecture and then runs one short probe sequence through both
this engine and the transformers model; any disagreement beyond rounding refuses the engine
(the caller falls back to the transformers path).
"""

from __future__ import annotations

from dataclasses import dataclass

from personageo.extract._decode_attention import DecodeAttention
from personageo.extract._fused_ops import (  # noqa: F401 - re-exported
    MaybeCompiled,
    add_rms_norm,
    rms_norm,
    rope_qk,
    sdpa_backends,
    silu_mul,
    split_v,
)

SUPPORTED_TYPES = ("llama", "qwen2")
_ROPE_TYPES = ("default", "linear", "llama3", "yarn")


class FusedUnsupported(Exception):
    """The model cannot run on the fused engine (the message says why)."""


@dataclass
class Layout:
    """Where the ``N`` tokens of a batch sit in the attention's padded ``[b, t]`` grid.

    ``flat[n] = row * t + column`` (None: dense, token ``n`` is cell ``n``, ``N == b * t``).
    ``prefix``: the number of shared key positions before every row (a prefix computed once,
    see :meth:`FusedDecoder.prefix_kv`); the rows' tokens then sit at positions ``prefix +
    column`` and attend to the prefix and to their own earlier tokens (lower-right causal).
    """

    b: int
    t: int
    flat: object = None
    prefix: int = 0
    flat_kv: object = None

    def __post_init__(self) -> None:
        if self.flat is not None and self.prefix:
            s = self.prefix + self.t
            self.flat_kv = (self.flat // self.t) * s + self.prefix + self.flat % self.t


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
        self.add_rms_norm = MaybeCompiled(add_rms_norm, self.compiled)
        self.rms_norm = MaybeCompiled(rms_norm, self.compiled)
        self.silu_mul = MaybeCompiled(silu_mul, self.compiled)
        self.rope_qk = MaybeCompiled(rope_qk, self.compiled)
        self.decode_attention = DecodeAttention(self.device, self.dtype, self.scaling,
                                                self.n_heads, self.n_kv, self.head_dim)

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

    # -- full sequences: right padded, or packed (no padding) with a shared prefix -------------
    def forward(self, ids, *, depth: int | None = None, on_site=None, kv_out=None):
        """Causal forward of right-padded ``ids [B, T]`` through blocks ``0 .. depth - 1``.

        ``on_site(kind, block, hidden [B, T, D])`` is called with the embedding output
        (``"embed"``), each block's output (``"block"``) and, after the last block, the final
        norm (``"norm"``). ``kv_out(block, k, v)`` receives each block's rotated keys and values
        ``[B, kv, T, d]``. Returns the last computed residual stream and its normed version.
        """
        import torch

        b, t = ids.shape
        pos = torch.arange(t, device=ids.device).repeat(b)
        site = None if on_site is None else \
            (lambda kind, blk, hid: on_site(kind, blk, hid.view(b, t, -1)))
        kv = None if kv_out is None else (lambda i, k, v: kv_out(
            i, k.view(b, t, self.n_kv, -1).transpose(1, 2),
            v.view(b, t, self.n_kv, -1).transpose(1, 2)))
        x, normed = self.forward_packed(ids.reshape(-1), pos, Layout(b, t), depth=depth,
                                        on_site=site, kv_out=kv)
        return x.view(b, t, -1), normed.view(b, t, -1)

    def forward_packed(self, ids, pos, layout: Layout, *, past=None, depth: int | None = None,
                       on_site=None, kv_out=None):
        """Causal forward of ``N`` tokens ``ids [N]`` at positions ``pos [N]``.

        ``layout`` places them in rows (:class:`Layout`); ``past[i] = (k, v)`` ``[P, kv, d]`` are
        block ``i``'s keys and values of the shared prefix (``layout.prefix == P``). Callbacks as
        in :meth:`forward`, with token-major ``[N, ...]`` tensors.
        """
        import torch.nn.functional as F

        depth = self.n_blocks if depth is None else depth
        cos, sin = self.rope(pos)
        x = F.embedding(ids, self.embed)
        if on_site is not None:
            on_site("embed", None, x)
        normed = self.rms_norm(x, self.layers[0].ln1, self.eps)
        for i in range(depth):
            x, normed = self.block(i, x, normed, cos, sin, layout,
                                   None if past is None else past[i], kv_out)
            if on_site is not None:
                on_site("block", i, x)
        if on_site is not None and depth == self.n_blocks:
            on_site("norm", None, normed)
        return x, normed

    def prefix_kv(self, ids, depth: int | None = None) -> list:
        """Keys and values ``[(k, v) [P, kv, d]]`` of blocks ``0 .. depth - 1`` for ``ids [P]``."""
        import torch

        out: list = []
        self.forward_packed(ids, torch.arange(len(ids), device=ids.device),
                            Layout(1, len(ids)), depth=depth,
                            kv_out=lambda i, k, v: out.append((k, v)))
        return out

    def block(self, i: int, x, normed, cos, sin, layout: Layout, past=None, kv_out=None):
        """Block ``i`` on the residual stream ``x [N, D]`` (``normed``: its input norm).

        Returns the block's output and that output normed for the next block (the final norm
        after the last block).
        """
        import torch.nn.functional as F

        layer = self.layers[i]
        qkv = F.linear(normed, layer.wqkv, layer.bqkv)
        q, k = self.rope_qk(qkv, cos, sin, self.n_heads, self.n_kv)
        v = split_v(qkv, self.n_heads, self.n_kv)
        if kv_out is not None:
            kv_out(i, k, v)
        att = self.attend(q, k, v, layout, past)
        x, normed = self.add_rms_norm(x, F.linear(att, layer.wo), layer.ln2, self.eps)
        return self.add_rms_norm(x, self._mlp(layer, normed), self._next_norm(i), self.eps)

    def attend(self, q, k, v, layout: Layout, past=None):
        """Causal attention ``[N, H * d]`` of token-major ``q [N, H, d]``, ``k, v [N, kv, d]``.

        Packed tokens are scattered into the padded grid (zeros elsewhere: padding comes after
        every real token, so no real query sees it) and gathered back; a shared prefix is put
        before every row's keys and the mask is causal from the lower right.
        """
        import torch.nn.functional as F

        h, kv, d = self.n_heads, self.n_kv, self.head_dim
        b, t, p = layout.b, layout.t, layout.prefix
        s = p + t
        if layout.flat is None:
            qp = q.view(b, t, h, d)
        else:
            qp = q.new_zeros((b * t, h, d)).index_copy_(0, layout.flat, q).view(b, t, h, d)
        if layout.flat is None and not p:
            keys, vals = k.view(b, t, kv, d), v.view(b, t, kv, d)
        else:
            keys, vals = k.new_zeros((b, s, kv, d)), v.new_zeros((b, s, kv, d))
            if p:
                keys[:, :p], vals[:, :p] = past[0], past[1]
            if layout.flat is None:
                keys[:, p:], vals[:, p:] = k.view(b, t, kv, d), v.view(b, t, kv, d)
            else:
                flat_kv = layout.flat if not p else layout.flat_kv
                keys.view(b * s, kv, d).index_copy_(0, flat_kv, k)
                vals.view(b * s, kv, d).index_copy_(0, flat_kv, v)
        if h > kv:  # each KV head serves h // kv consecutive query heads
            keys = keys[:, :, :, None].expand(b, s, kv, h // kv, d).reshape(b, s, h, d)
            vals = vals[:, :, :, None].expand(b, s, kv, h // kv, d).reshape(b, s, h, d)
        qt, kt, vt = qp.transpose(1, 2), keys.transpose(1, 2), vals.transpose(1, 2)
        if p:
            from torch.nn.attention.bias import causal_lower_right

            att = F.scaled_dot_product_attention(qt, kt, vt, attn_mask=causal_lower_right(t, s),
                                                 scale=self.scaling)
        else:
            att = F.scaled_dot_product_attention(qt, kt, vt, is_causal=True, scale=self.scaling)
        att = att.transpose(1, 2).reshape(b * t, h * d)
        return att if layout.flat is None else att.index_select(0, layout.flat)

    # -- one new token per row against a static cache -------------------------------------------
    def decode(self, tokens, positions, cache_k, cache_v, width: int, on_site=None):
        """Logits ``[B, vocab]`` for one token per row at ``positions [B]``.

        The token's keys/values are written into ``cache_k[i] / cache_v[i] [B, T, kv, d]``
        (token-major) at column ``positions[b]``; row ``b`` then attends to its columns
        ``<= positions[b]`` (:class:`~personageo.extract._decode_attention.DecodeAttention`:
        per-row key counts on CUDA, else a mask over the first ``width`` columns).
        """
        import torch
        import torch.nn.functional as F

        b, t = tokens.shape[0], cache_k.shape[2]
        kv = self.n_kv
        cos, sin = self.rope(positions)
        flat = torch.arange(b, device=tokens.device) * t + positions
        x = F.embedding(tokens, self.embed)
        if on_site is not None:
            on_site("embed", None, x)
        normed = self.rms_norm(x, self.layers[0].ln1, self.eps)
        for i, layer in enumerate(self.layers):
            qkv = F.linear(normed, layer.wqkv, layer.bqkv)
            q, k = self.rope_qk(qkv, cos, sin, self.n_heads, kv)
            cache_k[i].view(b * t, kv, -1).index_copy_(0, flat, k)
            cache_v[i].view(b * t, kv, -1).index_copy_(0, flat, split_v(qkv, self.n_heads, kv))
            att = self.decode_attention(q, cache_k[i], cache_v[i], positions, width)
            x, normed = self.add_rms_norm(x, F.linear(att, layer.wo), layer.ln2, self.eps)
            x, normed = self.add_rms_norm(x, self._mlp(layer, normed), self._next_norm(i),
                                          self.eps)
            if on_site is not None:
                on_site("block", i, x)
        if on_site is not None:
            on_site("norm", None, normed)
        return F.linear(normed, self.lm_head)

    def logits_at(self, normed, last):
        """Logits at the token-major rows ``last`` of a final-normed ``[N, D]``."""
        import torch.nn.functional as F

        return F.linear(normed[last], self.lm_head)


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
        b, t = ids.shape
        cos, sin = fused.rope(torch.arange(t, device=ids.device).repeat(b))
        errors = {("embed", None): rel(torch.nn.functional.embedding(ids, fused.embed), hs[0])}
        for i in range(fused.n_blocks):
            x = hs[i].reshape(b * t, -1)
            out, normed = fused.block(i, x, fused.rms_norm(x, fused.layers[i].ln1, fused.eps),
                                      cos, sin, Layout(b, t))
            if i + 1 < fused.n_blocks:
                errors[("block", i)] = rel(out - x, hs[i + 1].reshape(b * t, -1) - x)
            else:
                errors[("norm", None)] = rel(normed, hs[i + 1].reshape(b * t, -1))
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
    fused.decode_attention.reason  # noqa: B018 - decided now, never during a graph capture
    model._personageo_fused = fused
    return fused
