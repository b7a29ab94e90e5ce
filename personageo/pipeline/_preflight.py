"""Pre-flight: every input of ``personageo run`` checked before any stage starts.

Files exist and parse (personas, questions, SFT data), subsets name what exists, layers fit
the model (its config read without weights: :mod:`personageo.pipeline._model_facts`), the chat
template renders a generation prompt that the assistant's turn continues (what extraction and
loss masking rely on), SFT rows carry text to supervise, duplicates are reported, and the disk
holds the checkpoints. Each problem is one :class:`Problem` located at the config's YAML line
and column of the key it concerns.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from personageo.config._load import yaml_positions
from personageo.errors import InputError, PersonageoError

_MARK = "\ue000personageo-answer\ue001"
GiB = 1024 ** 3


@dataclass(frozen=True)
class Problem:
    where: str
    message: str
    error: bool = True

    def __str__(self) -> str:
        return f"{self.where}: {'error' if self.error else 'warning'}: {self.message}"


class _Checker:
    def __init__(self, cfg, config_path: str | Path, root: Path, overrides=()) -> None:
        from personageo.config._load import parse_override

        self.cfg, self.root, self.config_path = cfg, Path(root), str(config_path)
        self.given = {parse_override(item)[0]: item for item in overrides}
        try:
            text = Path(config_path).read_text(encoding="utf-8")
        except OSError:
            text = ""
        self.pos = yaml_positions(text)
        self.problems: list[Problem] = []

    def tokenizer(self):
        """The model's tokenizer, loaded once (None, with a problem, when it cannot be)."""
        if not hasattr(self, "_tokenizer"):
            from personageo.modeling import load_tokenizer

            try:
                self._tokenizer = load_tokenizer(self.cfg.model)
            except PersonageoError as err:
                self._tokenizer = None
                self.input_error(("model",), err)
            except Exception as exc:  # noqa: BLE001 - any loader failure is this one problem
                self._tokenizer = None
                self.add(("model",), f"cannot load the model's tokenizer ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:200]})")
        return self._tokenizer

    def at(self, *path) -> str:
        for key, item in self.given.items():
            if path[:len(key)] == key:
                return f"--set {item}"
        for n in range(len(path), 0, -1):
            if path[:n] in self.pos:
                line, col = self.pos[path[:n]][1]
                return f"{self.config_path}:{line}:{col}"
        return self.config_path

    def add(self, path: tuple, message: str, error: bool = True) -> None:
        problem = Problem(self.at(*path), message, error)
        if problem not in self.problems:  # the model's facts and its tokenizer fail alike
            self.problems.append(problem)

    def input_error(self, path: tuple, err: PersonageoError) -> None:
        text = f"{err.location}: {err.message}" if err.location else err.message
        if err.details:
            text += " (" + "; ".join(err.details) + ")"
        if err.hint:
            text += f"; hint: {err.hint}"
        self.add(path, text)


def _files(c: _Checker):
    from personageo.inputs import (
        load_personas,
        load_questions,
        select_personas,
        select_questions,
    )

    personas = questions = None
    try:
        personas = load_personas(c.root / c.cfg.personas)
        personas = select_personas(personas, c.cfg.subset.personas, str(c.root / c.cfg.personas))
    except InputError as err:
        c.input_error(("subset", "personas") if personas else ("personas",), err)
    try:
        questions = load_questions(c.root / c.cfg.questions)
        questions = select_questions(questions, c.cfg.subset.questions)
    except InputError as err:
        c.input_error(("subset", "questions") if questions else ("questions",), err)
    if personas:
        same = [names for names in _groups(personas).values() if len(names) > 1]
        for names in same:
            c.add(("personas",), f"personas {', '.join(names)} have the same system prompt",
                  error=False)
        if len(personas) < 2:
            c.add(("personas",), "at least 2 personas are needed for persona geometry")
    if c.cfg.baseline is not None:
        from personageo.schema import load_run_result

        try:
            load_run_result(c.root / c.cfg.baseline.results)
        except PersonageoError as err:
            c.input_error(("baseline", "results"), err)
    if questions:
        for ids in questions.duplicates():
            c.add(("questions",), f"questions {', '.join(map(str, ids))} have identical text",
                  error=False)


