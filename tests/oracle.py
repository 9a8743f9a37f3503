"""Run the same models through TFLM (the oracle) and through ulite on MicroPython."""

import json
import tempfile
from pathlib import Path

import numpy as np
from tflite_micro.python.tflite_micro import runtime
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from host_tools import micropython
from host_tools.micropython import reports
from host_tools.model_info import describe_all
from host_tools.paths import DEVICE_DIR
from host_tools.sizes import parse_size

BATCH_SCRIPT = DEVICE_DIR / "run_batch.py"
THUMB_TWIN_DIR = DEVICE_DIR  # thumb_twin.py


def run_tflm(model, inputs, arena_size=1 << 20):
    """TFLM's outputs for one set of inputs (a fresh interpreter each call)."""
    interp = runtime.Interpreter.from_bytes(model, arena_size=arena_size)
    for i, x in enumerate(inputs):
        interp.set_input(x, i)
    interp.invoke()
    graph = schema.Model.GetRootAsModel(model, 0).Subgraphs(0)
    return [np.array(interp.get_output(i)) for i in range(graph.OutputsLength())]


def run_tflm_steps(model, steps, reset_before=(), arena_size=1 << 20):
    """TFLM's outputs of one interpreter invoked once per step (a list of inputs each),
    reset before the steps listed: [outputs of step 0, outputs of step 1, ...]."""
    interp = runtime.Interpreter.from_bytes(model, arena_size=arena_size)
    graph = schema.Model.GetRootAsModel(model, 0).Subgraphs(0)
    outputs = []
    for step, inputs in enumerate(steps):
        if step in reset_before:
            interp.reset()
        for i, x in enumerate(inputs):
            interp.set_input(x, i)
        interp.invoke()
        outputs.append([np.array(interp.get_output(i)) for i in range(graph.OutputsLength())])
    return outputs


def run_ulite(jobs, loops=None, heap="8M", on="unix", script=BATCH_SCRIPT):
    """Run [(model bytes, [input arrays], [output dtype/shape templates])] on MicroPython.

    on: the MicroPython to run on (host_tools.micropython): "unix" (64-bit, viper), "wasm"
    (32-bit WebAssembly port, plain loops only) or "arm" (the ARM board: thumb, viper or
    plain loops; a fixed ~200 KB heap, `heap` does not apply). loops="thumb" runs the real
    assembler on "arm", the twin kernels elsewhere. script: the device script that runs
    the batch (host_tools/device/run_batch.py, or one made from it).

    Returns, per job, a list of output arrays or the error string ulite raised.
    """
    steps = [(model, [inputs], templates, ()) for model, inputs, templates in jobs]
    return [r if isinstance(r, str) else r[0] for r in run_ulite_steps(steps, loops, heap, on, script)]


def run_ulite_steps(jobs, loops=None, heap="8M", on="unix", script=BATCH_SCRIPT):
    """Run [(model bytes, [[input arrays] per step], [output templates], steps to reset
    before)] on MicroPython: one interpreter per job, invoked once per step, reset() before
    the steps listed (see run_ulite for `on`, loops and script).

    Returns, per job, a list of each step's output arrays or the error string ulite raised.
    """
    with tempfile.TemporaryDirectory(prefix="ulite-batch-") as tmp:
        tmp = Path(tmp)
        spec, models = [], []  # spec: one JSON line per job, after the arena's
        for j, (model, steps, _, reset_before) in enumerate(jobs):
            model_path = tmp / ("m%d.tflite" % j)
            model_path.write_bytes(model)
            models.append(model_path)
            paths = []
            for s, inputs in enumerate(steps):
                paths.append([])
                for i, x in enumerate(inputs):
                    path = tmp / ("m%d_s%d_in%d.bin" % (j, s, i))
                    path.write_bytes(np.ascontiguousarray(x).tobytes())
                    paths[-1].append(str(path))
            spec.append(
                {"model": str(model_path), "steps": paths, "reset_before": list(reset_before),
                 "prefix": str(tmp / ("m%d_" % j))}
            )  # fmt: skip
        arena = largest_arena(models) if on == "arm" else None
        spec.insert(0, {"arena_bytes": arena})
        (tmp / "jobs.jsonl").write_text("".join(json.dumps(line) + "\n" for line in spec))
        args = [tmp / "jobs.jsonl", loops or "default"]
        extra = [THUMB_TWIN_DIR] if loops == "thumb" and on != "arm" else []
        result = micropython.run(on, script, args, heap=parse_size(heap), writes=[tmp], extra_path=extra)
        failure = "MicroPython (%s) failed:\n%s%s" % (on, result.stdout, result.stderr)
        assert result.returncode == 0, failure
        found = reports.reports(result)
        assert len(found) == len(jobs), failure
        results = []
        for j, ((_, steps, templates, _), report) in enumerate(zip(jobs, found)):
            if "error" in report:
                results.append(report["error"])
                continue
            outs = []
            for s in range(len(steps)):
                outs.append([])
                for i, t in enumerate(templates):
                    raw = (tmp / ("m%d_s%d_out%d.bin" % (j, s, i))).read_bytes()
                    outs[-1].append(np.frombuffer(raw, dtype=t.dtype).reshape(t.shape))
            results.append(outs)
        return results


def largest_arena(models):
    """The largest arena ulite plans for `models` (found on the unix port): the ARM board's
    batch reserves it first, as a board's heap fragments around ulite's modules."""
    return max([info.get("arena_bytes", 0) for info in describe_all(models)] + [0])


def compare(jobs, loops=None, rtol=1e-5, on="unix", script=BATCH_SCRIPT):
    """Run jobs [(model, inputs)] on TFLM and ulite; assert int outputs equal, floats close
    (equal with rtol=0).

    Returns the number of jobs compared. Any backend may be asked for with loops, and any
    MicroPython with `on` ("wasm" runs only the plain backend; see run_ulite, also for
    script)."""
    expected = [run_tflm(model, inputs) for model, inputs in jobs]
    got = run_ulite([(m, x, e) for (m, x), e in zip(jobs, expected)], loops, on=on, script=script)
    return check(expected, got, rtol)


def check(expected, got, rtol=1e-5):
    """Assert each job's outputs (from run_ulite) match TFLM's: ints equal, floats close.
    Returns the number of jobs."""
    assert len(got) == len(expected), "%d jobs, %d results" % (len(expected), len(got))
    for j, (e, g) in enumerate(zip(expected, got)):
        assert not isinstance(g, str), "job %d: ulite refused: %s" % (j, g)
        for k, (ee, gg) in enumerate(zip(e, g)):
            if ee.dtype.kind == "f" and rtol:
                np.testing.assert_allclose(gg, ee, rtol=rtol, atol=1e-6, err_msg="job %d output %d" % (j, k))
            else:
                np.testing.assert_array_equal(gg, ee, err_msg="job %d output %d" % (j, k))
    return len(expected)
