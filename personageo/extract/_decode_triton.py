"""The decode attention kernel (Triton): one program per (row, KV head), only the row's keys.

A decode step has one query token per row; the ``rep = H / kv`` query heads that share a KV head
are one small ``[rep, d]`` block (padded to 16 rows for the tensor cores), so a program reads its
row's keys and values once, ``BLOCK_N`` columns at a time, up to the row's own key count
(``lens[b]``), with the online softmax of flash attention (float32 statistics and accumulator).
Library kernels process 64 or 128 query rows per program, nearly all of them padding here; this
one's work follows the bytes of the cache that are actually read. Imported only on CUDA
(:mod:`personageo.extract._decode_attention` checks it against the masked reference first).
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _decode_kernel(q_ptr, k_ptr, v_ptr, o_ptr, lens_ptr, scale,
                   stride_qb, stride_qh, stride_kb, stride_kt, stride_kh,
                   stride_ob, stride_oh,
                   REP: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
                   D: tl.constexpr):
    b = tl.program_id(0)
    g = tl.program_id(1)
    n = tl.load(lens_ptr + b)
    rows = tl.arange(0, BLOCK_M)
    cols = tl.arange(0, D)
    heads = g * REP + rows
    live = rows < REP
    q = tl.load(q_ptr + b * stride_qb + heads[:, None] * stride_qh + cols[None, :],
                mask=live[:, None], other=0.0)
    m_i = tl.full([BLOCK_M], float("-inf"), tl.float32)
    l_i = tl.zeros([BLOCK_M], tl.float32)
    acc = tl.zeros([BLOCK_M, D], tl.float32)
    base = b * stride_kb + g * stride_kh
    for start in range(0, n, BLOCK_N):
        keys = start + tl.arange(0, BLOCK_N)
        ok = keys < n
        offs = base + keys[:, None] * stride_kt + cols[None, :]
        k = tl.load(k_ptr + offs, mask=ok[:, None], other=0.0)
        s = tl.dot(q, tl.trans(k)) * scale
        s = tl.where(ok[None, :], s, float("-inf"))
        m_new = tl.maximum(m_i, tl.max(s, 1))
        p = tl.exp(s - m_new[:, None])
        alpha = tl.exp(m_i - m_new)
        l_i = l_i * alpha + tl.sum(p, 1)
        v = tl.load(v_ptr + offs, mask=ok[:, None], other=0.0)
        acc = acc * alpha[:, None] + tl.dot(p.to(v.dtype), v)
        m_i = m_new
    acc = acc / l_i[:, None]
    tl.store(o_ptr + b * stride_ob + heads[:, None] * stride_oh + cols[None, :],
             acc.to(o_ptr.dtype.element_ty), mask=live[:, None])


def decode_attention(q, keys, values, lens, scale: float, out=None):
    """``[B, H, d]``: ``q [B, H, d]`` against ``keys/values [B, T, kv, d]``, row ``b`` reading
    its first ``lens[b]`` (>= 1) columns."""
    import torch

    b, h, d = q.shape
    kv = keys.shape[2]
    rep = h // kv
    out = torch.empty_like(q) if out is None else out
    _decode_kernel[(b, kv)](
        q, keys, values, out, lens, scale,
        q.stride(0), q.stride(1), keys.stride(0), keys.stride(1), keys.stride(2),
        out.stride(0), out.stride(1),
        REP=rep, BLOCK_M=max(16, triton.next_power_of_2(rep)), BLOCK_N=64, D=d,
        num_warps=4, num_stages=2)
    return out


def supported(head_dim: int, n_heads: int, n_kv: int) -> str | None:
    """None when the kernel takes these shapes, else why not."""
    if head_dim < 16 or head_dim & (head_dim - 1):
        return f"head dim {head_dim} (the kernel takes powers of two >= 16)"
    if n_heads % n_kv or n_heads // n_kv > 64:
        return f"{n_heads} query heads over {n_kv} KV heads"
    return None
