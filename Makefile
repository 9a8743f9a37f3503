# Two commands do everything on a fresh machine: `make demo` and `make test`.
# With a board plugged in: `make demo PORT=/dev/ttyACM0 BOARD=rp2040`, and `make hil` with
# the same PORT and BOARD runs the hardware-in-the-loop tests on it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
PORT ?=
BOARD ?= rp2040

.PHONY: demo test hil

$(READY): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

demo: $(READY)
	$(BIN)/python -m host_tools demo $(if $(PORT),--port $(PORT) --board $(BOARD))

test: $(READY)
	$(BIN)/python -m pytest -q -rs tests

hil: $(READY)
	ULITE_HIL_PORT=$(PORT) ULITE_HIL_BOARD=$(BOARD) $(BIN)/python -m pytest -q -rs tests/hil