def _groups(personas: dict[str, str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, prompt in personas.items():
        out.setdefault(prompt.strip(), []).append(name)
    return out


def _sft_data(c: _Checker):
    from personageo.train.data import load_chat_data

    seen: dict = {}
    for i, cond in enumerate(c.cfg.conditions):
        key = (cond.data.path, cond.data.hf_dataset, cond.data.first_n)
        where = ("conditions", i, "data")
        if key in seen:
            continue
        seen[key] = True
        if cond.data.hf_dataset:
            if importlib.util.find_spec("datasets") is None:
                c.add((*where, "hf_dataset"), "hf_dataset needs the 'datasets' package: "
                      "pip install 'personageo[data]'")
            continue  # not downloaded before training
        try:
            data = load_chat_data(cond.data, c.root)
        except PersonageoError as err:
            c.input_error((*where, "path"), err)
            continue
        empty = [src for row, src in zip(data.rows, data.sources, strict=True)
                 if not any(m["role"] == "assistant" and m["content"].strip() for m in row)]
        if empty:
            c.add((*where, "path"), f"{len(empty)} of {len(data.rows)} row(s) have no assistant "
                  f"text to supervise (first: {empty[0]})", error=len(empty) == len(data.rows))
        counts = Counter(json.dumps(r, sort_keys=True) for r in data.rows)
        dup = sum(n - 1 for n in counts.values() if n > 1)
        if dup:
            c.add((*where, "path"), f"{dup} duplicate row(s) in {cond.data.path}", error=False)
        if len(empty) < len(data.rows):
            _supervised_tokens(c, i, cond, data)


def _supervised_tokens(c: _Checker, i: int, cond, data) -> None:
    """Encode the rows as training will (chat template, loss mask, truncation) and report rows
    left with no supervised token."""
    from personageo.train.masking import ChatRenderer, encode_dataset
    from personageo.train.runner import effective_settings

    where = ("conditions", i, "data", "path")
    tokenizer = c.tokenizer()
    if tokenizer is None:
        return
    try:
        settings = effective_settings(c.cfg, cond.id)
        renderer = ChatRenderer(tokenizer, settings.system_prompt,
                                settings.template_default_system)
        enc = encode_dataset(renderer, data.rows, data.sources, settings.loss_mask,
                             settings.max_length)
    except PersonageoError as err:
        c.input_error(where, err)
        return
    lost = len(enc.zero_supervised)
    if lost:
        c.add(where, f"{lost} of {len(data.rows)} row(s) keep no supervised token after "
              f"truncation to train.max_length={settings.max_length} (first: "
              f"{enc.zero_supervised[0]})", error=lost == len(data.rows))


#: report_to name -> modules that provide it (any one)
_INTEGRATIONS = {"wandb": ("wandb",), "tensorboard": ("tensorboard", "tensorboardX"),
                 "mlflow": ("mlflow",), "comet_ml": ("comet_ml",), "clearml": ("clearml",),
                 "neptune": ("neptune",), "dvclive": ("dvclive",), "trackio": ("trackio",)}


def _report_to(c: _Checker):
    given = [(("train", "report_to"), c.cfg.train.report_to)]
    given += [(("conditions", k, "training", "overrides", "report_to"), o.report_to or [])
              for k, o in enumerate(cond.training.overrides for cond in c.cfg.conditions)
              if "report_to" in o.model_fields_set]
    for path, names in given:
        for i, name in enumerate(names):
            modules = _INTEGRATIONS.get(name)
            if modules is None:
                c.add((*path, i), f"unknown report_to integration {name!r} (known: "
                      f"{', '.join(sorted(_INTEGRATIONS))})")
            elif not any(importlib.util.find_spec(m) for m in modules):
                c.add((*path, i), f"report_to {name!r} needs the {modules[0]!r} "
                      f"package: pip install {modules[0]}")


def _model(c: _Checker):
    from personageo.pipeline._model_facts import model_facts

    try:
        facts = model_facts(c.cfg.model)
    except PersonageoError as err:
        c.input_error(("model",), err)
        return None
    if facts.n_layers is None:
        c.add(("model",), f"cannot tell the number of layers from {facts.source}")
    else:
        top = facts.n_layers - 1 if c.cfg.layer_convention == "block_output_0idx" \
            else facts.n_layers
        for i, layer in enumerate(c.cfg.layers):
            if not 0 <= layer <= top:
                c.add(("layers", i), f"layer {layer} does not exist: the model has "
                      f"{facts.n_layers} blocks, so {c.cfg.layer_convention} layers are 0..{top}")
    _chat_template(c, facts.chat_template)
    return facts


def render_template(template: str, messages: list[dict], generation_prompt: bool) -> str:
    """Render a chat template the way transformers does (sandboxed Jinja, trimmed blocks)."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise ValueError(message)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, **kw: json.dumps(x, ensure_ascii=False)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages,
                                            add_generation_prompt=generation_prompt,
                                            bos_token="", eos_token="")


def _chat_template(c: _Checker, template: str | None) -> None:
    if not template:
        c.add(("model",), "the model has no chat template (persona prompts and the assistant "
                          "turn cannot be rendered): use an instruct/chat model")
        return
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}]
    try:
        prompt = render_template(template, msgs, True)
        plain = render_template(template, msgs, False)
        full = render_template(template, [*msgs, {"role": "assistant", "content": _MARK}], False)
    except Exception as exc:  # noqa: BLE001 - any template failure is this one problem
        c.add(("model",), f"the chat template does not render: {exc}")
        return
    if prompt == plain:
        c.add(("model",), "the chat template writes no assistant marker for a generation "
                          "prompt (add_generation_prompt changes nothing)")
    elif not full.startswith(prompt) or _MARK not in full[len(prompt):]:
        c.add(("model",), "the chat template's assistant turn does not continue its generation "
                          "prompt: activations at the assistant marker and loss masking would "
                          "be misplaced")
    elif not full[full.index(_MARK) + len(_MARK):].strip():
        c.add(("model",), "the chat template writes nothing after an assistant message (no "
                          "end-of-turn marker to train on)")


def _disk(c: _Checker, facts) -> None:
    if facts is None or not facts.n_params:
        return
    cfg = c.cfg
    per_full = facts.n_params * 4  # checkpoints are saved as float32 safetensors
    need = 0
    for cond in cfg.conditions:
        settings = cfg.train_settings(cond.id)
        n = len(cond.training.seeds) * (1 + len(settings.save_steps))
        need += n * (per_full if cond.training.method == "full" else per_full // 50)
        if settings.resume_every and (cond.training.steps or 0) >= settings.resume_every:
            need += 3 * per_full  # one resumable Trainer checkpoint (weights + Adam state)
    runs = (c.root / cfg.paths.runs).resolve()
    existing = next((p for p in (runs, *runs.parents) if p.exists()), None)
    if existing is None:
        return
    free = shutil.disk_usage(existing).free
    if need > free:
        c.add(("paths", "runs"), f"checkpoints need about {need / GiB:.1f} GiB and {existing} "
              f"has {free / GiB:.1f} GiB free")


def preflight(cfg, config_path: str | Path, root: str | Path,
              stages: tuple[str, ...] = ("train", "extract", "analyze"),
              overrides=()) -> list[Problem]:
    """Every problem of ``cfg``'s inputs for these stages, errors and warnings, in config order
    (a value given by ``--set`` is located by that option)."""
    c = _Checker(cfg, config_path, Path(root), overrides)
    if {"extract", "analyze"} & set(stages):
        _files(c)
    facts = _model(c) if {"train", "extract"} & set(stages) else None
    if "train" in stages:
        _report_to(c)
        _sft_data(c)
        _disk(c, facts)
    return sorted(c.problems, key=lambda p: _line_col(p.where) or (10 ** 9, 0))


def _line_col(where: str):
    parts = where.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return None
