"""The interpreter: resolve kernels, plan one arena, prepare every op, invoke without allocating."""

import gc

from . import planner
from .errors import ArenaError, ModelError, UliteError, UnsupportedOpError
from .loops import backend
from .model import Model, check_model_type
from .resolver import kernel_for

ACC_CHUNK = 64  # int32 accumulators kernels requantize at a time


class Interpreter:
    """Runs subgraph 0 of a .tflite model held in `model` (bytes, bytearray or memoryview).

    The model buffer is used in place: weights are never copied, so a model frozen into
    flash costs no heap. All activations live in one arena: `arena_size=None` allocates
    exactly what the plan needs, a larger size is allowed, a smaller one raises ArenaError.
    `arena` may be a caller-owned bytearray to reuse. `loops` picks a loop backend by name
    ("viper" or "plain"); the default is the fastest this port can run.
    """

    def __init__(self, model, arena_size=None, arena=None, loops=None):
        check_model_type(model)
        if arena is not None and not isinstance(arena, bytearray):
            raise TypeError("arena must be a bytearray, got %s" % type(arena).__name__)
        if arena_size is not None and not isinstance(arena_size, int):
            raise TypeError("arena_size must be an int, got %s" % type(arena_size).__name__)
        try:
            self.loops = backend(loops)
        except MemoryError:
            raise ArenaError(_out_of_memory(_Progress("loading the loop backend")))
        progress = _Progress()
        try:
            self._build(model, arena_size, arena, progress)
        except UliteError:
            raise
        except MemoryError:
            self.model = self.arena = self._steps = None  # free what was built, then report
            raise ArenaError(_out_of_memory(progress))
        except Exception as e:  # a bug in ulite: name the op, never pass a raw exception on
            raise ModelError(_unexpected(progress, e))
        gc.collect()

    def _build(self, model, arena_size, arena, progress):
        self.model = m = Model(model)
        tensors, ops = _read_graph(m, progress)
        progress.stage = "checking ops"
        kernels, unsupported = _check(ops, progress)
        if unsupported:
            raise UnsupportedOpError("unsupported ops: " + ", ".join(unsupported))
        progress.stage = "planning the arena"
        plan_tensors, offsets, self.activation_bytes = _plan(m, tensors, ops)
        self.persistent_bytes = sum(op.persistent_bytes for op in ops)
        self.arena_used = progress.arena_bytes = self.activation_bytes + self.persistent_bytes
        progress.stage = "allocating the arena"
        self.arena = self._allocate(arena_size, arena)
        view = memoryview(self.arena)
        places = iter(offsets)
        for t in plan_tensors:
            offset = next(places)
            t.data = view[offset : offset + t.nbytes]
        for t in tensors:
            if t.data is None and t.nbytes == 0:
                t.data = view[0:0]  # empty activations: a view, like every other tensor
        tail = self.activation_bytes
        for op in ops:
            if op.scratch_bytes:
                offset = next(places)
                op.scratch = view[offset : offset + op.scratch_bytes]
            op.persistent = view[tail : tail + op.persistent_bytes]
            tail += op.persistent_bytes
        _check_views(ops)
        self._inputs = [tensors[i] for i in m.inputs]
        self._outputs = [tensors[i] for i in m.outputs]
        self._variables = [t for t in tensors if t.is_variable]
        self.op_names = [op.name for op in ops]
        acc = bytearray(4 * ACC_CHUNK)  # int32 accumulators shared by every kernel
        self._steps = []
        for kernel, op in zip(kernels, ops):
            progress.stage = "preparing " + op.where()
            op.loops = self.loops
            op.acc = acc
            try:
                self._steps.append(kernel.prepare(op))
            except ModelError as e:
                raise _in_op(op, e)
        progress.stage = "resetting state tensors"
        self.reset()

    def _allocate(self, arena_size, arena):
        needed = self.arena_used
        if arena is not None:
            arena_size = len(arena)
        if arena_size is not None and arena_size < needed:
            raise ArenaError(
                "arena of %d bytes is too small: this model needs %d bytes" % (arena_size, needed)
            )
        if arena is not None:
            return arena
        try:
            return bytearray(needed if arena_size is None else arena_size)
        except MemoryError:
            raise ArenaError(
                "cannot allocate a %d-byte arena: %d bytes of heap are free"
                % (needed if arena_size is None else arena_size, _mem_free())
            )

    def input(self, index):
        return self._io(self._inputs, index, "input")

    def output(self, index):
        return self._io(self._outputs, index, "output")

    @staticmethod
    def _io(tensors, index, kind):
        if not isinstance(index, int):
            raise TypeError("%s index must be an int, got %s" % (kind, type(index).__name__))
        if not 0 <= index < len(tensors):
            raise IndexError("model has %d %ss, no %s %d" % (len(tensors), kind, kind, index))
        return tensors[index]

    @property
    def inputs(self):
        return len(self._inputs)

    @property
    def outputs(self):
        return len(self._outputs)

    def invoke(self):
        for fn, args in self._steps:
            fn(args)

    def reset(self):
        """Set variable (state) tensors back to their zero point, as TFLM does."""
        for t in self._variables:
            fill = t.zero_point & 0xFF if t.dtype == "int8" else 0
            for i in range(t.nbytes):
                t.data[i] = fill

    def profile(self):
        """Invoke once, timing each op; returns [(op name, microseconds), ...]."""
        import time

        times = []
        for name, (fn, args) in zip(self.op_names, self._steps):
            start = time.ticks_us()
            fn(args)
            times.append((name, time.ticks_diff(time.ticks_us(), start)))
        return times


