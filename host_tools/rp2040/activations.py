"""How many of each op's outputs sit on a fused ReLU's floor, from TFLM on given inputs.

requant's cost depends on it: with a fused ReLU (or an output zero point of -128), an
accumulator <= 0 gives the floor without the multiply (asm.py), and the share of such
outputs ranges from a fifth to nearly all across the corpus's layers. TFLM's interpreter
runs the model with every op's output made a graph output, so that none is overwritten.
"""

import flatbuffers
import numpy as np
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from . import layers


def _every_output_kept(model_bytes):
    model = schema.ModelT.InitFromPackedBuf(model_bytes, 0)
    graph = model.subgraphs[0]
    produced = [int(i) for op in graph.operators for i in op.outputs]
    graph.outputs = list(graph.outputs) + [i for i in produced if i not in list(graph.outputs)]
    builder = flatbuffers.Builder(len(model_bytes) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), list(graph.outputs)


def floor_fractions(model_bytes, inputs):
    """Per op: the fraction of its int8 outputs at the floor of a clamp at zero (None for
    ops whose outputs have no such floor)."""
    from tflite_micro.python.tflite_micro import runtime

    kept, outputs = _every_output_kept(model_bytes)
    interp = runtime.Interpreter.from_bytes(kept, arena_size=16 << 20)
    for i, x in enumerate(inputs):
        interp.set_input(x, i)
    interp.invoke()
    graph = schema.Model.GetRootAsModel(model_bytes, 0).Subgraphs(0)
    fractions = []
    for i, layer in enumerate(layers.read(model_bytes)):
        out = layer.outputs[0]
        if out.dtype != "int8" or not layer.clamps_at_zero():
            fractions.append(None)
            continue
        values = np.asarray(interp.get_output(outputs.index(int(graph.Operators(i).Outputs(0)))))
        fractions.append(float(np.mean(values <= out.zero_point)))
    return fractions
