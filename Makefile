# Two commands on a fresh machine: `make run` and `make test`. Each sets up .venv first
# (idempotent: a stamp file tracks pyproject.toml, so a second run installs nothing).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export TOKENIZERS_PARALLELISM := false

.PHONY: run test test-fast lint bench soak fuzz setup judge red-flags

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Club Coach into $(VENV) (first run takes a few minutes)..."
	@# pip, not uv/poetry: only pip finds the CPU torch wheel on these machines.
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/coach start

test: $(STAMP)
	$(VENV)/bin/python -m pytest

# The inner loop: the suite without its `slow` tests (the embedding model, indexes, the judge,
# servers, the wheel; see tests/conftest.py). `make test` stays the whole suite.
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -m "not slow and not packaging"

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks.run_all

# Season-long faults, not in the quick suite: a 10-minute soak of the bot while articles change,
# then 20 kill -9 trials of `coach index` (SOAK_MINUTES=3 for a shorter run).
SOAK_MINUTES ?= 10
soak: $(STAMP)
	$(VENV)/bin/python -m benchmarks.soak --minutes $(SOAK_MINUTES)
	$(VENV)/bin/python -m benchmarks.soak_kill --trials 20

# The judge model (retrieval/data/judge/), rebuilt from training/judge/ with a fixed seed: check
# the data shares no text with any eval set, build the pairs, train the judge's heads over frozen
# MiniLM and its support reader (MiniLM's top two layers, fine-tuned on claim-passage pairs),
# export to ONNX (int8). Never part of `make test` or CI (they use the shipped files); about 45
# minutes on 2 idle cores.
JUDGE_SEED ?= 13
# One head per seed; their average ships (ENSEMBLE in training/judge/late.py; see the README).
JUDGE_SEEDS ?= 13 14 15
judge: $(STAMP)
	PYTHONHASHSEED=$(JUDGE_SEED) $(VENV)/bin/python -m training.judge.check_disjoint
	PYTHONHASHSEED=$(JUDGE_SEED) $(VENV)/bin/python -m training.judge.dataset --seed $(JUDGE_SEED)
	PYTHONHASHSEED=$(JUDGE_SEED) $(VENV)/bin/python -m training.judge.late train --seeds $(JUDGE_SEEDS)
	PYTHONHASHSEED=$(JUDGE_SEED) $(VENV)/bin/python -m training.judge.support_reader train --seed $(JUDGE_SEED)
	PYTHONHASHSEED=$(JUDGE_SEED) $(VENV)/bin/python -m training.judge.late export
	PYTHONHASHSEED=$(JUDGE_SEED) $(VENV)/bin/python -m training.judge.support_reader export

# The learned red-flag head (answering/data/red_flag_head.npy + .json), rebuilt from
# training/red_flags/messages.jsonl: check the text shares none with any eval set, embed it
# with the bundled MiniLM, fit the head, choose its threshold on the dev tables (~40 s).
red-flags: $(STAMP)
	$(VENV)/bin/python -m training.red_flags.check_disjoint
	$(VENV)/bin/python -m training.red_flags.train

# Ingestion fuzzing, long: 2,000 random examples in each of the five properties of
# tests/retrieval/ingest/test_ingest_fuzz.py (10,000 files); `make test` runs 60 each, derandomized.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	COACH_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/python -m pytest -p no:cacheprovider \
		tests/retrieval/ingest/test_ingest_fuzz.py -k "not hostile" --timeout 0 -q