class _Progress:
    """What construction is doing, for the message of an error that interrupts it."""

    def __init__(self, stage="reading the model"):
        self.stage = stage
        self.arena_bytes = None


def _read_graph(m, progress):
    """Tensors and operators of subgraph 0."""
    tensors = []
    for i in range(m.tensor_count):
        progress.stage = "reading tensor %d" % i
        tensors.append(m.tensor(i))
    for i in m.inputs:
        if tensors[i].is_constant:
            raise ModelError("graph input tensor %d '%s' is a constant" % (i, tensors[i].name))
    ops = []
    for i in range(m.op_count):
        progress.stage = "reading op %d" % i
        ops.append(m.operator(i, tensors))
    return tensors, ops


def _check_views(ops):
    """Every tensor an op touches has exactly the bytes its shape needs (kernels rely on it:
    viper pointers are not bounds-checked)."""
    for op in ops:
        for t in op.inputs + op.outputs:
            if t is not None and t.itemsize and (t.data is None or len(t.data) != t.nbytes):
                raise ModelError(
                    "%s: tensor %d '%s' has %s bytes for shape %s of %s (%d bytes)"
                    % (op.where(), t.index, t.name, "no" if t.data is None else len(t.data),
                       t.shape, t.dtype, t.nbytes)
                )


def _in_op(op, error):
    """The same error, its message prefixed with the op unless it already names it."""
    message = str(error)
    if message.startswith(op.where()):
        return error
    return type(error)("%s: %s" % (op.where(), message))


def _mem_free():
    try:
        return gc.mem_free()
    except AttributeError:  # CPython
        return -1


def _out_of_memory(progress):
    gc.collect()
    need = progress.arena_bytes
    plan = "" if need is None else "; the plan needs %d arena bytes" % need
    free = _mem_free()
    return "out of memory while %s: %d bytes of heap are free%s" % (progress.stage, free, plan)


def _unexpected(progress, error):
    return "unexpected %s while %s: %s" % (type(error).__name__, progress.stage, error)


