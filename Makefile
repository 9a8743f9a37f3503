# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
WASM := tests/wasm
# npm ci writes this lockfile copy: the pinned MicroPython WebAssembly port is installed.
WASM_READY := $(WASM)/node_modules/.package-lock.json

.PHONY: demo test

$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

demo: $(READY)
	$(BIN)/python -m host_tools demo

$(WASM_READY): $(WASM)/package.json $(WASM)/package-lock.json
	cd $(WASM) && npm ci --no-audit --no-fund

test: $(READY) $(WASM_READY)
	$(BIN)/python -m pytest -q tests
