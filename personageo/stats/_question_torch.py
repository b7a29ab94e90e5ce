"""The question test's quadratic forms in torch float64 on a CUDA device (torch imported lazily).

Same algebra and error band as ``personageo.stats._question_engines`` (float32 on the CPU), all
on the GPU: the per-question vectors go up once per cell, only the null statistics and their
bands come back, and the patterns inside their band go to the float64 reference on the host,
so ``b`` is the reference's.
"""

from __future__ import annotations

import os

import numpy as np

from personageo.stats._question_engines import KAPPA

GPU_CHUNK_FACTOR = 64
"""A chunk of patterns may use this many times more memory on the GPU than on the host."""


def cuda_available() -> bool:
    """True when torch imports and sees a CUDA device; cheap (no import) on machines without one."""
    if not (os.path.exists("/dev/nvidiactl") or os.environ.get("CUDA_VISIBLE_DEVICES")):
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def warm_up(device: str = "cuda") -> None:
    """Create the device's context and its BLAS handle now (seconds, once per process), so that
    a timed stage does not pay for it."""
    import torch

    x = torch.ones((8, 8), device=device)
    (x @ x).sum().item()


class TorchForms:
    """One cell's quadratic and linear forms, resident on the GPU."""

    def __init__(self, base: np.ndarray, post: np.ndarray, device: str = "cuda"):
        import torch

        self.torch = torch
        dev = self.device = torch.device(device)
        p, q, dim = base.shape
        self.p, self.q = p, q
        b = torch.as_tensor(np.ascontiguousarray(base)).to(dev).double()
        d = torch.as_tensor(np.ascontiguousarray(post)).to(dev).double()
        c_base, c_post = b.mean(dim=1), d.mean(dim=1)
        flat = ((d - b) / q).reshape(p * q, dim)
        iu, ju = np.triu_indices(p)
        self.iu, self.ju = torch.as_tensor(iu, device=dev), torch.as_tensor(ju, device=dev)
        kblocks = (flat @ flat.T).reshape(p, q, p, q)[self.iu, :, self.ju, :]  # [pair, q, r]
        both = torch.cat([c_base, c_post])
        u = (flat @ both.T).reshape(p, q, 2 * p).transpose(0, 1)
        self.n_forms = len(iu) * q
        self.weights = torch.cat([kblocks.transpose(0, 1).reshape(q, -1), u.reshape(q, -1)],
                                 dim=1).contiguous()
        self.shape = tuple(self.weights.shape)
        self.gram_base, self.gram_post = c_base @ c_base.T, c_post @ c_post.T
        self.c_norm = (torch.sqrt(torch.diagonal(self.gram_base)),
                       torch.sqrt(torch.diagonal(self.gram_post)))
        rows, cols = np.triu_indices(p, k=1)
        self.rows, self.cols = torch.as_tensor(rows, device=dev), torch.as_tensor(cols, device=dev)
        self.centroids = (c_base.cpu().numpy(), c_post.cpu().numpy())
        # patterns per chunk: the GPU holds GPU_CHUNK_FACTOR times the host's 32 MiB working
        # set (a 10,000-pattern test at 12 x 240 runs in two chunks, not twenty)
        self.row_bytes = max(1, 8 * self.shape[1] // GPU_CHUNK_FACTOR)

    def null_and_band(self, swaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Null statistics and error bands (float64, on the host) of a chunk of patterns."""
        torch, p = self.torch, self.p
        s = torch.as_tensor(swaps, device=self.device, dtype=torch.float64)
        m = s.shape[0]
        r = s @ self.weights
        h_pairs = torch.einsum("mkq,mq->mk", r[:, : self.n_forms].reshape(m, -1, self.q), s)
        h = torch.zeros((m, p, p), dtype=r.dtype, device=self.device)
        h[:, self.iu, self.ju] = h_pairs
        h[:, self.ju, self.iu] = h_pairs
        lin = r[:, self.n_forms:].reshape(m, p, 2 * p)
        xb, xp = lin[:, :, :p], lin[:, :, p:]
        shift = torch.sqrt(torch.clamp(torch.diagonal(h, dim1=1, dim2=2), min=0.0))
        band = torch.zeros(m, dtype=r.dtype, device=self.device)
        m1 = []
        sides = ((self.gram_base + xb + xb.transpose(1, 2) + h, self.c_norm[0]),
                 (self.gram_post + h - xp - xp.transpose(1, 2), self.c_norm[1]))
        for gram, c_norm in sides:
            norm = torch.sqrt(torch.diagonal(gram, dim1=1, dim2=2))
            rho, beta = shift / norm, (c_norm + shift) / norm
            rs, cs = self.rows, self.cols
            band += ((rho[:, rs] + rho[:, cs]) * (beta[:, rs] + beta[:, cs])).mean(dim=1)
            cos = gram[:, rs, cs] / (norm[:, rs] * norm[:, cs])
            m1.append(torch.clamp(cos, -1.0, 1.0).mean(dim=1))
        band *= KAPPA * float(torch.finfo(torch.float64).eps)
        band = torch.where(torch.isfinite(band), band, torch.full_like(band, float("inf")))
        return (m1[1] - m1[0]).cpu().numpy(), band.cpu().numpy()
