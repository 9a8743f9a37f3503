# Runs on a board, sent over the raw REPL by `python -m host_tools run`: load a model module
# and run it through ulite's public API. Names start with _ul_ (the user's REPL globals).
import binascii
import gc
import time

_UL_CHUNK = 192  # output bytes per base64 line: a loaded model leaves small blocks free


def _ul_load(name):
    global _ul_interp
    module = __import__(name)
    gc.collect()
    # the arena first, while the heap is in one piece; then ulite's modules around it
    arena = bytearray(module.ARENA_BYTES)
    import ulite

    _ul_interp = ulite.Interpreter(module.MODEL, arena=arena)
    tensors = [_ul_interp.input(i) for i in range(_ul_interp.inputs)]
    outputs = [_ul_interp.output(j) for j in range(_ul_interp.outputs)]
    gc.collect()
    print(
        repr(
            {
                "inputs": [(t.shape, t.dtype) for t in tensors],
                "outputs": [(t.shape, t.dtype, t.scale, t.zero_point) for t in outputs],
                "arena_bytes": _ul_interp.arena_used,
                "heap_free": gc.mem_free(),
            }
        )
    )


def _ul_fill(index, offset, text):
    # Straight into the input tensor's bytes in the arena: no second copy of the input.
    data = binascii.a2b_base64(text)
    _ul_interp.input(index).data[offset : offset + len(data)] = data


def _ul_invoke():
    gc.collect()
    start = time.ticks_us()
    _ul_interp.invoke()
    print(time.ticks_diff(time.ticks_us(), start))


def _ul_output(index):
    data = _ul_interp.output(index).data
    for offset in range(0, len(data), _UL_CHUNK):
        print(binascii.b2a_base64(data[offset : offset + _UL_CHUNK]).decode().strip())
