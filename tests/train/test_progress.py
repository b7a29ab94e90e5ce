"""Training reports progress (step, loss, tokens/s) and passes report_to / logging_steps to the
Trainer; with no terminal the CLI writes plain timestamped lines with an ETA."""

from __future__ import annotations

import datetime as dt
import io
import re

import yaml
from click.testing import CliRunner

from personageo.cli._progress import PlainProgress
from tests.train.conftest import tiny_config


def test_trainer_gets_report_to_and_logging_steps_and_progress_has_loss(tmp_path, monkeypatch):
    import transformers.trainer as hf_trainer

    from personageo.train import train_condition

    asked = []
    monkeypatch.setattr(hf_trainer, "get_reporting_integration_callbacks",
                        lambda report_to: asked.append(list(report_to)) or [])
    cfg = tiny_config(tmp_path, steps=3, train={"report_to": ["wandb"], "logging_steps": 1})
    seen = []
    res = train_condition(cfg, "full", 1, runs_dir=tmp_path / "runs",
                          progress=lambda label, d, t: seen.append((label, d, t)))
    assert asked == [["wandb"]]
    assert [(d, t) for _, d, t in seen] == [(1, 3), (2, 3), (3, 3)]
    assert all(re.fullmatch(r"train full-s1 step \d/3 loss \d+\.\d{4} [\d,]+ tokens/s", label)
               for label, _, _ in seen), seen
    assert res.manifest["optimizer_steps"] == 3


def test_report_to_does_not_change_the_run_key(tmp_path):
    from personageo.train.runner import effective_settings, run_key

    a = tiny_config(tmp_path)
    b = tiny_config(tmp_path, train={"report_to": ["tensorboard"], "logging_steps": 5})
    assert run_key(a, "full", 1, effective_settings(a, "full"), "fp", 1) == \
        run_key(b, "full", 1, effective_settings(b, "full"), "fp", 1)


def test_plain_lines_are_timestamped_throttled_and_carry_an_eta():
    out, t = io.StringIO(), [0.0]
    p = PlainProgress(out, every=10, clock=lambda: t[0],
                      now=lambda: dt.datetime(2026, 12, 2, 19, 30, tzinfo=dt.timezone.utc))
    for step in range(1, 11):  # 4 s per step
        t[0] = 4.0 * step
        p(f"train full-s1 step {step}/10 loss 1.0000 100 tokens/s", step, 10)
    lines = out.getvalue().splitlines()
    # first line, then at most one per 10 s (steps 4, 7), and always the last
    assert [re.search(r"step (\d+)/", ln).group(1) for ln in lines] == ["1", "4", "7", "10"]
    assert lines[0] == "2026-12-02T19:30:00Z train full-s1 step 1/10 loss 1.0000 100 tokens/s [1/10]"
    # from step 1 (t=4) to step 4 (t=16): 4 s per step, 6 steps left
    assert lines[1].endswith("[4/10]  ETA 0:00:24")
    assert "ETA" not in lines[-1]


def test_cli_without_a_terminal_prints_plain_progress_lines(tmp_path):
    from personageo.cli.train import command

    cfg = tiny_config(tmp_path, steps=2)
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
    res = CliRunner().invoke(command, [str(path), "--runs-dir", str(tmp_path / "runs")])
    assert res.exit_code == 0, res.output
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.search(rf"^{stamp} training full-s1 \.\.\.$", res.output, re.M)
    assert re.search(rf"^{stamp} train full-s1 step 2/2 loss [\d.]+ [\d,]+ tokens/s \[2/2\]$",
                     res.output, re.M), res.output
