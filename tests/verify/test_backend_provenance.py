"""V501/V507 ask only for what the backend that ran used: no CUDA, DeepSpeed or vLLM demands on
a CPU / transformers run; everything when the file cannot tell (legacy imports)."""

from __future__ import annotations

import pytest

from personageo.verify import verify_files, verify_run
from tests.builders import as_run, hand_checked

ANSWER = {"id": "B", "token_rule": "mean_answer_tokens"}


def provenance_messages(d: dict) -> dict[str, str]:
    result = verify_run(as_run(d), path="r.json")
    return {f.code: f.message for f in result.findings if f.code in ("V501", "V507")}


def cpu_run(generation: str | None = "answer_tokens=generated_ids backend=transformers "
                                      "decoding=greedy max_new_tokens=16") -> dict:
    """The fixture as a CPU run (no GPU listed) that recorded no CUDA, DeepSpeed or vLLM."""
    d = hand_checked()
    d["design"]["methods"].append({**ANSWER, "generation": generation})
    prov = d["provenance"]
    prov["cuda"] = None
    prov["hardware"] = {"gpus": [], "cpu": "x86_64"}
    prov["packages"].update(deepspeed=None, vllm=None, peft=None)
    return d


def test_cpu_transformers_run_is_not_asked_for_cuda_deepspeed_or_vllm():
    assert provenance_messages(cpu_run()) == {}


def test_a_cpu_torch_build_marks_a_cpu_run_without_a_gpu_list():
    d = cpu_run()
    d["provenance"]["hardware"] = {"cpu": "x86_64"}  # gpus not recorded
    assert provenance_messages(d) == {"V501": "versions not recorded: deepspeed",
                                      "V507": "not recorded: cuda"}
    d["provenance"]["packages"]["torch"] = "2.5.1+cpu"
    assert provenance_messages(d) == {}


def test_vllm_generation_asks_for_vllm_and_cuda():
    d = cpu_run("vllm greedy max_new_tokens=256")
    assert provenance_messages(d) == {"V501": "versions not recorded: deepspeed, vllm",
                                      "V507": "not recorded: cuda"}
    d = cpu_run("backend=vllm decoding=greedy")
    assert "vllm" in provenance_messages(d)["V501"]


def test_unrecorded_backend_still_asks_for_everything():
    d = cpu_run(generation=None)
    d["provenance"]["hardware"] = None
    assert provenance_messages(d) == {"V501": "versions not recorded: deepspeed, vllm",
                                      "V507": "not recorded: cuda, hardware"}


@pytest.mark.parametrize("method, asked", [("lora", True), ("unknown", True), ("full", False)])
def test_peft_is_asked_for_only_with_lora_training(method, asked):
    d = cpu_run()
    d["design"]["conditions"][0]["training"]["method"] = method
    got = provenance_messages(d)
    assert got == ({"V501": "versions not recorded: peft"} if asked else {})


def test_gpu_run_keeps_every_expectation():
    d = hand_checked()  # H100 listed, CUDA 12.4, prompt-only method
    d["provenance"]["packages"].update(deepspeed=None)
    d["provenance"]["cuda"] = None
    assert provenance_messages(d) == {"V501": "versions not recorded: deepspeed",
                                      "V507": "not recorded: cuda"}


def test_legacy_238_is_asked_for_what_it_cannot_show(r238):
    result = verify_files(r238)
    got = {f.code: f.message for f in result.findings if f.code in ("V501", "V507")}
    # full-parameter training only (no peft); the answer method's backend is not recorded
    assert got == {"V501": "versions not recorded: torch, transformers, deepspeed, vllm",
                   "V507": "not recorded: python, cuda, hardware"}
