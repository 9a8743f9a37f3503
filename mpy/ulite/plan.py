"""The memory plan of a model: where its arena holds what, and what each op asked of it.

Made by the allocator (allocator.Allocator.plan) or read from the model when convert
precomputed it (prepared.read). The arena holds the planned part (activations and
kernels' scratch, placed by lifetime), then each op's own tables in op order, then the
int32 values ops share, then each op's state in op order (zeroed by Interpreter.reset).
"""


class Plan:
    """tensor_offsets[t] (-1: not in the planned part), scratch_offsets[i] of op i (-1:
    none), planned_bytes (activations and scratch), activation_bytes (what the activations
    alone would need: the figure TFLM's planned head is compared with), persistent_bytes
    (the tables, shared ints and ops' state after them), arena_bytes, variables (the state
    tensors).

    requests = (scratch_bytes, table_bytes, int_offsets, int_bytes, shared_bytes,
    state_bytes): per op i, the scratch bytes it asked for (live while it runs), the bytes
    of its own tables, the offset and bytes of its int32 values among the shared ones (-1
    and 0: none) and the bytes it keeps across invokes; shared_bytes is the size of the
    shared int32 values."""

    def __init__(
        self, model, tensor_offsets, scratch_offsets, planned_bytes, activation_bytes,
        persistent_bytes, variables, requests,
    ):  # fmt: skip
        self.model = model
        self.tensor_offsets = tensor_offsets
        self.scratch_offsets = scratch_offsets
        self.planned_bytes = planned_bytes
        self.activation_bytes = activation_bytes
        self.persistent_bytes = persistent_bytes
        self.arena_bytes = planned_bytes + persistent_bytes
        self.variables = variables
        (
            self.scratch_bytes, self.table_bytes, self.int_offsets, self.int_bytes, self.shared_bytes,
            self.state_bytes,
        ) = requests

    def tensors(self):
        """{tensor index: (arena offset, bytes)} of every tensor in the planned part."""
        placed = {}
        for i, offset in enumerate(self.tensor_offsets):
            if offset >= 0:
                placed[i] = (offset, self.model.tensor(i).nbytes)
        return placed
