"""The arena's allocator (TFLM's MicroAllocator): the kernel of every op, what each op's
check() asks of the arena, and the memory plan that places activations, scratch and
tables in one arena.

    allocator = Allocator(model)   # resolve and check every op, collect their requests
    plan = allocator.plan()        # where every tensor and scratch buffer lives

The arena holds the planned part (activations and kernels' scratch, placed by lifetime),
then each op's own tables in op order, then the int32 values ops share, then each op's
state in op order. Requests are kept as flat per-op lists. `memory_plan(model)` is the
plan of a model's bytes: what tests and tools read.
"""

import gc
import struct

from . import planner
from .errors import ModelError, UnsupportedOpError
from .model import Model, in_op
from .plan import Plan
from .resolver import kernel_for
from .tensor import MAX_TENSOR_BYTES

# What TFLM's arena holds beside the activations at the least, as its
# RecordingMicroAllocator counts on the host (docs/DESIGN.md): a TfLiteEvalTensor per
# tensor, a NodeAndRegistration per op, the tables kernels tell of (tflm_tables), and more
# than this much besides.
TFLM_EVAL_TENSOR_BYTES = 24
TFLM_NODE_BYTES = 64
TFLM_FIXED_BYTES = 512


class Allocator:
    """Resolves and checks every op of `model` (a Model): kernels[i] runs op i (None when
    ulite has none), unsupported describes every op ulite cannot run. `progress.stage`,
    when given, follows the ops. keep_tensors False: each op's tensors are let go once it
    is checked (read again when needed), so they do not stay spread over the heap.

    Kernels' check(op, requests) get the allocator as `requests` and ask for arena bytes
    (TFLM's RequestScratchBufferInArena and AllocatePersistentBuffer), kept per op i:
    scratch_bytes[i] (live only while the op runs), scratch_spare[i] (how much of that it
    can run without, slower: the plan may grant less), persistent_bytes[i] (its own tables),
    tflm_table_bytes (the tables TFLM's kernels keep, all ops together), tflm_scratch_bytes[i]
    (the scratch TFLM's kernel for op i plans beside the activations),
    state_bytes[i] (what it keeps from one invoke to the next), int_offsets[i] and
    int_bytes[i] (where its int32 values are among the shared ones: -1 and 0 for none).

    What outlives the checks is allocated before them (the kernel modules, per-op lists of
    ints) and what the plan keeps right after a collection, so that on a board the checks'
    garbage leaves the arena one piece of heap.
    """

    def __init__(self, model, progress=None, keep_tensors=True):
        self.model = m = model
        for i in m.inputs:
            t = m.tensor(i)
            if t.is_constant:
                raise ModelError("graph input tensor %d '%s' is a constant" % (i, t.name))
        ops = m.op_count
        self.kernels = [None] * ops
        self.unsupported = []
        self.scratch_bytes = [0] * ops
        self.scratch_spare = [0] * ops
        self.persistent_bytes = [0] * ops
        self.state_bytes = [0] * ops
        self.int_offsets = [-1] * ops
        self.int_bytes = [0] * ops
        self.tflm_table_bytes = 0
        self.tflm_scratch_bytes = [0] * ops
        self.shared_bytes = 0  # bytes of the int32 values ops share
        self._shared = {}  # the int32 values asked for -> their offset among the shared ones
        self._ops_io = []  # (input indices, output indices) per op, for the lifetimes
        for code, custom_name in m.opcodes:
            kernel_for(code, custom_name)
        for i in range(ops):
            if progress is not None:
                progress.stage = ("checking op %d", i)
            self.index = i
            self.op = op = m.operator(i)
            kernel = kernel_for(op.code, op.custom_name)
            reason = None
            if kernel is None:
                reason = op.name + (" (hybrid: float32 activations with int8 weights)" if _hybrid(op) else "")
            else:
                try:
                    kernel.check(op, self)
                except UnsupportedOpError as e:
                    reason = "%s (%s)" % (op.name, e)
                except ModelError as e:
                    raise in_op(op, e)
            if reason and reason not in self.unsupported:
                self.unsupported.append(reason)
            self.kernels[i] = kernel
            ins = [t.index if t else -1 for t in op.inputs]
            self._ops_io.append((ins, [t.index for t in op.outputs]))
            if not keep_tensors:  # (a board's heap: no small objects left all over it)
                m.release_op(i)
        self.op = self._shared = None

    def scratch(self, nbytes, least=None):
        """Ask for arena bytes usable only while this op runs, planned with the activations.
        least: the op also runs (slower) with fewer, down to `least`, and its prepare() then
        fits itself to the length of context.scratch."""
        nbytes = self._request(nbytes, "scratch")
        self.scratch_bytes[self.index] += nbytes
        if least is not None:
            self.scratch_spare[self.index] += nbytes - self._request(least, "scratch")

    def persistent(self, nbytes):
        """Ask for arena bytes for this op's precomputed tables."""
        self.persistent_bytes[self.index] += self._request(nbytes, "persistent")

    def tflm_tables(self, nbytes):
        """Tell the plan how many bytes TFLM's kernel for this op keeps in its arena (its
        per-channel multipliers and shifts): the scratch that ulite's kernels ask for is
        cut only where the arena would otherwise be larger than TFLM's."""
        self.tflm_table_bytes += nbytes

    def tflm_scratch(self, nbytes):
        """Tell the plan how many bytes of scratch TFLM's kernel for this op plans in its
        arena while the op runs (RequestScratchBufferInArena): TFLM's arena is at least
        the peak of its activations and that scratch."""
        self.tflm_scratch_bytes[self.index] += nbytes

    def state(self, nbytes):
        """Ask for arena bytes this op keeps across invokes (TFLM keeps such state in a
        persistent buffer, e.g. a noise estimate): zeroed at construction and by
        Interpreter.reset(), never planned over."""
        self.state_bytes[self.index] += self._request(nbytes, "state")

    def ints(self, values):
        """Ask for int32 `values` (a loop's geometry) to be kept in the arena for the
        interpreter's life. Ops asking for equal values share one copy (a model's repeated
        layers), which prepare() writes with kernels.common.keep_ints(context, values)."""
        key = struct.pack("<%di" % len(values), *values)
        offset = self._shared.get(key)
        if offset is None:
            offset = self._shared[key] = self.shared_bytes
            self.shared_bytes += len(key)
        self.int_offsets[self.index] = offset
        self.int_bytes[self.index] = len(key)

    def _request(self, nbytes, kind):
        if not 0 <= nbytes <= MAX_TENSOR_BYTES:
            raise ModelError("%s: %d %s bytes requested" % (self.op.where(), nbytes, kind))
        return (nbytes + 3) & ~3

    def plan(self, activations_alone=True):
        """The memory plan (a Plan): TFLM's lifetimes and greedy placement (planner.py),
        honouring the model's OfflineMemoryAllocation metadata. Once: it lets go of the
        ops' tensor lists it plans from, lowers scratch_bytes to what it grants and keeps
        tensor_bytes (each activation's bytes).
        activations_alone: also plan the activations without the ops' scratch, for
        plan.activation_bytes (else None: construction does not need the figure)."""
        m = self.model
        scratch_bytes = self.scratch_bytes
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

        self.tensor_bytes = nbytes
        ops_io = self._ops_io
        self._ops_io = None
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
        scratch_ops = [i for i, n in enumerate(scratch_bytes) if n]
        activation_bytes = None
        if scratch_ops and activations_alone:
            activation_bytes = planner.plan(sizes, firsts, lasts, fixed)[1]
        least = list(sizes)
        for i in scratch_ops:
            sizes.append(scratch_bytes[i])
            least.append(scratch_bytes[i] - self.scratch_spare[i])
            firsts.append(i + 1)
            lasts.append(i + 1)
            fixed.append(-1)
        room = None
        if scratch_ops:
            copies = self._shared_by_shrinkable(scratch_ops)
            n = len(planned)
            room = self._tflm_least(sizes[:n], firsts[:n], lasts[:n]) - self._persistent() - copies
        offsets, total, granted = planner.plan_shrinking(sizes, least, firsts, lasts, fixed, room)
        if activations_alone and not scratch_ops:
            activation_bytes = total
        for i, nbytes in zip(scratch_ops, granted[len(planned) :]):
            if nbytes < scratch_bytes[i]:  # (in place: a new list would split the heap)
                scratch_bytes[i] = nbytes
                self._own_ints(i)
        persistent_bytes = self._persistent()
        gc.collect()  # what the plan keeps goes into the lowest free heap, under the garbage
        tensor_offsets = [-1] * count
        for i, offset in zip(planned, offsets):
            tensor_offsets[i] = offset
        scratch_offsets = [-1] * len(scratch_bytes)
        for i, offset in zip(scratch_ops, offsets[len(planned) :]):
            scratch_offsets[i] = offset
        requests = (
            scratch_bytes, self.persistent_bytes, self.int_offsets, self.int_bytes,
            self.shared_bytes, self.state_bytes,
        )  # fmt: skip
        return Plan(
            m, tensor_offsets, scratch_offsets, total, activation_bytes, persistent_bytes,
            list(variables), requests,
        )  # fmt: skip

    def _shared_by_shrinkable(self, scratch_ops):
        """Bytes of the shared ints of ops whose scratch may be cut: each such op needs its
        own copy if it is (_own_ints)."""
        users = {}
        for at in self.int_offsets:
            users[at] = users.get(at, 0) + 1
        return sum(
            [self.int_bytes[i] for i in scratch_ops if self.scratch_spare[i] and users[self.int_offsets[i]] > 1]
        )

    def _persistent(self):
        """Bytes of the arena beside the planned part: tables, shared ints, state."""
        return sum(self.persistent_bytes) + self.shared_bytes + sum(self.state_bytes)

    def _tflm_least(self, sizes, firsts, lasts):
        """The least TFLM's whole arena can be for this model, whose activations have
        `sizes` and lifetimes: no plan of them and TFLM's kernels' scratch is below the
        peak of both, and the rest is what TFLM allocates beside them at the least."""
        for i, nbytes in enumerate(self.tflm_scratch_bytes):
            if nbytes:
                sizes.append(nbytes)
                firsts.append(i + 1)
                lasts.append(i + 1)
        m = self.model
        return (
            planner.peak(sizes, firsts, lasts) + TFLM_FIXED_BYTES
            + TFLM_EVAL_TENSOR_BYTES * m.tensor_count + TFLM_NODE_BYTES * m.op_count
            + self.tflm_table_bytes
        )  # fmt: skip

    def _own_ints(self, i):
        """Give op i, granted less scratch than it asked for, its own copy of the int32
        values it shares with other ops: it fits them (its geometry) to that scratch."""
        at = self.int_offsets[i]
        if at >= 0 and self.int_offsets.count(at) > 1:
            self.int_offsets[i] = self.shared_bytes
            self.shared_bytes += self.int_bytes[i]


def memory_plan(model):
    """The Plan of a model's bytes, without allocating its arena (unsupported ops count
    with what they requested before they were refused)."""
    return Allocator(Model(model)).plan()


def _hybrid(op):
    """Float activations computed with int8 constant weights: TFLM refuses these too."""
    floats = any(t is not None and t.dtype == "float32" for t in op.inputs + op.outputs)
    weights = any(t is not None and t.dtype == "int8" and t.is_constant for t in op.inputs)
    return floats and weights
