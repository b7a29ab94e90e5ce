"""The fused engine's element-wise work, in plain PyTorch, and its ``torch.compile`` wrapper.

Every function takes token-major tensors (``[tokens, features]``); on CUDA the engine compiles
each of them once (:class:`MaybeCompiled`), the plain functions are the reference and the
fallback.
"""

from __future__ import annotations

import warnings

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
    """Rotated q ``[N, H, d]`` and k ``[N, kv, d]`` from ``qkv [N, (H + 2 kv) d]`` (N tokens).

    Token-major like the projection's output, so reading and writing are both contiguous (the
    attention takes transposed views; v is a view of ``qkv``, see :func:`split_v`). ``cos`` and
    ``sin`` are ``[N, d]``: one row per token, so a packed batch, a padded batch and a decode
    step all use the same two-dimensional kernel.
    """
    n, width = qkv.shape
    d = width // (n_heads + 2 * n_kv)
    q = qkv[:, :n_heads * d].view(n, n_heads, d)
    k = qkv[:, n_heads * d:(n_heads + n_kv) * d].view(n, n_kv, d)
    cos, sin = cos[:, None], sin[:, None]
    q = q * cos + _rotate_half(q) * sin
    k = k * cos + _rotate_half(k) * sin
    return q.contiguous(), k.contiguous()


def split_v(qkv, n_heads: int, n_kv: int):
    """v ``[N, kv, d]``: a view of ``qkv [N, width]`` (no copy)."""
    n, width = qkv.shape
    d = width // (n_heads + 2 * n_kv)
    return qkv[:, (n_heads + n_kv) * d:].view(n, n_kv, d)


def sdpa_backends():
    """Flash/efficient/math only: cuDNN attention would build a plan for every new shape."""
    from torch.nn.attention import SDPBackend, sdpa_kernel

    return sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION,
                        SDPBackend.MATH])


class MaybeCompiled:
    """``torch.compile(fn)`` on first use, falling back to ``fn`` (with a warning) if it fails.

    Every call site passes token-major two-dimensional tensors (``[tokens, features]``), and the
    first call marks their token axis dynamic: one compilation (during the engine's warm-up
    probe) then serves every batch, sequence width and decode step, while the feature sizes stay
    constants in the kernels (``dynamic=True`` made the SiLU·up and rotary kernels run 3-25x under
    the memory bound on an H200, bench/RESULTS.md).
    """

    def __init__(self, fn, enabled: bool) -> None:
        self.fn, self.enabled, self.compiled = fn, enabled, None

    def __call__(self, *args):
        if self.enabled:
            try:
                import torch

                if self.compiled is None:
                    self.compiled = torch.compile(self.fn, fullgraph=True)
                    mark = getattr(torch._dynamo, "maybe_mark_dynamic", None)
                    for a in args:
                        if mark is not None and isinstance(a, torch.Tensor) and a.ndim >= 2 \
                                and a.shape[0] > 1:
                            mark(a, 0)
                return self.compiled(*args)
            except Exception as exc:  # pragma: no cover - depends on the compiler stack
                warnings.warn(f"torch.compile of {self.fn.__name__} failed, running it "
                              f"uncompiled: {type(exc).__name__}: {str(exc)[:200]}",
                              stacklevel=2)
                self.enabled = False
        return self.fn(*args)
