"""Building blocks of a training run: base weights on disk, model (+LoRA), collators, callbacks.

Launching on several GPUs or nodes
----------------------------------
``train.strategy`` (``single``, ``zero3``, ``zero2``, ``fsdp2``; see
:mod:`personageo.train.strategy`) says how a run spreads over its processes; launch the same
command on every process::

    torchrun --standalone --nproc_per_node 4 -m personageo.cli.main train config.yaml
    deepspeed --num_gpus 4 --module personageo.cli.main train config.yaml

Several nodes (torchrun rendezvous, or the DeepSpeed launcher with a hostfile), with the exact
commands: ``docs/training.md``. The effective batch is ``per_device_batch x grad_accum x
world_size``; it is recorded in the manifest with the topology.
"""

from __future__ import annotations

import atexit
import os
import shutil
import time
from pathlib import Path

from personageo.errors import PersonageoError
from personageo.files import sha256_json
from personageo.modeling import load_model_and_tokenizer


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def local_world_size() -> int:
    return int(os.environ.get("LOCAL_WORLD_SIZE", world_size()))


def node_count() -> int:
    """Nodes in the job (launchers set ``LOCAL_WORLD_SIZE``; one node otherwise)."""
    return max(1, world_size() // max(1, local_world_size()))


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _process_env() -> None:
    """Rank variables of a lone process that no launcher started (a free port, never a fixed one)."""
    if "MASTER_PORT" not in os.environ and world_size() == 1:
        os.environ["MASTER_PORT"] = str(_free_port())  # a lone process is its own master
    for key, default in (("RANK", "0"), ("LOCAL_RANK", "0"), ("WORLD_SIZE", "1"),
                         ("MASTER_ADDR", "127.0.0.1")):
        os.environ.setdefault(key, default)


def init_deepspeed_distributed(use_cpu: bool) -> None:
    """Start the process group before ``TrainingArguments`` (gloo on CPU, nccl on GPUs)."""
    _process_env()
    if use_cpu:
        os.environ.setdefault("DS_ACCELERATOR", "cpu")
    import deepspeed

    deepspeed.init_distributed(dist_backend="gloo" if use_cpu else "nccl")
    atexit.register(shutdown_distributed)


def init_torch_distributed(use_cpu: bool) -> None:
    """The process group of an FSDP2 run (gloo on CPU, nccl on GPUs), torn down at exit."""
    import torch
    import torch.distributed as dist

    _process_env()
    if not dist.is_initialized():
        if not use_cpu:
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        dist.init_process_group(backend="gloo" if use_cpu else "nccl")
    atexit.register(shutdown_distributed)


def init_distributed(strategy, use_cpu: bool) -> None:
    """The process group a strategy needs (none for ``single``)."""
    if strategy.deepspeed is not None:
        init_deepspeed_distributed(use_cpu)
    elif strategy.distributed:
        init_torch_distributed(use_cpu)


def shutdown_distributed() -> None:
    """Wait for every rank, then destroy the process group, while the interpreter is alive.

    A process that exits with its gloo process group alive leaves gloo's worker threads to be
    torn down during interpreter finalization, when the work objects they still hold can no
    longer take the GIL: the process aborts with "terminate called without an active
    exception" (SIGABRT). Whether that happens depends on thread timing, so it shows on loaded
    machines. ``init_deepspeed_distributed`` registers this at exit; the ``train`` command
    calls it as soon as the last run ends. Calling it twice, or without a process group, is a
    no-op.
    """
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()):
        return
    dist.barrier()  # no rank may still be talking to a peer that has torn down
    dist.destroy_process_group()


def materialize_base(model_spec, runs_dir: Path) -> Path:
    """A safetensors copy of the base model + tokenizer, the reference for weight deltas.

    A local checkpoint directory is used as is; GGUF and random-init models are written once
    to ``<runs>/.base/<spec hash>/`` (by rank 0; other ranks wait for it).
    """
    spec = model_spec.model_dump() if hasattr(model_spec, "model_dump") else dict(model_spec)
    name = Path(spec.get("name") or "")
    if not spec.get("gguf") and spec.get("random_init") is None and name.is_dir() \
            and any(name.glob("*.safetensors")):
        return name
    target = runs_dir / ".base" / sha256_json(spec)[:16]
    if (target / "config.json").exists():
        return target
    if rank() == 0:
        # a random-init model is built where ``init_device`` says (a large one on the GPU)
        # and saved from there
        device = (spec.get("random_init") or {}).get("init_device", "cpu")
        model, tok = load_model_and_tokenizer(spec, dtype="float32", device=device)
        tmp = target.with_name(target.name + f".tmp{os.getpid()}")
        model.save_pretrained(tmp, safe_serialization=True)
        tok.save_pretrained(tmp)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        del model
    else:
        deadline = time.time() + 3600
        while not (target / "config.json").exists():
            if time.time() > deadline:
                raise PersonageoError(f"timed out waiting for rank 0 to write {target}")
            time.sleep(2)
    return target


