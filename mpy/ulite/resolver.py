"""Which kernel module runs each builtin operator, and each custom operator by its name.

A kernel module (ulite/kernels/NAME.py) provides:
- check(op, requests): validate the op (a model.Operator: its tensors and options), raise
  UnsupportedOpError naming any variant it cannot run (dtype combinations, options), and
  ask for arena bytes: requests.scratch(n) (live only during the op, planned with the
  activations), requests.persistent(n) (precomputed tables), requests.ints(values) (a
  loop's int32 geometry, shared by ops asking for equal values).
  An op that keeps state from one invoke to the next asks requests.state(n): arena bytes
  zeroed at construction and by Interpreter.reset() (state in the model's own variable
  tensors needs nothing: they are planned to live across invokes and reset too).
- prepare(op, context): once the arena exists (context.scratch, .persistent, .state and
  .ints are memoryviews of what check asked for; context.loops is the loop backend,
  context.acc the shared int32 accumulators), compute every constant and return (fn,
  args); invoke calls fn(args), which must not allocate. Loop functions are loaded when
  first asked for (context.loops.NAME), so prepare asks for every one invoke calls and
  passes them in args (never context.loops itself). The op's tables (what it writes into
  context.persistent: multipliers, lookup tables, reordered weights) are derived by one
  function that prepare calls only when context.precomputed is False: `convert` runs
  prepare on the host and stores the tables in the model (ulite.prepared), so a board
  skips the derivation. State is never stored: a board zeroes it.
Modules are imported on first use, so a model only pays RAM for the kernels it uses.

Adding an op touches these places (tests/test_adding_an_op.py names any one missed):
1. KERNELS below: `code: "module",  # NAME`, with the schema's code and name; a custom op
   (code CUSTOM, TFLM's Signal library for one) goes into CUSTOM_KERNELS by its name.
2. kernels/MODULE.py: check and prepare as above. Geometry arrays and argument tuples the
   loops read get named fields in ulite/layouts/ (restated where indexed: see there), and
   new inner loops go into every loop backend (ulite.loops.FUNCTIONS). A custom op reads
   its options with op.custom_options() (a FlexBuffers map: ulite/flexbuffer.py).
3. model.OPTIONS_TYPES: every BuiltinOptions table the kernel reads, with its schema id.
4. opnames: the op's name at its code (already there for every op of the schema it lists).
5. README.md, "Supported ops": a row with the dtypes and the tests that compare with TFLM.
6. tests/fuzz_graphs.py MAKERS: a maker building a plausible op (a custom op's by its
   name), so the fuzzer covers it.
7. package.json, for a new module: `python -m host_tools build-runtime --board virtual
   --package-json`.
8. The RP2040 estimator (host_tools/rp2040/estimate.py), if the op runs Thumb glue around
   the assembler kernels: plan its kernel calls, and measure its glue on the ARM board
   (`python -m host_tools.rp2040.calibrate` prints the OTHER table).
"""

# builtin code: kernel module name (in ulite.kernels)
KERNELS = {
    0: "add",  # ADD
    1: "pooling",  # AVERAGE_POOL_2D
    2: "concatenation",  # CONCATENATION
    3: "conv",  # CONV_2D
    4: "depthwise_conv",  # DEPTHWISE_CONV_2D
    6: "quantize",  # DEQUANTIZE
    9: "fully_connected",  # FULLY_CONNECTED
    14: "logistic_tanh",  # LOGISTIC
    17: "pooling",  # MAX_POOL_2D
    18: "mul",  # MUL
    19: "relu",  # RELU
    21: "relu",  # RELU6
    22: "reshape",  # RESHAPE
    25: "softmax",  # SOFTMAX
    27: "svdf",  # SVDF
    28: "logistic_tanh",  # TANH
    34: "pad",  # PAD
    39: "transpose",  # TRANSPOSE
    40: "mean",  # MEAN
    41: "add",  # SUB
    42: "div",  # DIV
    43: "squeeze",  # SQUEEZE
    44: "lstm",  # UNIDIRECTIONAL_SEQUENCE_LSTM
    45: "strided_slice",  # STRIDED_SLICE
    53: "cast",  # CAST
    55: "maximum_minimum",  # MAXIMUM
    57: "maximum_minimum",  # MINIMUM
    60: "pad",  # PADV2
    67: "transpose_conv",  # TRANSPOSE_CONV
    98: "relu",  # LEAKY_RELU
    114: "quantize",  # QUANTIZE
    117: "hard_swish",  # HARD_SWISH
}


# custom op name (CUSTOM operator codes): kernel module name (in ulite.kernels)
CUSTOM_KERNELS = {
    "SignalWindow": "signal_window",
    "SignalFftAutoScale": "signal_fft_auto_scale",
    "SignalRfft": "signal_rfft",
    "SignalEnergy": "signal_energy",
    "SignalFilterBank": "signal_filter_bank",
    "SignalFilterBankSquareRoot": "signal_filter_bank_square_root",
    "SignalFilterBankSpectralSubtraction": "signal_filter_bank_spectral_subtraction",
    "SignalPCAN": "signal_pcan",
    "SignalFilterBankLog": "signal_filter_bank_log",
}
_CUSTOM = 32  # builtin code of custom ops, resolved by their name


def kernel_for(code, custom_name=None):
    """The kernel module for a builtin code (a custom op's name for code CUSTOM), or None
    when ulite has none."""
    name = CUSTOM_KERNELS.get(custom_name) if code == _CUSTOM else KERNELS.get(code)
    if name is None:
        return None
    return __import__("ulite.kernels." + name, None, None, (name,))
