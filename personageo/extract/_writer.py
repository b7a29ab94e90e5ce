"""Stores written off the critical path: a one-pass vectors file, and stores streamed to disk.

:func:`write_store` writes the same files as :func:`personageo.activations.write_activations`
(byte-identical ``vectors.safetensors``), without building the file in memory first: the
safetensors header and the array's own buffer go straight to a temp file while a second thread
hashes them, and the centroids are computed meanwhile; ``manifest.json`` is written last.

:class:`StoreStream` writes the same files while the vectors are still being computed (the fused
engine's methods): rows are appended, hashed and synced in item order on the stream's own
thread as they become final, so that little is left to do once the device is done.
:class:`HostCopy` moves each finished row range from the device into one pinned host buffer.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from personageo.activations import ANSWERS, MANIFEST, VECTORS, ActivationManifest
from personageo.files import atomic_write_text, dump_json

_CHUNK = 64 << 20


def safetensors_header(name: str, shape: tuple[int, ...], nbytes: int) -> bytes:
    """The header (length prefix included) safetensors writes for one float32 tensor."""
    meta = json.dumps({name: {"dtype": "F32", "shape": list(shape),
                              "data_offsets": [0, nbytes]}}, separators=(",", ":")).encode()
    meta += b" " * (-len(meta) % 8)
    return struct.pack("<Q", len(meta)) + meta


def write_vectors(path: str | Path, vectors: np.ndarray) -> str:
    """Write ``vectors`` (float32) as a one-tensor safetensors file atomically; its sha256."""
    arr = np.ascontiguousarray(vectors, dtype=np.float32)
    head = safetensors_header("vectors", arr.shape, arr.nbytes)
    body = memoryview(arr).cast("B")
    digest = hashlib.sha256(head)
    hasher = threading.Thread(target=digest.update, args=(body,), daemon=True)
    hasher.start()  # hashlib releases the GIL on large buffers: hashing overlaps the write
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(head)
            for off in range(0, len(body), _CHUNK):
                fh.write(body[off:off + _CHUNK])
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        hasher.join()
        os.replace(tmp, path)
    except BaseException:
        hasher.join()
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_store(directory: str | Path, vectors: np.ndarray, manifest: ActivationManifest,
                answers: list[dict] | None = None,
                centroids: Callable[[str | Path, np.ndarray], object] | None = None,
                ) -> ActivationManifest:
    """Vectors, centroids, answers, then the manifest (with ``vectors_sha256``) last."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    want = (len(manifest.personas), len(manifest.question_ids), len(manifest.layers),
            manifest.dim)
    if tuple(vectors.shape) != want:
        raise ValueError(f"vectors shape {vectors.shape} does not match the manifest {want}")
    side = None
    if centroids is not None:
        errors: list[BaseException] = []

        def run_centroids():
            try:
                centroids(d, vectors)
            except BaseException as exc:  # re-raised below
                errors.append(exc)

        side = threading.Thread(target=run_centroids, daemon=True)
        side.start()
    try:
        sha = write_vectors(d / VECTORS, vectors)
    finally:
        if side is not None:
            side.join()
    if side is not None and errors:
        raise errors[0]
    if answers is not None:
        atomic_write_text(d / ANSWERS,
                          "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers))
    manifest = manifest.model_copy(update={"vectors_sha256": sha})
    atomic_write_text(d / MANIFEST, dump_json(manifest.model_dump(mode="json")))
    return manifest


class StoreStream:
    """A store written while its vectors are still being computed.

    ``vectors`` is the whole ``[personas, questions, layers, dim]`` float32 host array (or a
    callable returning it, run on the stream's thread), filled in item order; :meth:`advance`
    says that the items before ``upto`` are final (after ``ready()``, run on the stream's
    thread: a device copy to wait for). The stream's own thread
    appends them to a temp file, hashes them, syncs them to disk and computes the centroid of
    every persona that is complete, so that :meth:`finish` has only the last rows, the rename,
    the answers and the manifest left. Files as :func:`write_store` writes them (the vectors
    file byte-identical, the manifest last).
    """

    def __init__(self, directory: str | Path, vectors, manifest: ActivationManifest) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.dir = Path(directory)
        self.shape = (len(manifest.personas), len(manifest.question_ids), len(manifest.layers),
                      manifest.dim)
        self.manifest, self.items = manifest, self.shape[0] * self.shape[1]
        self.cent = np.empty((self.shape[0], *self.shape[2:]), dtype=np.float32)
        self.done = self.sent = 0
        self.times: dict[str, float] = {}  # seconds spent per part (store_*_s), for timings
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="personageo-stream")
        self._side = ThreadPoolExecutor(max_workers=3, thread_name_prefix="personageo-hash")
        self._jobs = [self._pool.submit(self._open, vectors)]

    def _open(self, vectors) -> None:
        """``vectors``: the host array, or a callable that returns it (run on this thread)."""
        vectors = vectors() if callable(vectors) else vectors
        if tuple(vectors.shape) != self.shape or vectors.dtype != np.float32 \
                or not vectors.flags.c_contiguous:
            raise ValueError(f"vectors {vectors.shape} {vectors.dtype} do not match the "
                             f"manifest {self.shape} (float32, contiguous)")
        self.vectors, self.flat = vectors, vectors.reshape(self.items, -1)
        self.dir.mkdir(parents=True, exist_ok=True)
        path = self.dir / VECTORS
        fd, self.tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.dir)
        self.fh = os.fdopen(fd, "wb")
        head = safetensors_header("vectors", vectors.shape, vectors.nbytes)
        self.digest = hashlib.sha256(head)
        self.fh.write(head)

    def advance(self, upto: int, ready: Callable[[], object] | None = None) -> None:
        """Items ``< upto`` are final once ``ready()`` returns."""
        if upto > self.sent:
            lo, self.sent = self.sent, upto
            self._jobs.append(self._pool.submit(self._write, lo, upto, ready))

    def _timed(self, name: str, fn, *args) -> None:
        t = time.perf_counter()
        fn(*args)
        self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - t

    def _write(self, lo: int, hi: int, ready) -> None:
        if ready is not None:
            self._timed("store_wait_copy_s", ready)
        body = memoryview(self.flat[lo:hi]).cast("B")
        hashed = self._side.submit(self._timed, "store_hash_s", self.digest.update, body)
        cents = self._side.submit(self._timed, "store_centroids_s", self._centroids, self.done,
                                  hi)
        t = time.perf_counter()
        for off in range(0, len(body), _CHUNK):
            self.fh.write(body[off:off + _CHUNK])
        self.fh.flush()
        t1 = time.perf_counter()
        getattr(os, "fdatasync", os.fsync)(self.fh.fileno())  # the final fsync has little left
        t2 = time.perf_counter()
        hashed.result()
        cents.result()
        for name, dt in (("store_write_s", t1 - t), ("store_sync_s", t2 - t1),
                         ("store_wait_side_s", time.perf_counter() - t2)):
            self.times[name] = self.times.get(name, 0.0) + dt
        self.done = hi

    def _centroids(self, lo: int, hi: int) -> None:
        q = self.vectors.shape[1]
        for p in range(lo // q, hi // q):  # personas completed by rows lo:hi
            self.cent[p] = self.vectors[p].mean(axis=0, dtype=np.float64)

    def finish(self, answers=None, centroids: bool = True,
               after: Callable[[], object] | None = None):
        """A future of the written manifest (with ``vectors_sha256``); every item must be final.

        ``answers``: the answer records, or a callable that returns them (run beside the
        writes); ``after()`` runs on the stream's thread once the manifest is written.
        """
        if self.sent != self.items:
            raise ValueError(f"only {self.sent} of {self.items} items were advanced")
        if callable(answers):
            answers = self._side.submit(answers)
        return self._pool.submit(self._finish, answers, centroids, after)

    def _finish(self, answers, centroids, after) -> ActivationManifest:
        from safetensors.numpy import save

        from personageo.extract._store import CENTROIDS
        from personageo.files import atomic_write_bytes

        self._side.shutdown()
        try:
            if hasattr(answers, "result"):
                self._timed("store_wait_answers_s", answers.result)
                answers = answers.result()
            for job in self._jobs:
                job.result()  # re-raise an error of an earlier write
            t0 = time.perf_counter()
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            os.chmod(self.tmp, 0o666 & ~_umask())
            os.replace(self.tmp, self.dir / VECTORS)
        except BaseException:
            self._drop()
            raise
        finally:
            self._jobs = []
        t1 = time.perf_counter()
        self.times["store_final_sync_s"] = t1 - t0
        if centroids:
            atomic_write_bytes(self.dir / CENTROIDS, save({"centroids": self.cent}))
        if answers is not None:
            atomic_write_text(self.dir / ANSWERS,
                              "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers))
        manifest = self.manifest.model_copy(update={"vectors_sha256": self.digest.hexdigest()})
        atomic_write_text(self.dir / MANIFEST, dump_json(manifest.model_dump(mode="json")))
        self.times["store_small_files_s"] = time.perf_counter() - t1
        if after is not None:
            after()
        self._pool.shutdown(wait=False)
        return manifest

    def _drop(self) -> None:
        self._side.shutdown()
        fh = getattr(self, "fh", None)
        if fh is not None:
            fh.close()
            Path(self.tmp).unlink(missing_ok=True)
        self._pool.shutdown(wait=False)

    def abort(self) -> None:
        """Finish the queued writes, then remove the temp file (an interrupted extraction)."""
        self._pool.submit(self._drop)
        self._pool.shutdown(wait=True)


def reserve_pinned(shape: tuple, count: int) -> None:
    """Have ``count`` pinned float32 blocks of ``shape`` in PyTorch's host-allocator cache.

    Pinning a gigabyte takes most of a second and holds the CUDA driver meanwhile; call this
    while the device is busy with queued work (generation does, between its decode steps), so
    that the stores' :class:`HostCopy` buffers come from the cache.
    """
    import torch

    blocks = [torch.empty(shape, dtype=torch.float32, pin_memory=True) for _ in range(count)]
    del blocks


class HostCopy:
    """The host side of a device buffer ``out``: pinned memory filled row range by row range.

    On CUDA the pinned buffer is allocated on the store's thread (a fresh 1 GB pinned block
    takes most of a second; PyTorch's host allocator caches it for the next store), and each
    range is copied on a side stream after the batches that computed it. On the CPU the host
    side is ``out`` itself.
    """

    def __init__(self, out, shape) -> None:
        self.out, self.shape, self.seconds = out, shape, 0.0
        self.cuda = out.device.type == "cuda"
        self._host = self.side = None

    def host(self):
        """The host array ``[personas, questions, layers, dim]`` (called on the store's thread)."""
        import torch

        if not self.cuda:
            return self.out.numpy().reshape(self.shape)
        t = time.perf_counter()
        self._host = torch.empty(self.out.shape, dtype=self.out.dtype, pin_memory=True)
        self.side = torch.cuda.Stream(self.out.device)
        self.seconds += time.perf_counter() - t
        return self._host.numpy().reshape(self.shape)

    def after_queued(self, lo: int, hi: int):
        """A callable that copies rows ``lo:hi`` once the work queued so far has run."""
        if not self.cuda:
            return None
        import torch

        event = torch.cuda.Event()
        event.record()

        def copy() -> None:
            t = time.perf_counter()
            with torch.cuda.stream(self.side):
                self.side.wait_event(event)
                self._host[lo:hi].copy_(self.out[lo:hi], non_blocking=True)
            self.side.synchronize()
            self.seconds += time.perf_counter() - t
        return copy
