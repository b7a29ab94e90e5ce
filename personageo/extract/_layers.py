"""Activation sites: which module's output a configured layer number means, and hooks on them.

The layer convention is parsed here and nowhere else.

``block_output_0idx``
    Layer ``L`` is the residual stream at the output of decoder block ``L`` (0-indexed), read by
    a forward hook on the block. For ``L < n_blocks - 1`` this equals Hugging Face
    ``hidden_states[L + 1]``; for the final block the hook sees the stream *before* the final
    norm, while ``hidden_states[-1]`` is after it.
``hf_hidden_states``
    Layer ``H`` is Hugging Face's ``hidden_states[H]``: ``0`` = the embedding output,
    ``1 .. n_blocks - 1`` = the output of block ``H - 1``, ``n_blocks`` = the final norm's output.

torch is imported lazily (only the hook machinery needs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from personageo.errors import InputError

LAYER_CONVENTIONS = ("block_output_0idx", "hf_hidden_states")
SiteKind = Literal["embed", "block", "norm"]


@dataclass(frozen=True)
class Site:
    """One capture point: ``layer`` as configured, the module kind and its block index."""

    layer: int
    kind: SiteKind
    block: int | None = None

    @property
    def depth(self) -> int:
        """Order of execution in the forward pass (embed -1, blocks 0.., norm n)."""
        return {"embed": -1, "norm": 10**9}.get(self.kind, self.block or 0)


def resolve_sites(layers: list[int], convention: str, n_blocks: int) -> list[Site]:
    """Map configured layer numbers to :class:`Site` objects under ``convention``.

    Raises
    ------
    InputError
        Unknown convention, or a layer outside the model's range (the message gives the range).
    """
    if convention not in LAYER_CONVENTIONS:
        raise InputError(f"unknown layer convention {convention!r}",
                         hint=f"one of {', '.join(LAYER_CONVENTIONS)}")
    sites = []
    for layer in layers:
        if convention == "block_output_0idx":
            if not 0 <= layer < n_blocks:
                raise InputError(f"layer {layer} is outside 0..{n_blocks - 1} "
                                 f"(block_output_0idx, {n_blocks} decoder blocks)")
            sites.append(Site(layer, "block", layer))
        else:
            if not 0 <= layer <= n_blocks:
                raise InputError(f"layer {layer} is outside 0..{n_blocks} "
                                 f"(hf_hidden_states, {n_blocks} decoder blocks)")
            if layer == 0:
                sites.append(Site(layer, "embed"))
            elif layer == n_blocks:
                sites.append(Site(layer, "norm"))
            else:
                sites.append(Site(layer, "block", layer - 1))
    return sites


def decoder_of(model):
    """The decoder stack (``embed_tokens``, ``layers``, ``norm``) of a causal LM or of itself."""
    for cand in (model, getattr(model, "model", None)):
        if cand is not None and hasattr(cand, "layers") and hasattr(cand, "embed_tokens"):
            return cand
    getter = getattr(model, "get_decoder", None)
    if getter is not None:
        return getter()
    raise TypeError(f"cannot find the decoder blocks of {type(model).__name__}")


class _StopForward(Exception):
    """Raised by the deepest hook once every site is captured (skips the remaining blocks)."""


class LayerCapture:
    """Forward hooks on the sites that pool each site's output for the current batch.

    Use as a context manager; :meth:`run` performs one forward pass of the decoder (no LM head)
    and returns ``[batch, len(sites), dim]`` float32 pooled vectors.

    Parameters
    ----------
    decoder : torch.nn.Module
        From :func:`decoder_of`.
    sites : list of Site
    early_exit : bool
        Stop the forward pass after the deepest site (blocks past it are never run).
    """

    def __init__(self, decoder, sites: list[Site], early_exit: bool = True) -> None:
        self.decoder = decoder
        self.sites = sites
        self.early_exit = early_exit
        self._handles: list = []
        self._out: list = []
        self._pool = None
        self._deepest = max(range(len(sites)), key=lambda i: sites[i].depth)

    def _module(self, site: Site):
        if site.kind == "embed":
            return self.decoder.embed_tokens
        if site.kind == "norm":
            return self.decoder.norm
        return self.decoder.layers[site.block]

    def __enter__(self) -> LayerCapture:
        by_module: dict[int, list[int]] = {}
        for i, site in enumerate(self.sites):
            by_module.setdefault(id(self._module(site)), []).append(i)
        for i, site in enumerate(self.sites):
            if by_module[id(self._module(site))][0] != i:
                continue  # one hook per module serves every site on it
            idxs = by_module[id(self._module(site))]
            self._handles.append(self._module(site).register_forward_hook(self._hook(idxs)))
        return self

    def __exit__(self, *exc) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()

    def _hook(self, idxs: list[int]):
        def hook(module, args, output):
            hidden = output[0] if isinstance(output, tuple) else output
            pooled = self._pool(hidden)
            for i in idxs:
                self._out[i] = pooled
            if self.early_exit and self._deepest in idxs:
                raise _StopForward
        return hook

    def run(self, input_ids, attention_mask, position_ids, start, end):
        """Forward one left-padded batch; pool positions ``[start[b], end[b])`` of each row.

        ``start``/``end`` are LongTensors of padded-sequence positions. A one-token range is
        gathered exactly; longer ranges are averaged in float32.
        """
        import torch

        self._pool = span_pooler(start, end, bool(torch.all(end - start == 1)))
        self._out = [None] * len(self.sites)
        try:
            self.decoder(input_ids=input_ids, attention_mask=attention_mask,
                         position_ids=position_ids, use_cache=False)
        except _StopForward:
            pass
        finally:
            self._pool = None
        if any(o is None for o in self._out):
            raise RuntimeError("a layer hook did not fire during the forward pass")
        return torch.stack(self._out, dim=1)


def span_pooler(start, end, single: bool):
    """``hidden (batch, seq, d) -> (batch, d)`` float32: the vector at ``start`` of each row when
    every span is one token (``single``), else the mean over ``[start, end)``."""
    import torch

    rows = torch.arange(start.shape[0], device=start.device)

    def pool(hidden):
        if single:
            return hidden[rows, start].float()
        t = torch.arange(hidden.shape[1], device=hidden.device)
        mask = ((t[None, :] >= start[:, None]) & (t[None, :] < end[:, None])).float()
        summed = torch.einsum("bt,btd->bd", mask, hidden.float())
        return summed / (end - start).clamp(min=1)[:, None].float()

    return pool
