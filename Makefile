# Two commands do everything on a fresh machine: `make demo` and `make test`.
# With a board plugged in: `make demo PORT=/dev/ttyACM0 BOARD=rp2040`, and `make hil` with
# the same PORT and BOARD runs the hardware-in-the-loop tests on it (and on the virtual
# RP2040 and the virtual ARM board, as `make test` does). `make demo BOARD=qemu-arm` runs
# the demo on the virtual ARM board.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
WASM := tests/wasm
# npm ci writes this lockfile copy: the pinned MicroPython WebAssembly port is installed.
WASM_READY := $(WASM)/node_modules/.package-lock.json
PORT ?=
BOARD ?= rp2040

N ?= 100000
CORPUS ?= ../shared/corpus
BENCH_MODELS := $(addprefix $(CORPUS)/models/,$(addsuffix .tflite,person_detect vww_96_int8 \
	kws_ref_model ic_resnet8_int8 micro_speech_quantized audio_preprocessor_int8 ad01_int8 \
	simple_add hello_world_int8 hello_world_float keyword_scrambled mnist_lstm_int8 \
	mnist_lstm_float)) \
	tests/suite_16x8/conv_dw_pw_16x8.tflite tests/suite_16x8/audio_1d_16x8.tflite \
	tests/suite_16x8/encoder_decoder_16x8.tflite
STARTUP_MODELS := $(addprefix $(CORPUS)/models/,$(addsuffix .tflite,person_detect vww_96_int8 \
	kws_ref_model ic_resnet8_int8 hello_world_int8))

.PHONY: demo test test-slow hil fuzz bench qemu

# The pinned tools, then ulite itself (editable: the `ulite` command runs this checkout).
$(READY): requirements.txt pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

demo: $(READY) $(if $(filter qemu-arm,$(BOARD)),qemu)
	$(BIN)/python -m host_tools demo $(if $(PORT),--port $(PORT)) --board $(BOARD)

$(WASM_READY): $(WASM)/package.json $(WASM)/package-lock.json
	cd $(WASM) && npm ci --no-audit --no-fund

# The ARM board runs on Debian's qemu-system-arm: installed here when we can (as root with
# apt-get, as CI runs), else one line saying how.
qemu:
	@command -v qemu-system-arm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing qemu-system-arm (the ARM board's emulator)"; \
	    apt-get install -y -qq qemu-system-arm >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null && apt-get install -y -qq qemu-system-arm >/dev/null; }; \
	  else \
	    echo "error: qemu-system-arm not found: install it with 'sudo apt-get install -y qemu-system-arm'" >&2; exit 1; \
	  fi; }

test: $(READY) $(WASM_READY) qemu
	$(BIN)/python -m pytest -q -rs tests

# The long sweeps (pytest marker `slow`): CI runs them after `make test`.
test-slow: $(READY) $(WASM_READY) qemu
	$(BIN)/python -m pytest -q -rs -m slow tests

hil: $(READY) qemu
	ULITE_HIL_PORT=$(PORT) ULITE_HIL_BOARD=$(BOARD) $(BIN)/python -m pytest -q -rs tests/hil

# A long fuzz of model loading on MicroPython (tests/fuzz.py): N cases, SEED=... to replay a
# run; crashes are saved under tests/regressions/.
fuzz: $(READY)
	$(BIN)/python tests/fuzz.py --cases $(N) $(if $(SEED),--seed $(SEED))

# The heap of ulite's modules on the ARM board (boards/runtime_heap.json, what `inspect
# --board` charges), ulite next to TFLM on every corpus model ulite runs, and the RP2040
# figures (instructions counted on the ARM board beside the estimate): BENCHMARKS.md. With
# MICROPYTHON=DIR (a MicroPython checkout, and arm-none-eabi-gcc), also the time to first
# inference on firmware built there with ulite frozen in.
bench: $(READY) qemu
	$(BIN)/python -m host_tools bench --runtime-heap boards/runtime_heap.json
	$(BIN)/python -m host_tools bench $(BENCH_MODELS) --markdown BENCHMARKS.md
	$(BIN)/python -m host_tools bench --board rp2040 --per-op $(BENCH_MODELS) --markdown BENCHMARKS.md
	$(BIN)/python -m host_tools bench --startup $(STARTUP_MODELS) --markdown BENCHMARKS.md
	$(if $(MICROPYTHON),$(BIN)/python -m host_tools bench --startup --frozen $(MICROPYTHON) \
		$(STARTUP_MODELS) --markdown BENCHMARKS.md)
