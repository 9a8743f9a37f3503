"""The interpreter: construct (the allocator checks and plans, then one arena), prepare
every op, invoke without allocating."""

import gc
import sys

from . import prepared
from .errors import ArenaError, ModelError, UliteError, UnsupportedOpError
from .flatbuf import describe as describe_stage
from .loops import backend
from .model import Model, check_model_type, in_op, op_name
from .resolver import kernel_for


ACC_CHUNK = 64  # int32 accumulators kernels requantize at a time (one buffer, shared)
# Free heap from which a construction trades heap for speed (a host, a board with PSRAM);
# a Pico-class board's whole heap is below it.
_ROOMY_HEAP = 512 * 1024


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
        progress = _Progress("choosing the loops")
        try:
            self.loops = backend(loops)  # its functions load as ops ask for them
        except MemoryError:
            raise ArenaError(_out_of_memory(progress))
        progress.stage = "reading the model"
        try:
            self._build(model, arena_size, arena, progress)
        except UliteError:
            raise
        except MemoryError:
            self.model = self.arena = self._fns = self._args = None  # free it, then report
            raise ArenaError(_out_of_memory(progress))
        except Exception as e:  # a bug in ulite: name the op, never pass a raw exception on
            raise ModelError(_unexpected(progress, e))

    def _build(self, model, arena_size, arena, progress):
        self.model = m = Model(model)
        progress.stage = "reading the precomputed plan"
        plan, why_not = prepared.read(m)
        # True: the plan and tables came from the model (convert); else why not (None: the
        # model has no precomputed entry)
        self.precomputed = True if plan else why_not
        roomy = False
        if not plan:
            from .allocator import Allocator  # (a model convert prepared never loads it)

            progress.stage = "checking ops"
            # With heap to spare, the tensors the checks read stay for the deriving pass,
            # which would read them all again, and the kernels stay loaded for the next
            # construction; on a board's heap each op's tensors go once checked.
            roomy = _mem_free() >= _ROOMY_HEAP
            allocator = Allocator(m, progress, roomy)
            if allocator.unsupported:
                raise UnsupportedOpError("unsupported ops: " + ", ".join(allocator.unsupported))
            progress.stage = "planning the arena"
            plan = allocator.plan(activations_alone=False)
            kernels, tensor_bytes = allocator.kernels, allocator.tensor_bytes
            allocator = None
            if not roomy:
                m.release()  # those the plan read: the arena should find the heap clear
        self.planned_bytes = plan.planned_bytes
        self._activation_bytes = plan.activation_bytes  # None: planned when asked for
        self.persistent_bytes = plan.persistent_bytes
        self.arena_used = progress.arena_bytes = plan.arena_bytes
        progress.stage = "allocating the arena"
        self.arena = self._allocate(arena_size, arena)
        view = memoryview(self.arena)
        m.move_rows(view[: plan.planned_bytes])
        views = [None] * m.tensor_count  # one view per activation, shared by its ops
        offsets = plan.tensor_offsets
        empty = view[0:0]  # what empty activations get: a view, like every other tensor
        if self.precomputed is not True:
            # made at once, they lie together: the deriving pass leaves no small object
            # kept between the loops' machine code (a board's heap would not hold them)
            for i in range(m.tensor_count):
                at = offsets[i]
                if at >= 0:
                    views[i] = view[at : at + tensor_bytes[i]]

        def place(t):  # called by the model on each tensor it reads from now on
            i = t.index
            at = offsets[i]
            if at >= 0 or (t.data is None and t.nbytes == 0):  # state tensors too
                if views[i] is None:
                    views[i] = view[at : at + t.nbytes] if at >= 0 else empty
                t.data = views[i]

        m.use_arena(place)
        context = Context(self.loops, bytearray(4 * ACC_CHUNK))
        calls = None  # each op's (fn, args) as convert recorded it; None: its kernel's
        if self.precomputed is True:
            progress.stage = "loading the loops"
            tables = plan.tables
            view[plan.planned_bytes : plan.planned_bytes + len(tables)] = tables
            for name in plan.loops:  # machine code: blocks in one piece, found before the ops'
                getattr(self.loops, name)
            calls = [None] * m.op_count
            if plan.calls[1]:
                from .calls import recorded

                progress.stage = "reading the recorded calls"
                calls = recorded(plan, view, m, self.loops)
            kernels = [None if calls[i] else kernel_for(*m.op_code(i)) for i in range(m.op_count)]
        else:
            # Derive the tables first, then prepare as from a precomputed plan: the
            # derivations' garbage gone and the loops loaded together, as a plan's are.
            context.loops = deferred = _DeferredLoops(self.loops)
            self._prepare(m, plan, kernels, context, view, progress, keep_tensors=roomy)
            context.loops = self.loops
            gc.collect()
            progress.stage = "loading the loops"
            for name in deferred.names:
                getattr(self.loops, name)
            deferred = None
        context.precomputed = True
        self._prepare(m, plan, kernels, context, view, progress, calls)
        self._inputs = [m.tensor(i) for i in m.inputs]
        self._outputs = [m.tensor(i) for i in m.outputs]
        self._variables = [m.tensor(i) for i in plan.variables]
        m.place = None
        m.release(rows=True)
        progress.stage = "resetting state tensors"
        self.reset()
        if not roomy:
            _unload_construction_modules()

    def _prepare(self, m, plan, kernels, context, view, progress, calls=None, keep_tensors=False):
        """Prepare every op, its tables derived unless context.precomputed (a deriving
        pass: it keeps nothing, and the ops' tensors only if `keep_tensors`); an op whose
        kernel is None runs the call recorded in `calls`."""
        self._fns = [None] * len(kernels)  # op i runs as _fns[i](_args[i])
        self._args = [None] * len(kernels)
        tail = plan.planned_bytes  # each op's own tables, in op order, then the shared ints
        shared_at = tail + sum(plan.table_bytes)
        state_at = shared_at + plan.shared_bytes  # then each op's state, in op order
        self._states = []
        for i, kernel in enumerate(kernels):
            progress.stage = ("preparing op %d", i)
            state = plan.state_bytes[i]
            context.state = view[state_at : state_at + state] if state else None
            if state:
                self._states.append(context.state)
                state_at += state
            tables = plan.table_bytes[i]
            tail += tables
            if kernel is None:
                self._fns[i], self._args[i] = calls[i]
                continue
            op = m.operator(i)
            scratch = plan.scratch_bytes[i]
            at = plan.scratch_offsets[i]
            context.scratch = view[at : at + scratch] if scratch else None
            context.persistent = view[tail - tables : tail]
            ints = plan.int_offsets[i]  # -1: none
            at = shared_at + ints
            context.ints = view[at : at + plan.int_bytes[i]] if ints >= 0 else None
            _check_views(op)
            try:
                prepared_op = kernel.prepare(op, context)
            except ModelError as e:
                raise in_op(op, e)
            if context.precomputed:  # (a deriving pass keeps nothing: its loops pack together)
                self._fns[i], self._args[i] = prepared_op
            prepared_op = None
            if context.precomputed or not keep_tensors:
                m.release_op(i)

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
        size = needed if arena_size is None else arena_size
        try:
            return bytearray(size)  # MicroPython collects the garbage and retries once first
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
    def activation_bytes(self):
        """What the activations alone need: the figure TFLM's planned head compares with."""
        if self._activation_bytes is None:
            from .allocator import memory_plan

            self._activation_bytes = memory_plan(self.model.bytes).activation_bytes
        return self._activation_bytes

    @property
    def inputs(self):
        return len(self._inputs)

    @property
    def outputs(self):
        return len(self._outputs)

    def predict(self, values):
        """Input 0 set from real values (Tensor.set_floats), one invoke, output 0's real
        values (Tensor.floats: a new array('f'))."""
        self._io(self._inputs, 0, "input").set_floats(values)
        self.invoke()
        return self._io(self._outputs, 0, "output").floats()

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