def load_train_model(base_dir: Path, settings, method: str, lora_spec, device: str | None = None,
                     dtype: str = "float32"):
    """The model to train, from the base directory, LoRA-wrapped.

    transformers builds the module on the meta device and reads the weights into it, so no
    random initialisation runs; ``device`` (``cuda:N``) reads them straight onto that GPU
    (not under ZeRO-3, whose ``zero.Init`` places each rank's shard itself). ``dtype`` is that
    of the weights as read (see :func:`personageo.train.strategy.load_dtype`).
    """
    import torch
    from transformers import AutoModelForCausalLM

    placement = {"device_map": {"": device}} if device else {}
    model = AutoModelForCausalLM.from_pretrained(
        str(base_dir), dtype=getattr(torch, dtype),
        attn_implementation=settings.attn_implementation, **placement)
    model.config.use_cache = False  # also required for sdpa packed-sequence masks
    if method == "lora":
        from peft import LoraConfig, get_peft_model

        if settings.gradient_checkpointing:
            model.enable_input_require_grads()
        cfg = LoraConfig(r=lora_spec.r, lora_alpha=lora_spec.alpha, lora_dropout=lora_spec.dropout,
                         target_modules=list(lora_spec.target_modules),
                         use_rslora=lora_spec.rslora, bias="none", task_type="CAUSAL_LM")
        model = get_peft_model(model, cfg)
    return model


def merge_lora_adapter(base_dir: Path, adapter_dir: Path):
    """Base weights + a saved LoRA adapter -> a plain merged model (fp32)."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(str(base_dir), dtype=torch.float32)
    return PeftModel.from_pretrained(base, str(adapter_dir)).merge_and_unload()


def counting_trainer(speed=None, **kwargs):
    """A ``transformers.Trainer`` that counts the real and supervised tokens it trained on.

    Counted in ``training_step``, so batches skipped on resume or prefetched but unused are not
    counted: ``tokens_trained`` / ``supervised_trained`` are this process's, this session's.
    With ``speed`` (a :class:`personageo.train.manifest.Speed`) every logged loss comes with
    ``step_time_s``, ``tokens_per_s`` and ``mfu`` over the steps since the previous log (in the
    log history, the progress line and the ``report_to`` integrations).
    """
    import time

    from transformers import Trainer

    class CountingTrainer(Trainer):
        tokens_trained = 0
        supervised_trained = 0
        _mark: tuple[float, int, int] | None = None  # (time, tokens, step) of the last log

        def training_step(self, model, inputs, *args, **kw):
            if self._mark is None:
                self._mark = (time.perf_counter(), self.tokens_trained, self.state.global_step)
            mask = inputs.get("attention_mask")
            self.tokens_trained += int(mask.sum() if mask is not None
                                       else inputs["input_ids"].numel())
            self.supervised_trained += int((inputs["labels"] != -100).sum())
            return super().training_step(model, inputs, *args, **kw)

        def log(self, logs, *args, **kw):
            if speed is not None and "loss" in logs and self._mark is not None:
                now = time.perf_counter()
                t0, tokens0, step0 = self._mark
                logs.update(speed.interval(now - t0, self.tokens_trained - tokens0,
                                           self.state.global_step - step0))
                self._mark = (now, self.tokens_trained, self.state.global_step)
            return super().log(logs, *args, **kw)

    return CountingTrainer(**kwargs)


def make_collator(tokenizer, settings):
    """Padded batches (pad to a multiple of 8, labels -100) or padding-free packed ones.

    Packed batches concatenate the micro-batch into one row with per-sequence ``position_ids``
    and label -100 on each sequence's first token (never supervised anyway), so the loss is the
    same token-level mean as with padding.
    """
    from transformers import DataCollatorForSeq2Seq, DataCollatorWithFlattening

    if settings.packing:
        inner = DataCollatorWithFlattening(return_position_ids=True, separator_id=-100)
    else:
        inner = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100,
                                       pad_to_multiple_of=settings.pad_to_multiple_of,
                                       return_tensors="pt")
    return inner


def step_saver(save_steps: list[int], save):
    """A Trainer callback calling ``save(step)`` right after each listed optimizer step."""
    from transformers import TrainerCallback

    wanted = set(save_steps)

    class StepSaver(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step in wanted:
                save(state.global_step)
            return control

    return StepSaver()


def progress_callback(trainer, ckid: str, progress):
    """A ``TrainerCallback`` reporting ``progress(label, step, max_steps)`` after each optimizer
    step; the label carries the last logged loss and the tokens/s of this session."""
    import time

    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        loss: float | None = None
        t0: float | None = None
        tokens0 = 0

        def on_train_begin(self, args, state, control, **kwargs):
            self.t0, self.tokens0 = time.perf_counter(), trainer.tokens_trained

        mfu: float | None = None

        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                self.loss = float(logs["loss"])
                self.mfu = logs.get("mfu", self.mfu)
                self._report(state)

        def on_step_end(self, args, state, control, **kwargs):
            if not control.should_log:  # else on_log reports this step, with its loss
                self._report(state)

        def _report(self, state):
            elapsed = time.perf_counter() - (self.t0 or time.perf_counter())
            rate = (trainer.tokens_trained - self.tokens0) / elapsed if elapsed > 0 else 0.0
            loss = f" loss {self.loss:.4f}" if self.loss is not None else ""
            mfu = f" MFU {self.mfu:.1%}" if self.mfu is not None else ""
            progress(f"train {ckid} step {state.global_step}/{state.max_steps}{loss} "
                     f"{rate:,.0f} tokens/s{mfu}", state.global_step, state.max_steps)

    return Progress()


def list_dataset(examples):
    """A torch Dataset over encoded examples (dicts of ``input_ids`` and ``labels``)."""
    from torch.utils.data import Dataset

    class _ListDataset(Dataset):
        def __len__(self):
            return len(examples)

        def __getitem__(self, i):
            e = examples[i]
            return {"input_ids": e.input_ids, "labels": e.labels,
                    "attention_mask": [1] * len(e.input_ids)}

    return _ListDataset()
