"""The interpreter: construct (the allocator checks and plans, then one arena), prepare
every op, invoke without allocating."""

import gc

from .allocator import ACC_CHUNK, Allocator
from .errors import ArenaError, ModelError, UliteError, UnsupportedOpError
from .loops import NAMES as LOOP_BACKENDS
from .loops import backend
from .model import Model, check_model_type, in_op, op_name


class Interpreter:
    """Runs subgraph 0 of a .tflite model held in `model` (bytes, bytearray or memoryview).

    The model buffer is used in place: weights are never copied, so a model frozen into
    flash costs no heap. All activations live in one arena: `arena_size=None` allocates
    exactly what the plan needs, a larger size is allowed, a smaller one raises ArenaError.
    `arena` may be a caller-owned bytearray to reuse. `loops` picks a loop backend by name
    ("thumb", "viper" or "plain"); the default is the fastest this port can run.
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
        allocator = Allocator(m, progress)
        if allocator.unsupported:
            raise UnsupportedOpError("unsupported ops: " + ", ".join(allocator.unsupported))
        progress.stage = "planning the arena"
        plan = allocator.plan()
        self.planned_bytes = plan.planned_bytes
        self.activation_bytes = plan.activation_bytes
        self.persistent_bytes = plan.persistent_bytes
        self.arena_used = progress.arena_bytes = plan.arena_bytes
        progress.stage = "allocating the arena"
        self.arena = self._allocate(arena_size, arena)
        progress.stage = "loading the loop backend"
        self.loops = backend(loops)  # imported after the arena: its code does not split the heap
        view = memoryview(self.arena)
        tensor_offsets = plan.tensor_offsets

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

        context = Context(self.loops, bytearray(4 * ACC_CHUNK))
        kernels = allocator.kernels
        self._fns = [None] * len(kernels)  # op i runs as _fns[i](_args[i])
        self._args = [None] * len(kernels)
        tail = plan.planned_bytes  # each op's own tables, in op order
        state_at = tail + sum(allocator.persistent_bytes)  # then each op's state
        shared_at = state_at + sum(allocator.state_bytes)  # then the int32 values ops share
        self._states = []
        for i, kernel in enumerate(kernels):
            progress.stage = "preparing op %d" % i
            op = m.operator(i, tensor)  # tensors made per op and dropped: a small peak heap
            context.scratch = context.state = context.ints = None
            scratch = allocator.scratch_bytes[i]
            if scratch:
                at = plan.scratch_offsets[i]
                context.scratch = view[at : at + scratch]
            persistent = allocator.persistent_bytes[i]
            context.persistent = view[tail : tail + persistent]
            tail += persistent
            state = allocator.state_bytes[i]
            if state:
                context.state = view[state_at : state_at + state]
                self._states.append(context.state)
                state_at += state
            ints = allocator.int_spans[i]
            if ints:
                context.ints = view[shared_at + ints[0] : shared_at + ints[0] + ints[1]]
            _check_views(op)
            try:
                self._fns[i], self._args[i] = kernel.prepare(op, context)
            except ModelError as e:
                raise in_op(op, e)
            # Collect each op's garbage (parsed tensors, derivations) while it is young, so
            # what stays packs together instead of dotting the heap between big free blocks.
            gc.collect()
        self._inputs = [tensor(i) for i in m.inputs]
        self._outputs = [tensor(i) for i in m.outputs]
        self._variables = [tensor(i) for i in plan.variables]
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
        """Forget what earlier invokes left behind, as TFLM's Reset does: variable tensors
        (an SVDF's or LSTM's state in the model) back to their zero point, and the state
        ops keep in the arena (e.g. a noise estimate) back to zeros."""
        for t in self._variables:
            fill = t.zero_point & 0xFF if t.dtype == "int8" else 0
            for i in range(t.nbytes):
                t.data[i] = fill
        for state in self._states:
            for i in range(len(state)):
                state[i] = 0

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


class Context:
    """What prepare(op, context) gets besides the graph node: memoryviews of the arena
    bytes the op's check asked for (scratch, persistent, state, ints; None where it asked
    for none), the loop backend, and the int32 accumulators every op shares (ACC_CHUNK of
    them). One object serves every op in turn: kernels keep the views, never the context.
    """

    def __init__(self, loops, acc):
        self.loops = loops
        self.acc = acc
        self.scratch = None
        self.persistent = None
        self.state = None
        self.ints = None


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
    allocator = Allocator(m, progress)
    progress.stage = "planning the arena"
    arena = allocator.plan().arena_bytes

    def io(indices):
        return [(t.name, t.shape, t.dtype, t.scale, t.zero_point) for t in (m.tensor(i) for i in indices)]

    return {
        "inputs": io(m.inputs),
        "outputs": io(m.outputs),
        "ops": [(name, counts[name]) for name in order],
        "unsupported": allocator.unsupported,
        "arena_bytes": arena,
        "model_bytes": m.fb.size,
    }
