"""Attention of one new token per row against a static KV cache, reading only each row's keys.

The generation cache is token-major, ``[B, T, kv, d]`` per block: row ``b`` holds its keys at
columns ``0 .. positions[b]`` and zeros after them (rows have different prompt lengths). Two ways
to attend:

* **per-row key counts** (CUDA, bf16/fp16): FlashAttention's variable-length forward
  (``torch.ops.aten._flash_attention_forward``) with ``seqused_k = positions + 1``. Row ``b`` is
  the key range ``[b T, b T + T)`` of the flattened cache (``cum_seq_k = b T``), of which only
  its own ``positions[b] + 1`` keys are read; a padded column is never loaded, so the cost
  follows the real lengths, not the cache width. The query heads sharing a KV head are handled
  by the kernel (grouped-query attention, no K/V copies), and every step has the same shapes:
  one CUDA graph serves all widths.
* **a padding mask** (the reference, and the fallback everywhere else: CPU, float32, a PyTorch
  without the operator): scaled-dot-product attention over the first ``width`` columns with the
  query heads folded onto the KV heads and a boolean mask ``column <= position``.

The first path is private PyTorch API, so :meth:`DecodeAttention.check` compares it with the
second on random data once per device and dtype before it is used; any error or a difference
beyond bf16 rounding keeps the masked path (:attr:`DecodeAttention.reason` says why).
"""

from __future__ import annotations

_CHECKED: dict[tuple, str | None] = {}  # (device, dtype) -> None (flash ok) or why not


def masked_decode_attention(q, keys, values, positions, width: int, scale: float):
    """Reference: ``q [B, H, d]`` against ``keys/values [B, T, kv, d]``, columns ``<= pos``."""
    import torch
    import torch.nn.functional as F

    b, h, d = q.shape
    kv = keys.shape[2]
    cols = torch.arange(width, device=q.device)
    mask = (cols[None, :] <= positions[:, None])[:, None, None, :]
    att = F.scaled_dot_product_attention(
        q.view(b, kv, h // kv, d), keys[:, :width].transpose(1, 2),
        values[:, :width].transpose(1, 2), attn_mask=mask, scale=scale)
    return att.reshape(b, h * d)


class DecodeAttention:
    """Decode attention for one engine: per-row key counts where possible, else a mask."""

    def __init__(self, device, dtype, scale: float) -> None:
        self.device, self.dtype, self.scale = device, dtype, scale
        self._offsets: dict[tuple[int, int], tuple] = {}

    @property
    def reason(self) -> str | None:
        """None when the per-row path is used, else why not (checks on first use)."""
        key = (str(self.device), str(self.dtype))
        if key not in _CHECKED:
            _CHECKED[key] = self.check()
        return _CHECKED[key]

    @property
    def exact_lengths(self) -> bool:
        """True when the cost follows each row's own length (no width buckets needed)."""
        return self.reason is None

    def check(self) -> str | None:
        """Compare the per-row path with the masked reference on random data; None if equal."""
        import torch

        if self.device.type != "cuda":
            return "not a CUDA device"
        if self.dtype not in (torch.bfloat16, torch.float16):
            return f"{self.dtype} (the flash kernel takes bf16/fp16)"
        if not hasattr(torch.ops.aten, "_flash_attention_forward"):
            return "no aten._flash_attention_forward"
        try:
            g = torch.Generator(device=self.device).manual_seed(0)
            b, t, h, kv, d = 5, 96, 8, 2, 128
            q, k, v = (torch.randn(shape, generator=g, device=self.device, dtype=self.dtype)
                       for shape in ((b, h, d), (b, t, kv, d), (b, t, kv, d)))
            pos = torch.tensor([0, 17, 63, 95, 40], device=self.device)
            for r in range(b):  # columns after a row's last key must not count (zeros in
                k[r, pos[r] + 1:] = 7.0  # generation; large values here, so a read shows)
                v[r, pos[r] + 1:] = -5.0
            with torch.inference_mode():
                got = self._flash(q, k, v, pos).float()
                ref = masked_decode_attention(q.float(), k.float(), v.float(), pos, t, d ** -0.5)
            err = ((got - ref).norm(dim=-1) / ref.norm(dim=-1).clamp(min=1e-6)).max().item()
        except Exception as exc:  # private API: any failure keeps the masked path
            return f"flash decode failed: {type(exc).__name__}: {str(exc)[:200]}"
        return None if err <= 2e-2 else f"flash decode differs from the reference: {err:.1e}"

    def _flash(self, q, keys, values, positions):
        import torch

        b, t, kv, d = keys.shape
        key = (b, t)
        if key not in self._offsets:
            steps = torch.arange(b + 1, device=q.device, dtype=torch.int32)
            self._offsets = {key: (steps, steps * t)}  # one batch shape at a time
        cu_q, cu_k = self._offsets[key]
        used = (positions + 1).to(torch.int32)
        out = torch.ops.aten._flash_attention_forward(
            q, keys.view(b * t, kv, d), values.view(b * t, kv, d), cu_q, cu_k, 1, t, 0.0,
            False, False, scale=self.scale, seqused_k=used)[0]
        return out.reshape(b, -1)

    def __call__(self, q, keys, values, positions, width: int):
        """``[B, H * d]``: ``q [B, H, d]`` against the cache ``[B, T, kv, d]`` of one block."""
        if self.exact_lengths:
            return self._flash(q, keys, values, positions)
        return masked_decode_attention(q, keys, values, positions, width, self.scale)
