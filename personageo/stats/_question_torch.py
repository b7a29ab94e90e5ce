"""The question test's quadratic forms in torch float64 on a CUDA device (torch imported lazily).

Same algebra as :class:`personageo.stats._question_engines.QuadraticForms`; the deviations are
brought back to the host as float64 and go through the same band-and-refine rule, so ``b`` is the
float64 reference's.
"""

from __future__ import annotations

import os

import numpy as np


def cuda_available() -> bool:
    """True when torch imports and sees a CUDA device; cheap (no import) on machines without one."""
    if not (os.path.exists("/dev/nvidiactl") or os.environ.get("CUDA_VISIBLE_DEVICES")):
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


class TorchForms:
    """The quadratic and linear forms of one cell, resident on the GPU."""

    def __init__(self, data):
        import torch

        self.torch = torch
        dev = torch.device("cuda")
        p, q = data.n_personas, data.n_questions
        self.p, self.q = p, q
        delta = torch.as_tensor(data.delta, device=dev)  # [q, p*dim] float64
        flat = delta.reshape(q, p, data.dim).transpose(0, 1).reshape(p * q, data.dim)
        iu, ju = np.triu_indices(p)
        self.iu = torch.as_tensor(iu, device=dev)
        self.ju = torch.as_tensor(ju, device=dev)
        kfull = (flat @ flat.T).reshape(p, q, p, q)
        kblocks = kfull[self.iu, :, self.ju, :]  # [pair, q, r]
        both = torch.as_tensor(data.both, device=dev)
        u = (flat @ both.T).reshape(p, q, 2 * p).transpose(0, 1)
        self.n_forms = len(iu) * q
        self.weights = torch.cat([kblocks.transpose(0, 1).reshape(q, -1), u.reshape(q, -1)],
                                 dim=1).contiguous()
        self.device = dev
        self.c_norm = np.sqrt(np.concatenate([np.diag(data.gram_base), np.diag(data.gram_post)]))

    def deviations(self, swaps: np.ndarray):
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
        dev_base = xb + xb.transpose(1, 2) + h
        dev_post = h - xp - xp.transpose(1, 2)
        shift = torch.sqrt(torch.clamp(torch.diagonal(h, dim1=1, dim2=2), min=0.0))
        return tuple(t.cpu().numpy() for t in (dev_base, dev_post, shift))