class _DeferredLoops:
    """The loop backend as a deriving pass sees it: the names of the functions kernels ask
    for are kept, and a function loads only when a derivation calls it. The rest load after
    the pass, together: loaded among the pass's garbage, each family's machine code stayed
    in a piece of heap of its own, and a board's heap had none left for the last ones."""

    def __init__(self, loops):
        self.loops = loops
        self.names = []

    def __getattr__(self, name):
        if name not in self.names:
            self.names.append(name)
        loops = self.loops
        return lambda *args: getattr(loops, name)(*args)


class Context:
    """What prepare(op, context) gets besides the graph node: memoryviews of the arena
    bytes the op's check asked for (scratch, persistent, state, ints; None where it asked
    for none), the loop backend, and the int32 accumulators every op shares (ACC_CHUNK of
    them). One object serves every op in turn: kernels keep the views, never the context.
    """

    def __init__(self, loops, acc):
        self.loops = loops
        self.acc = acc
        self.precomputed = False
        self.scratch = None
        self.persistent = None
        self.state = None
        self.ints = None


class _Progress:
    """What construction is doing, for the message of an error that interrupts it: `stage`
    is text, or (format, value) formatted only for a message."""

    def __init__(self, stage="reading the model"):
        self.stage = stage
        self.arena_bytes = None


# Modules only construction runs (the kernels' check and prepare, the allocator and
# planner, the derivations): unloaded once an interpreter is built, so their heap returns
# (functions invoke still calls keep what they use); the next construction imports them.
# By their names below ulite (and what is below them).
_CONSTRUCTION_ONLY = {
    "kernels", "allocator", "planner", "quant", "views", "fxp_ops", "broadcast", "flexbuffer",
    "calls",
}  # fmt: skip


def _unload_construction_modules():
    for name in list(sys.modules):
        if name.startswith("ulite.") and name.split(".")[1] in _CONSTRUCTION_ONLY:
            del sys.modules[name]
            parent, _, child = name.rpartition(".")
            if getattr(sys.modules.get(parent), child, None) is not None:
                delattr(sys.modules[parent], child)


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
    return "out of memory while %s: %d bytes of heap are free%s" % (describe_stage(progress.stage), free, plan)


def _unexpected(progress, error):
    return "unexpected %s while %s: %s" % (type(error).__name__, describe_stage(progress.stage), error)


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
    from .allocator import Allocator

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
