"""Decode attention against a static token-major cache: each row sees exactly its own keys."""

from __future__ import annotations

import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")


def _brute(q, keys, values, positions, scale):
    """Row by row, head by head: softmax over the row's columns ``0 .. pos`` (numpy float64)."""
    q, keys, values = (t.double().numpy() for t in (q, keys, values))
    b, h, d = q.shape
    rep = h // keys.shape[2]
    out = np.zeros((b, h, d))
    for r in range(b):
        n = int(positions[r]) + 1
        for head in range(h):
            k, v = keys[r, :n, head // rep], values[r, :n, head // rep]
            s = k @ q[r, head] * scale
            w = np.exp(s - s.max())
            out[r, head] = (w / w.sum()) @ v
    return out.reshape(b, h * d)


def _case(device="cpu", dtype=None, b=6, t=40, h=6, kv=2, d=16, seed=0):
    g = torch.Generator(device=device).manual_seed(seed)
    dtype = dtype or torch.float32
    q, k, v = (torch.randn(s, generator=g, device=device, dtype=dtype)
               for s in ((b, h, d), (b, t, kv, d), (b, t, kv, d)))
    pos = torch.tensor([0, 3, 17, 39, 25, 9][:b], device=device)
    for r in range(b):  # generation leaves zeros after a row's last key; make them loud instead
        k[r, int(pos[r]) + 1:] = 7.0
        v[r, int(pos[r]) + 1:] = -5.0
    return q, k, v, pos


@pytest.mark.parametrize("width", [40, 32])
def test_masked_path_reads_only_each_rows_keys(width):
    from personageo.extract._decode_attention import DecodeAttention, masked_decode_attention

    q, k, v, pos = _case()
    pos = pos.clamp(max=width - 1)
    got = masked_decode_attention(q, k, v, pos, width, 0.25).numpy()
    np.testing.assert_allclose(got, _brute(q, k, v, pos, 0.25), rtol=1e-5, atol=1e-5)
    attn = DecodeAttention(torch.device("cpu"), torch.float32, 0.25, 6, 2, 16)
    assert attn.reason == "not a CUDA device" and not attn.exact_lengths
    np.testing.assert_allclose(attn(q, k, v, pos, width).numpy(), got)


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("PERSONAGEO_GPU_TESTS") != "1",
                    reason="set PERSONAGEO_GPU_TESTS=1")
@pytest.mark.parametrize("dtype", ["bfloat16", "float32"])
def test_cuda_path_reads_only_each_rows_keys(dtype):
    from personageo.extract._decode_attention import DecodeAttention

    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    dev, dt = torch.device("cuda"), getattr(torch, dtype)
    attn = DecodeAttention(dev, dt, 128 ** -0.5, 28, 4, 128)
    assert attn.exact_lengths == (dtype == "bfloat16"), attn.reason  # the Triton kernel
    q, k, v, pos = _case("cuda", dt, h=28, kv=4, d=128, t=96)
    got = attn(q, k, v, pos, 96).float().cpu().numpy()
    want = _brute(q.cpu(), k.cpu(), v.cpu(), pos.cpu(), 128 ** -0.5)
    err = np.linalg.norm(got - want, axis=-1) / np.linalg.norm(want, axis=-1)
    assert err.max() <= (2e-2 if dtype == "bfloat16" else 1e-4), err.max()