def _check(ops, progress=None):
    kernels = []
    unsupported = []
    for op in ops:
        if progress is not None:
            progress.stage = "checking " + op.where()
        kernel = kernel_for(op.code)
        if kernel is None:
            reason = op.name + (" (hybrid: float32 activations with int8 weights)" if _hybrid(op) else "")
            if reason not in unsupported:
                unsupported.append(reason)
        else:
            try:
                kernel.check(op)
            except UnsupportedOpError as e:
                reason = "%s (%s)" % (op.name, e)
                if reason not in unsupported:
                    unsupported.append(reason)
            except ModelError as e:
                raise _in_op(op, e)
        kernels.append(kernel)
    return kernels, unsupported

def _hybrid(op):
    """Float activations computed with int8 constant weights: TFLM refuses these too."""
    floats = any(t is not None and t.dtype == "float32" for t in op.inputs + op.outputs)
    weights = any(t is not None and t.dtype == "int8" and t.is_constant for t in op.inputs)
    return floats and weights


def _plan(m, tensors, ops):
    def needs_memory(t):
        tensor = tensors[t]
        return tensor.data is None and tensor.nbytes > 0 and not tensor.is_variable

    first, last = planner.lifetimes(
        len(tensors),
        m.inputs,
        m.outputs,
        [([t.index if t else -1 for t in op.inputs], [t.index for t in op.outputs]) for op in ops],
        needs_memory,
    )
    offline = m.offline_plan()
    plan_tensors = []
    sizes, firsts, lasts, fixed = [], [], [], []
    end = len(ops) + 1
    for t in tensors:
        i = t.index
        if t.data is not None and not t.is_variable:
            continue
        if t.itemsize == 0 and (t.is_variable or first[i] != -1):
            raise ModelError("tensor %d '%s': %s tensors are not supported" % (i, t.name, t.dtype))
        if t.nbytes == 0:
            continue
        if t.is_variable:
            first[i], last[i] = 0, end  # state lives across invokes
        elif first[i] == -1:
            continue  # never used by the graph
        plan_tensors.append(t)
        sizes.append(t.nbytes)
        firsts.append(first[i])
        lasts.append(last[i])
        fixed.append(offline[i] if offline else -1)
    for op_index, op in enumerate(ops):
        if op.scratch_bytes:
            sizes.append(op.scratch_bytes)
            firsts.append(op_index + 1)
            lasts.append(op_index + 1)
            fixed.append(-1)
    offsets, total = planner.plan(sizes, firsts, lasts, fixed)
    return plan_tensors, offsets, total


def describe(model):
    """What running `model` involves, without allocating its arena.

    Returns a dict: inputs and outputs (name, shape, dtype, scale, zero_point), ops (name ->
    count, in first-use order), unsupported (list of op descriptions), arena_bytes (the plan's
    size, activations plus kernels' tables; with unsupported ops, without theirs) and
    model_bytes.
    """
    check_model_type(model)
    progress = _Progress()
    try:
        return _describe(model, progress)
    except UliteError:
        raise
    except MemoryError:
        raise ArenaError(_out_of_memory(progress))
    except Exception as e:  # a bug in ulite: name the op, never pass a raw exception on
        raise ModelError(_unexpected(progress, e))


def _describe(model, progress):
    m = Model(model)
    tensors, ops = _read_graph(m, progress)
    progress.stage = "checking ops"
    counts = {}
    order = []
    for op in ops:
        if op.name not in counts:
            order.append(op.name)
        counts[op.name] = counts.get(op.name, 0) + 1
    _, unsupported = _check(ops, progress)
    progress.stage = "planning the arena"
    arena = _plan(m, tensors, ops)[2] + sum(op.persistent_bytes for op in ops)

    def io(indices):
        return [
            (t.name, t.shape, t.dtype, t.scale, t.zero_point) for t in (tensors[i] for i in indices)
        ]

    return {
        "inputs": io(m.inputs),
        "outputs": io(m.outputs),
        "ops": [(name, counts[name]) for name in order],
        "unsupported": unsupported,
        "arena_bytes": arena,
        "model_bytes": m.fb.size,
    }
