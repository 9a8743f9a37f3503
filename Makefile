# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready

N ?= 100000

.PHONY: demo test fuzz

$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

demo: $(READY)
	$(BIN)/python -m host_tools demo

test: $(READY)
	$(BIN)/python -m pytest -q tests

# A long fuzz of model loading on MicroPython (tests/fuzz.py): N cases, SEED=... to replay a
# run; crashes are saved under tests/regressions/.
fuzz: $(READY)
	$(BIN)/python tests/fuzz.py --cases $(N) $(if $(SEED),--seed $(SEED))
