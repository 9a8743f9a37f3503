# Runs on MicroPython: fuzz cases from a JSON-lines file, one JSON result line per case.
# Usage: micropython fuzz_batch.py CASES.jsonl
# Line 1: {"models": {name: path}, "arena": bytes}. Then one case per line:
# {"i": id, "m": model name, "t": truncated length or -1, "p": [[pos, hex], ...], "v": invoke,
# "l": loop backend or null, "x": also run the other backend and compare outputs}.
# Odd-numbered cases get a byte pattern as input instead of zeros.
# Each case is parsed by ulite.describe and ulite.Interpreter; a model that constructs is
# invoked with zeroed inputs. Besides the exception type, each result says whether the model
# bytes changed and whether the arena tail past arena_used was written.
import binascii
import gc
import json
import sys
import time

import ulite

CLEAN = (ulite.ModelError, ulite.ArenaError)
CANARY = 0x5A
CANARY_BYTES = b""  # len(arena) canary bytes, set in main


def mutated(base, case):
    data = bytearray(base if case["t"] < 0 else base[: case["t"]])
    for pos, patch in case["p"]:
        patch = binascii.unhexlify(patch)
        data[pos : pos + len(patch)] = patch
    return data


def construct(data, arena, loops):
    arena[:] = CANARY_BYTES
    try:
        return ulite.Interpreter(data, arena=arena, loops=loops), arena
    except ulite.ArenaError:
        return ulite.Interpreter(data, loops=loops), None


PATTERNS = (bytes(256), bytes((k * 73 + 41) & 0xFF for k in range(256)))


def fill(data, pattern):
    """Zeros, or a fixed byte pattern that reaches more kernel paths, written in place (an
    input may be megabytes: no copy of its size)."""
    source = PATTERNS[pattern]
    for start in range(0, len(data), 256):
        end = min(start + 256, len(data))
        data[start:end] = source[: end - start]


def outputs(interp):
    return [bytes(interp.output(i).data) for i in range(interp.outputs)]


def invoke(interp, arena, pattern):
    for i in range(interp.inputs):
        fill(interp.input(i).data, pattern)
    interp.invoke()
    used = interp.arena_used
    if arena is not None and arena[used:] != CANARY_BYTES[used:]:
        for i in range(used, len(arena)):
            if arena[i] != CANARY:
                return "arena byte %d written past arena_used %d" % (i, used)
    for i in range(interp.outputs):
        len(interp.output(i).data)
    return None


def run(case, models, arena):
    data = mutated(models[case["m"]], case)
    pristine = bytes(data)
    stage = "describe"
    result = "ok"
    message = ""
    try:
        try:
            ulite.describe(data)
        except CLEAN:
            pass
        stage = "construct"
        interp, used_arena = construct(data, arena, case["l"])
        stage = "invoke"
        pattern = case["i"] % 2
        if case["v"]:
            message = invoke(interp, used_arena, pattern) or ""
            if message:
                result = "ArenaOverrun"
            elif case["x"] and used_arena is not None:
                # the other loop backend, from the same arena contents, must agree exactly
                stage = "differential"
                other = "viper" if case["l"] == "plain" else "plain"
                twin = ulite.Interpreter(data, arena=bytearray(CANARY_BYTES), loops=other)
                invoke(twin, None, pattern)
                if outputs(twin) != outputs(interp):
                    result = "BackendMismatch"
                    message = "%s and %s loops computed different outputs" % (
                        case["l"] or "default",
                        other,
                    )
                stage = "invoke"
        else:
            stage = "constructed"
    except CLEAN as e:
        result = type(e).__name__
        message = str(e)
    except Exception as e:  # the fuzzer's job is to report these, not to stop at them
        result = type(e).__name__
        message = str(e)
    if bytes(data) != pristine:
        result = "ModelWritten"
        message = "the model bytes changed during %s" % stage
    return {"i": case["i"], "stage": stage, "r": result, "msg": message[:300]}


def main():
    with open(sys.argv[1]) as f:
        header = json.loads(f.readline())
        models = {}
        for name, path in header["models"].items():
            with open(path, "rb") as m:
                models[name] = m.read()
        arena = bytearray(header["arena"])
        global CANARY_BYTES
        CANARY_BYTES = bytes([CANARY]) * len(arena)
        for line in f:
            case = json.loads(line)
            start = time.ticks_ms()
            report = run(case, models, arena)
            report["ms"] = time.ticks_diff(time.ticks_ms(), start)
            print(json.dumps(report))
            gc.collect()
    print(json.dumps({"done": True}))


main()
