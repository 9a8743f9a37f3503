"""The interpreter: resolve kernels, plan one arena, prepare every op, invoke without allocating."""

import gc

from . import planner
from .errors import ArenaError, ModelError, UliteError, UnsupportedOpError
from .loops import NAMES as LOOP_BACKENDS
from .loops import backend
from .model import Model, check_model_type, op_name
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
        if loops not in (None,) + LOOP_BACKENDS:
            raise ValueError(
                "unknown loop backend %r; choose one of %s" % (loops, ", ".join(LOOP_BACKENDS))
            )
        progress = _Progress()
        try:
            self._build(model, arena_size, arena, loops, progress)
        except UliteError:
            raise
        except MemoryError:
            self.model = self.arena = self._fns = self._args = None  # free it, then report
            raise ArenaError(_out_of_memory(progress))
        except Exception as e:  # a bug in ulite: name the op, never pass a raw exception on
            raise ModelError(_unexpected(progress, e))
        gc.collect()

    def _build(self, model, arena_size, arena, loops, progress):
        self.model = m = Model(model)
        progress.stage = "checking ops"
        kernels, requests, ops_io, unsupported = _check(m, progress)
        if unsupported:
            raise UnsupportedOpError("unsupported ops: " + ", ".join(unsupported))
        progress.stage = "planning the arena"
        plan = _plan(m, requests, ops_io)
        del ops_io
        tensor_offsets, scratch_offsets, self.planned_bytes, self.activation_bytes, variables = plan
        own, shared = _persistent_bytes(requests)
        self.persistent_bytes = own + shared
        self.arena_used = progress.arena_bytes = self.planned_bytes + self.persistent_bytes
        progress.stage = "allocating the arena"
        self.arena = self._allocate(arena_size, arena)
        progress.stage = "loading the loop backend"
        self.loops = backend(loops)  # imported after the arena: its code does not split the heap
        view = memoryview(self.arena)

        views = {}  # one memoryview per activation, shared by the ops that use it

        def tensor(i):
            t = m.tensor(i)
            offset = tensor_offsets[i]
            if offset >= 0:
                t.data = views.get(i)
                if t.data is None:
                    t.data = views[i] = view[offset : offset + t.nbytes]
            elif t.data is None and t.nbytes == 0:
                t.data = view[0:0]  # empty activations: a view, like every other tensor
            return t

        acc = bytearray(4 * ACC_CHUNK)  # int32 accumulators shared by every kernel
        tail = self.planned_bytes
        shared_at = tail + own  # the int32 tables ops share, after the ops' own tables
        self._fns = [None] * len(kernels)  # op i runs as _fns[i](_args[i])
        self._args = [None] * len(kernels)
        for i, kernel in enumerate(kernels):
            progress.stage = "preparing op %d" % i
            op = m.operator(i, tensor)  # tensors made per op and dropped: a small peak heap
            scratch, persistent, ints = requests[i]
            if scratch:
                op.scratch = view[scratch_offsets[i] : scratch_offsets[i] + scratch]
            op.persistent = view[tail : tail + persistent]
            tail += persistent
            if ints:
                op.ints = view[shared_at + ints[0] : shared_at + ints[0] + ints[1]]
            op.loops = self.loops
            op.acc = acc
            _check_views(op)
            try:
                self._fns[i], self._args[i] = kernel.prepare(op)
            except ModelError as e:
                raise _in_op(op, e)
            # Collect each op's garbage (parsed tensors, derivations) while it is young, so
            # what stays packs together instead of dotting the heap between big free blocks.
            gc.collect()
        self._inputs = [tensor(i) for i in m.inputs]
        self._outputs = [tensor(i) for i in m.outputs]
        self._variables = [tensor(i) for i in variables]
        progress.stage = "resetting state tensors"
        self.reset()

    def _allocate(self, arena_size, arena):
        needed = self.arena_used
        if arena is not None:
            if not isinstance(arena, bytearray):
                raise TypeError("arena must be a bytearray, got %s" % type(arena).__name__)
            arena_size = len(arena)
        if arena_size is not None and arena_size < needed:
            raise ArenaError(
                "arena of %d bytes is too small: this model needs %d bytes" % (arena_size, needed)
            )
        if arena is not None:
            return arena
        gc.collect()  # merge the garbage of parsing into free blocks before the big allocation
        size = needed if arena_size is None else arena_size
        try:
            return bytearray(size)
        except MemoryError:
            free = _mem_free()
            if free < size:
                raise ArenaError("cannot allocate a %d-byte arena: %d bytes of heap are free" % (size, free))
            raise ArenaError(
                "cannot allocate a %d-byte arena: %d bytes of heap are free, but not in one"
                " piece; reserve it first (arena = bytearray(%d) before other imports) and pass"
                " arena=" % (size, free, size)
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
        fns = self._fns
        args = self._args
        for i in range(len(fns)):
            fns[i](args[i])

    def reset(self):
        """Set variable (state) tensors back to their zero point, as TFLM does."""
        for t in self._variables:
            fill = t.zero_point & 0xFF if t.dtype == "int8" else 0
            for i in range(t.nbytes):
                t.data[i] = fill

    @property
    def op_names(self):
        m = self.model
        return [op_name(*m.opcodes[m.opcode_index(i)]) for i in range(m.op_count)]

    def profile(self):
        """Invoke once, timing each op; returns [(op name, microseconds), ...]."""
        import time

        times = []
        for name, fn, args in zip(self.op_names, self._fns, self._args):
            start = time.ticks_us()
            fn(args)
            times.append((name, time.ticks_diff(time.ticks_us(), start)))
        return times


class _Progress:
    """What construction is doing, for the message of an error that interrupts it."""

    def __init__(self, stage="reading the model"):
        self.stage = stage
        self.arena_bytes = None


def _check_views(op):
    """Every tensor the op touches has exactly the bytes its shape needs (kernels rely on
    it: viper pointers are not bounds-checked)."""
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


def _check(m, progress=None):
    """Kernel, arena requests and (inputs, outputs) indices of every op, and the description
    of every op ulite cannot run. An op's requests are (scratch bytes, persistent bytes,
    where its int32 table is among the shared ones: (offset, bytes) or None)."""
    for i in m.inputs:
        t = m.tensor(i)
        if t.is_constant:
            raise ModelError("graph input tensor %d '%s' is a constant" % (i, t.name))
    kernels = []
    requests = []
    ops_io = []
    unsupported = []
    shared = {}  # requested int32 values -> their offset among the shared tables
    shared_bytes = 0
    for i in range(m.op_count):
        if progress is not None:
            progress.stage = "checking op %d" % i
        op = m.operator(i, m.tensor)
        kernel = kernel_for(op.code)
        reason = None
        if kernel is None:
            reason = op.name + (" (hybrid: float32 activations with int8 weights)" if _hybrid(op) else "")
        else:
            try:
                kernel.check(op)
            except UnsupportedOpError as e:
                reason = "%s (%s)" % (op.name, e)
            except ModelError as e:
                raise _in_op(op, e)
        if reason and reason not in unsupported:
            unsupported.append(reason)
        kernels.append(kernel)
        ints = op.requested_ints
        if ints is not None:
            if ints not in shared:
                shared[ints] = shared_bytes
                shared_bytes += len(ints)
            ints = (shared[ints], len(ints))
        requests.append((op.scratch_bytes, op.persistent_bytes, ints))
        ops_io.append(([t.index if t else -1 for t in op.inputs], [t.index for t in op.outputs]))
    return kernels, requests, ops_io, unsupported


def _persistent_bytes(requests):
    """Arena bytes kept for the interpreter's life: (the ops' own tables, the shared ones)."""
    own = shared = 0
    for _, persistent, ints in requests:
        own += persistent
        if ints:
            shared = max(shared, ints[0] + ints[1])
    return own, shared


def _hybrid(op):
    """Float activations computed with int8 constant weights: TFLM refuses these too."""
    floats = any(t is not None and t.dtype == "float32" for t in op.inputs + op.outputs)
    weights = any(t is not None and t.dtype == "int8" and t.is_constant for t in op.inputs)
    return floats and weights


def _plan(m, requests, ops_io):
    """The memory plan: per-tensor offset (or -1), per-op scratch offset (or -1), planned
    bytes (activations and scratch), the bytes the activations alone would need (the figure
    TFLM's planned head is compared with), and the variable tensors."""
    count = m.tensor_count
    nbytes = [0] * count
    activation = bytearray(count)  # 1 where the tensor lives in the planned arena
    variables = []
    unsized = []  # string/resource tensors: an error only if the graph uses them
    for i in range(count):
        t = m.tensor(i)
        if t.data is not None and not t.is_variable:
            continue
        if t.itemsize == 0:
            unsized.append(t)
        if t.nbytes == 0:
            continue
        nbytes[i] = t.nbytes
        activation[i] = 1
        if t.is_variable:
            variables.append(i)

    first, last = planner.lifetimes(
        count, m.inputs, m.outputs, ops_io, lambda t: activation[t] and t not in variables
    )
    for t in unsized:
        if t.is_variable or first[t.index] != -1:
            raise ModelError(
                "tensor %d '%s': %s tensors are not supported" % (t.index, t.name, t.dtype)
            )
    for i in variables:
        first[i], last[i] = 0, len(ops_io) + 1  # state lives across invokes
    offline = m.offline_plan()
    planned = [i for i in range(count) if activation[i] and first[i] != -1]
    sizes = [nbytes[i] for i in planned]
    firsts = [first[i] for i in planned]
    lasts = [last[i] for i in planned]
    fixed = [offline[i] if offline else -1 for i in planned]
    scratch_ops = [i for i, request in enumerate(requests) if request[0]]
    activations_only = planner.plan(sizes, firsts, lasts, fixed)[1] if scratch_ops else None
    for i in scratch_ops:
        sizes.append(requests[i][0])
        firsts.append(i + 1)
        lasts.append(i + 1)
        fixed.append(-1)
    offsets, total = planner.plan(sizes, firsts, lasts, fixed)
    tensor_offsets = [-1] * count
    for i, offset in zip(planned, offsets):
        tensor_offsets[i] = offset
    scratch_offsets = [-1] * len(requests)
    for i, offset in zip(scratch_ops, offsets[len(planned) :]):
        scratch_offsets[i] = offset
    activation_bytes = total if activations_only is None else activations_only
    return tensor_offsets, scratch_offsets, total, activation_bytes, variables


def memory_plan(model):
    """({tensor index: (arena offset, bytes)} of every planned tensor, planned bytes with
    kernels' scratch, bytes the activations alone need)."""
    m = Model(model)
    _, requests, ops_io, _ = _check(m)
    tensor_offsets, _, planned, activations, _ = _plan(m, requests, ops_io)
    plan = {}
    for i, offset in enumerate(tensor_offsets):
        if offset >= 0:
            plan[i] = (offset, m.tensor(i).nbytes)
    return plan, planned, activations


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
    counts = {}
    order = []
    for i in range(m.op_count):
        name = op_name(*m.opcodes[m.opcode_index(i)])
        if name not in counts:
            order.append(name)
        counts[name] = counts.get(name, 0) + 1
    _, requests, ops_io, unsupported = _check(m, progress)
    progress.stage = "planning the arena"
    arena = _plan(m, requests, ops_io)[2] + sum(_persistent_bytes(requests))

    def io(indices):
        return [(t.name, t.shape, t.dtype, t.scale, t.zero_point) for t in (m.tensor(i) for i in indices)]

    return {
        "inputs": io(m.inputs),
        "outputs": io(m.outputs),
        "ops": [(name, counts[name]) for name in order],
        "unsupported": unsupported,
        "arena_bytes": arena,
        "model_bytes": m.fb.size,
    }
