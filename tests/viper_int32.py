"""Run ulite's viper loops under CPython with a 32-bit board's integers, every result checked.

MicroPython's unix port is 64-bit, so a viper intermediate that leaves the signed 32-bit
range goes unnoticed there and is silently wrong on RP2040 or ESP32. This module loads
`ulite.loops.viper` in CPython with a stand-in `micropython` module whose `viper`
decorator rewrites each function's AST so that its machine-int arithmetic runs through a
`Checker`. Calling the package's functions then computes exactly what a board computes and
records every place where it would not:

- A machine int (viper `int`: literals, `int(...)`, `: int` parameters, loads through
  ptr8/ptr16/ptr32, `range` counters) is a `Word`. Every `+ - * // % << >> & | ^`, unary `-`
  and `~` on words is computed exactly, and a result outside [-2**31, 2**31) is recorded
  (function, file, line, operands, result); `uint` words must stay in [0, 2**32). Shift
  counts must be in 0..31 (larger ones differ between ARM, Xtensa and x86).
- ptr8/ptr16 loads are zero-extended; ptr32 loads give the word's signed value, as on a
  32-bit board, marked "raw". A raw load holding a negative int32 differs between a board
  (negative) and the unix port (2**32 + v), so using it in arithmetic, a comparison, an
  index or a call is recorded; storing it unchanged is fine (same bits everywhere).
  Stores keep the low 8/16/32 bits. Out-of-bounds accesses and stores into read-only
  buffers (no bounds checks in viper) are recorded and stop the run.
- `int(x)` of an object outside int32 is recorded (a board truncates it, the unix port
  does not); integer literals of 2**30 or more are recorded (mpy-cross refuses them).
- The one deliberate wrap-around: `sign = 1 << k` with the value 2**31 is allowed and
  gives the word 0x80000000 marked as the sign constant. The only place it may be used
  is the sign-extension idiom written exactly `(P[i] ^ sign) - sign`, with `P[i]` a raw
  ptr32 load and both operands the same name: the idiom's value is the load's signed
  value (on a 32-bit board it is the identity; it wraps in between, which is its point).
  The sign constant anywhere else, or the idiom on anything but a raw ptr32 load, is
  evaluated strictly and so recorded.
- Calls box words into Python ints (as viper boxes machine ints into objects); a call to
  another function of the package runs its checked version, so requantize is checked
  wherever it is used. Objects (args tuples, memoryviews, `len(...)`) keep Python
  semantics. Syntax the checker does not know raises `Unsupported` when the module loads,
  so a new loop cannot silently escape checking.

To cover a new viper loop, write test vectors (see tests/test_viper_int32.py): a `Vector`
holds named byte buffers and a list of calls `vector.call("function", args...)` whose
arguments are ints, tuples, buffers (`vector.buffer(name, data)`) or slices of them
(`ref.view(start, end)`). `run_checked` runs the calls through the checker; `run_device`
runs the same calls with the real viper (and plain) loops on MicroPython; the test asserts
no violations and identical buffers. Whole models run through the checker with
`Checker.interpreter(model)` (ulite's interpreter in CPython, viper loops checked).
"""

import array
import ast
import builtins
import importlib
import inspect
import json
import operator
import sys
import tempfile
import textwrap
import types
from pathlib import Path

from host_tools import micropython
from host_tools.micropython import reports
from host_tools.paths import DEVICE_DIR, MPY_DIR

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
UINT32_LIMIT = 1 << 32
LITERAL_LIMIT = 1 << 30
PACKAGE = "ulite.loops.viper"
DEVICE_SCRIPT = DEVICE_DIR / "run_viper_calls.py"
_K = "__viper_int32__"  # the name under which checked functions find their Checker


class Unsupported(Exception):
    """The viper source uses a construct the checker cannot check."""


class Stop(Exception):
    """A violation after which the run cannot go on (out-of-bounds access, bad shift)."""


class Word:
    """A viper machine int: its value on a 32-bit board (signed, or unsigned for uint)."""

    __slots__ = ("value", "unsigned", "raw32", "sign", "mem", "base")

    def __init__(self, value, unsigned=False, raw32=False, sign=False, mem=None, base=0):
        self.value = value
        self.unsigned = unsigned
        self.raw32 = raw32  # a ptr32 load, not yet sign-extended by the idiom
        self.sign = sign  # the constant 1 << 31 (the word 0x80000000)
        self.mem = mem  # for an address (int(ptr8(buf)) plus or minus ints): the buffer
        self.base = base  # and the address the checker gave the buffer's first byte

    def __bool__(self):
        return self.value != 0

    def __index__(self):
        return self.value

    def __repr__(self):
        return "Word(%d%s)" % (self.value, ", uint" if self.unsigned else "")


# Fake addresses for int(ptrN(buf)): RAM-like, positive in int32 as on RP2040 and ESP32
# (SRAM at 0x20000000, DRAM at 0x3FFxxxxx), one megabyte apart per buffer.
ADDRESS_BASE = 0x20000000
ADDRESS_STRIDE = 1 << 20


class Ptr:
    """viper's ptr8/ptr16/ptr32 over a buffer, with bounds checked."""

    def __init__(self, bits, buf, root=None):
        self.bits = bits
        self.mem = memoryview(buf).cast("B")
        whole = len(self.mem) - len(self.mem) % (bits // 8)
        self.items = self.mem[:whole].cast({8: "B", 16: "H", 32: "I"}[bits])  # unsigned
        self.count = len(self.items)
        # (buffer, its fake address, this pointer's address) once the address is taken or
        # when made from an address, so int(p) is stable along pointer arithmetic
        self.root = root


def _replaced(module_name):
    return module_name in ("micropython", PACKAGE) or module_name.startswith(PACKAGE + ".")


def load():
    """A Checker whose `.package` is PACKAGE with every viper function checked.

    The package is imported with a stand-in `micropython` module; sys.modules is left as
    it was, so the rest of the process never sees the checked modules."""
    saved = {name: sys.modules.pop(name) for name in list(sys.modules) if _replaced(name)}
    if str(MPY_DIR) not in sys.path:
        sys.path.insert(0, str(MPY_DIR))
    parent_name, _, child = PACKAGE.rpartition(".")
    parent = importlib.import_module(parent_name)
    old_child = parent.__dict__.get(child)
    checker = Checker()
    stub = types.ModuleType("micropython")
    stub.viper = checker.wrap
    stub.native = lambda fn: fn
    stub.const = lambda value: value
    sys.modules["micropython"] = stub
    # viper's type names appear in parameter annotations, which CPython evaluates at def time
    annotation_names = [n for n in _ANNOTATIONS if not hasattr(builtins, n)]
    for name in annotation_names:
        setattr(builtins, name, name)
    try:
        checker.package = importlib.import_module(PACKAGE)
        for name in checker.package.FAMILIES:  # the backend imports its modules lazily
            getattr(checker.package, name)
    finally:
        for name in annotation_names:
            delattr(builtins, name)
        for name in [name for name in sys.modules if _replaced(name)]:
            del sys.modules[name]
        sys.modules.update(saved)
        if old_child is None:
            parent.__dict__.pop(child, None)
        else:
            setattr(parent, child, old_child)
    return checker


class Checker:
    """Checked machine-int semantics; the rewritten viper functions call these methods."""

    def __init__(self):
        self.package = None
        self.violations = {}  # (file, line, kind) -> [count, first message]
        self.frames = []  # (function name, file) of the running checked functions
        self.literals = {}
        self.buffers_addressed = 0

    # -- results ----------------------------------------------------------------------

    def reset(self):
        self.violations = {}

    def report(self):
        """One line per violation site: 'file:line function: message (n times)'."""
        return [
            "%s:%d %s (%d times)" % (path, line, message, count)
            for (path, line, _), (count, message) in sorted(self.violations.items())
        ]

    def record(self, line, kind, message):
        name, path = self.frames[-1] if self.frames else ("?", "?")
        key = (path, line, kind)
        if key in self.violations:
            self.violations[key][0] += 1
        else:
            self.violations[key] = [1, "%s: %s" % (name, message)]

    def stop(self, line, kind, message):
        self.record(line, kind, message)
        raise Stop("%s:%d %s" % (self.frames[-1][1] if self.frames else "?", line, message))

    # -- loading: the `micropython.viper` stand-in ------------------------------------

    def wrap(self, fn):
        lines, first = inspect.getsourcelines(fn)
        path = Path(inspect.getsourcefile(fn)).name
        tree = ast.parse(textwrap.dedent("".join(lines)))
        ast.increment_lineno(tree, first - 1)
        func = tree.body[0]
        params = [(a.arg, _annotation(a, path)) for a in func.args.args]
        if func.args.vararg or func.args.kwarg or func.args.kwonlyargs or func.args.defaults:
            raise Unsupported("%s:%d: only plain positional parameters" % (path, func.lineno))
        body = func.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # docstring
        func.body = [_Rewriter(path).visit(stmt) for stmt in body] or [ast.Pass()]
        func.decorator_list = []
        func.returns = None
        for a in func.args.args:
            a.annotation = None
        module = ast.fix_missing_locations(ast.Module(body=[func], type_ignores=[]))
        namespace = {}
        fn.__globals__[_K] = self
        exec(compile(module, inspect.getsourcefile(fn), "exec"), fn.__globals__, namespace)
        body_fn = namespace[func.name]
        checker = self

        def checked(*args):
            if len(args) != len(params):
                raise TypeError(
                    "%s takes %d arguments, got %d" % (fn.__name__, len(params), len(args))
                )
            checker.frames.append((fn.__name__, path))
            try:
                values = [
                    checker.param(func.lineno, kind, a) for (_, kind), a in zip(params, args)
                ]
                return body_fn(*values)
            finally:
                checker.frames.pop()

        checked.__name__ = fn.__name__
        checked.__doc__ = fn.__doc__
        checked.viper_source = (path, func.lineno)
        return checked

    # -- values crossing between objects and machine ints ------------------------------

    def param(self, line, kind, value):
        if kind is None or kind == "object":
            return value
        if kind in ("ptr8", "ptr16", "ptr32"):
            return self.ptr(line, int(kind[3:]), value)
        if kind == "uint":
            return self.to_uint(line, value)
        if kind == "bool":
            return bool(value)
        return self.to_int(line, value)

    def lit(self, line, value):
        if not -LITERAL_LIMIT <= value < LITERAL_LIMIT:
            self.record(line, "literal", "literal %d is not a small int (>= 2**30)" % value)
        word = self.literals.get(value)
        if word is None:
            word = self.literals[value] = Word(value)  # never changed, so shared
        return word

    def to_int(self, line, x):
        if type(x) is Ptr:  # the address of the pointer's first byte
            if x.root is None:
                base = ADDRESS_BASE + ADDRESS_STRIDE * (self.buffers_addressed % 1024)
                self.buffers_addressed += 1
                x.root = (x.mem, base, base)
            mem, base, address = x.root
            return Word(address, mem=mem, base=base)
        if isinstance(x, Word):
            if x.unsigned and x.value > INT32_MAX:
                self.record(line, "int", "int() of uint %d: negative on a board only" % x.value)
                return Word(x.value - UINT32_LIMIT)
            return x
        if isinstance(x, bool):
            return Word(int(x))
        if isinstance(x, int):
            if not INT32_MIN <= x <= INT32_MAX:
                self.record(line, "int", "int(%d): outside int32, truncated on a board only" % x)
            return Word(x)
        raise Unsupported("int() of %s" % type(x).__name__)

    def to_uint(self, line, x):
        value = self._value(line, x)[0] if isinstance(x, Word) else int(x)
        if not 0 <= value < UINT32_LIMIT:
            self.record(
                line, "uint", "uint(%d): outside uint32, differs between word sizes" % value
            )
        return Word(value % UINT32_LIMIT, unsigned=True)

    def box(self, line, x):
        """A machine int passed to a call or returned: the Python int a board would box."""
        if isinstance(x, Word):
            return self._operand(line, x).value
        return x

    def _operand(self, line, w):
        if w.sign:
            self.record(line, "sign", "1 << 31 used outside the sign-extension idiom")
        elif w.raw32 and w.value < 0:
            self.record(
                line,
                "raw32",
                "ptr32 load of %d used without sign extension (the unix port sees %d)"
                % (w.value, w.value + UINT32_LIMIT),
            )
        return w

    # -- arithmetic -------------------------------------------------------------------

    def binop(self, line, op, a, b):
        if type(a) is not Word and type(b) is not Word:
            return _PY_OPS[op](a, b)  # object arithmetic: Python semantics
        address = getattr(a, "mem", None) is not None or getattr(b, "mem", None) is not None
        if address:
            return self._address_arithmetic(line, op, a, b)
        if op in ("+", "-", "*") and (getattr(a, "raw32", False) or getattr(b, "raw32", False)):
            return self._modular(line, op, a, b)
        x, unsigned = self._value(line, a)
        y, y_unsigned = self._value(line, b)
        if unsigned != y_unsigned:
            raise Unsupported("line %d: %s between int and uint" % (line, op))
        if op == "<<" or op == ">>":
            if not 0 <= y <= 31:
                self.stop(line, "shift", "%d %s %d: shift count outside 0..31" % (x, op, y))
            if op == "<<" and x == 1 and y == 31 and not unsigned:
                return Word(INT32_MIN, sign=True)
        elif (op == "//" or op == "%") and y == 0:
            raise ZeroDivisionError("line %d: %d %s 0" % (line, x, op))
        result = _PY_OPS[op](x, y)
        if unsigned:
            if not 0 <= result < UINT32_LIMIT:
                self.record(line, op, "%d %s %d = %d: outside uint32" % (x, op, y, result))
        elif not INT32_MIN <= result <= INT32_MAX:
            self.record(line, op, "%d %s %d = %d: outside int32" % (x, op, y, result))
        return Word(result, unsigned)

    def _modular(self, line, op, a, b):
        """+ - * on a raw ptr32 load: the low 32 bits are the same whether the load was
        sign- or zero-extended, so the result stays "raw" (fine to store through a pointer,
        flagged where its upper bits would matter); its value on a board is range-checked."""
        x = a.value if type(a) is Word else self._value(line, a)[0]
        y = b.value if type(b) is Word else self._value(line, b)[0]
        for w in (a, b):
            if type(w) is Word and w.sign:
                self._operand(line, w)
        result = _PY_OPS[op](x, y)
        if not INT32_MIN <= result <= INT32_MAX:
            self.record(line, op, "%d %s %d = %d: outside int32" % (x, op, y, result))
        return Word(result, raw32=True)

    def _address_arithmetic(self, line, op, a, b):
        """address +- int is an address in the same buffer; address - address an int;
        address & | ^ int a plain int (alignment tests)."""
        a_mem, b_mem = getattr(a, "mem", None), getattr(b, "mem", None)
        x, y = self._value(line, a)[0], self._value(line, b)[0]
        if op == "-" and a_mem is not None and b_mem is not None:
            return Word(x - y)
        if op in ("&", "|", "^"):  # alignment tests: the fake address is 1 MB aligned
            return Word(_PY_OPS[op](x, y))
        if op == "+" and (a_mem is None) != (b_mem is None) or op == "-" and b_mem is None:
            mem, base = (a.mem, a.base) if a_mem is not None else (b.mem, b.base)
            result = _PY_OPS[op](x, y)
            if not INT32_MIN <= result <= INT32_MAX:
                self.record(line, op, "address %d %s %d = %d: outside int32" % (x, op, y, result))
            return Word(result, mem=mem, base=base)
        raise Unsupported("line %d: %s on addresses" % (line, op))

    def _value(self, line, x):
        """(value, unsigned) of an operand next to a machine int."""
        if type(x) is Word:
            if x.sign or x.raw32:
                self._operand(line, x)
            return x.value, x.unsigned
        if isinstance(x, int):  # a const() name or an object int: adopts the word type
            if not INT32_MIN <= x <= INT32_MAX:
                self.record(line, "int", "%d next to a machine int: outside int32" % x)
            return int(x), False
        raise Unsupported(
            "line %d: arithmetic between a machine int and %s" % (line, type(x).__name__)
        )

    def sign_extend(self, line, loaded, sign):
        """`(loaded ^ sign) - sign` with sign = 1 << 31: sign-extends a ptr32 load (or a
        value derived from one by + - *); on any other int32 value it is the identity on
        both word sizes. Anything else is checked strictly."""
        if isinstance(loaded, Word) and isinstance(sign, Word) and sign.sign and not loaded.sign:
            return Word(loaded.value)
        return self.binop(line, "-", self.binop(line, "^", loaded, sign), sign)

    def neg(self, line, a):
        return self.binop(line, "-", Word(0, unsigned=getattr(a, "unsigned", False)), a)

    def invert(self, line, a):
        if not isinstance(a, Word):
            return ~a
        a = self._operand(line, a)
        if a.unsigned:
            return Word(a.value ^ (UINT32_LIMIT - 1), unsigned=True)
        return Word(~a.value)

    def compare(self, line, op, a, b):
        if type(a) is Word or type(b) is Word:
            a, unsigned = self._value(line, a)
            b, b_unsigned = self._value(line, b)
            if unsigned != b_unsigned:
                raise Unsupported("line %d: comparison between int and uint" % line)
        return _PY_CMP[op](a, b)

    def chain(self, line, left, ops, rights):
        """A comparison chain `a < b <= c` with lazily evaluated right-hand sides."""
        for op, right in zip(ops, rights):
            value = right()
            if not self.compare(line, op, left, value):
                return False
            left = value
        return True

    # -- pointers, builtins, calls -----------------------------------------------------

    def ptr(self, line, bits, buf):
        if isinstance(buf, Ptr):
            buf = buf.mem
        if isinstance(buf, Word) and buf.mem is not None:  # ptrN(address)
            offset = buf.value - buf.base
            if not 0 <= offset <= len(buf.mem):
                self.stop(line, "bounds", "ptr%d at %d bytes outside its %d-byte buffer" % (bits, offset, len(buf.mem)))
            return Ptr(bits, buf.mem[offset:], (buf.mem, buf.base, buf.value))
        if isinstance(buf, (int, Word)):
            raise Unsupported("line %d: ptr%d of an integer that is not an address" % (line, bits))
        return Ptr(bits, buf)

    def load(self, line, obj, index):
        if type(obj) is not Ptr:
            return obj[self.box(line, index)]
        raw = obj.items[self._index(line, obj, index)]
        if obj.bits == 32 and raw > INT32_MAX:  # a negative int32: zero-extended on 64-bit
            return Word(raw - UINT32_LIMIT, raw32=True)
        return Word(raw)

    def store(self, line, obj, index, value):
        if type(obj) is not Ptr:
            obj[self.box(line, index)] = self.box(line, value)
            return
        i = self._index(line, obj, index)
        if obj.mem.readonly:
            self.stop(line, "readonly", "store into a read-only buffer")
        if isinstance(value, bool):
            value = int(value)
        elif isinstance(value, Word):
            value = value.value  # a store keeps the low bits: same on every word size
        elif not isinstance(value, int):
            raise Unsupported(
                "line %d: storing %s through a pointer" % (line, type(value).__name__)
            )
        obj.items[i] = value & ((1 << obj.bits) - 1)

    def _index(self, line, obj, index):
        i = self._value(line, index)[0]
        if not 0 <= i < obj.count:
            self.stop(
                line, "bounds", "ptr%d index %d outside 0..%d" % (obj.bits, i, obj.count - 1)
            )
        return i

    def range(self, line, *args):
        values = [self._value(line, a)[0] for a in args]
        return (Word(i) for i in range(*values))

    def len(self, line, x):
        if type(x) is Ptr or type(x) is Word:
            raise Unsupported("line %d: len() of a machine value" % line)
        return len(x)

    def call(self, line, fn, *args):
        return fn(*[self.box(line, a) for a in args])

    # -- whole models -----------------------------------------------------------------

    def interpreter(self, model, **kwargs):
        """ulite.Interpreter in CPython with this checker's viper loops as its backend."""
        interpreter = importlib.import_module("ulite.interpreter")
        real = interpreter.backend
        interpreter.backend = lambda name=None: self.package
        try:
            return interpreter.Interpreter(model, **kwargs)
        finally:
            interpreter.backend = real


_PY_OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
    "<<": operator.lshift,
    ">>": operator.rshift,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}
_PY_CMP = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
_BINOPS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_ANNOTATIONS = ("int", "uint", "bool", "object", "ptr8", "ptr16", "ptr32")
_CASTS = ("int", "uint", "ptr8", "ptr16", "ptr32", "range", "len")
# Statements and expressions the rewriter passes through (after rewriting their children).
_PLAIN = (
    ast.Assign,
    ast.Expr,
    ast.Raise,
    ast.If,
    ast.While,
    ast.For,
    ast.Break,
    ast.Continue,
    ast.Pass,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Attribute,
    ast.Tuple,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.IfExp,
)


def _annotation(arg, path):
    if arg.annotation is None:
        return None
    if isinstance(arg.annotation, ast.Name) and arg.annotation.id in _ANNOTATIONS:
        return arg.annotation.id
    raise Unsupported(
        "%s:%d: parameter annotation %s" % (path, arg.lineno, ast.dump(arg.annotation))
    )


def _k(method, line, *args):
    """AST of `__viper_int32__.method(line, *args)`."""
    func = ast.Attribute(value=ast.Name(id=_K, ctx=ast.Load()), attr=method, ctx=ast.Load())
    return ast.Call(func=func, args=[ast.Constant(line)] + list(args), keywords=[])


class _Rewriter(ast.NodeTransformer):
    """Routes a viper function's integer operations through the Checker."""

    def __init__(self, path):
        self.path = path

    def generic_visit(self, node):
        if not isinstance(node, _PLAIN):
            raise Unsupported(
                "%s:%d: %s" % (self.path, getattr(node, "lineno", 0), type(node).__name__)
            )
        return super().generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, bool) or node.value is None:
            return node
        if isinstance(node.value, int):
            return _k("lit", node.lineno, node)
        raise Unsupported("%s:%d: constant %r" % (self.path, node.lineno, node.value))

    def visit_BinOp(self, node):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise Unsupported(
                "%s:%d: operator %s" % (self.path, node.lineno, type(node.op).__name__)
            )
        idiom = self._sign_extension(node)
        if idiom:
            return _k("sign_extend", node.lineno, self.visit(idiom[0]), self.visit(idiom[1]))
        return _k(
            "binop", node.lineno, ast.Constant(op), self.visit(node.left), self.visit(node.right)
        )

    @staticmethod
    def _sign_extension(node):
        """(E, S) when node is `(E ^ S) - S` with S one name."""
        inner = node.left
        if (
            isinstance(node.op, ast.Sub)
            and isinstance(inner, ast.BinOp)
            and isinstance(inner.op, ast.BitXor)
            and isinstance(inner.right, ast.Name)
            and isinstance(node.right, ast.Name)
            and inner.right.id == node.right.id
        ):
            return inner.left, inner.right
        return None

    def visit_UnaryOp(self, node):
        operand = self.visit(node.operand)
        if isinstance(node.op, ast.USub):
            return _k("neg", node.lineno, operand)
        if isinstance(node.op, ast.Invert):
            return _k("invert", node.lineno, operand)
        if isinstance(node.op, ast.Not):  # truth is the same on every word size
            return ast.copy_location(ast.UnaryOp(op=ast.Not(), operand=operand), node)
        return operand

    def visit_Compare(self, node):
        ops = [_CMPOPS.get(type(op)) for op in node.ops]
        if None in ops:
            raise Unsupported("%s:%d: comparison %s" % (self.path, node.lineno, ast.dump(node)))
        left = self.visit(node.left)
        rights = [self.visit(c) for c in node.comparators]
        if len(ops) == 1:
            return _k("compare", node.lineno, ast.Constant(ops[0]), left, rights[0])
        thunks = [ast.Lambda(args=_no_args(), body=r) for r in rights]
        return _k(
            "chain",
            node.lineno,
            left,
            ast.Tuple(elts=[ast.Constant(o) for o in ops], ctx=ast.Load()),
            ast.Tuple(elts=thunks, ctx=ast.Load()),
        )

    def visit_Call(self, node):
        if node.keywords:
            raise Unsupported("%s:%d: keyword arguments" % (self.path, node.lineno))
        args = [self.visit(a) for a in node.args]
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name in _CASTS:
            if name.startswith("ptr"):
                return _k("ptr", node.lineno, ast.Constant(int(name[3:])), *args)
            method = {"int": "to_int", "uint": "to_uint"}.get(name, name)
            return _k(method, node.lineno, *args)
        return _k("call", node.lineno, self.visit(node.func), *args)

    def visit_Subscript(self, node):
        if isinstance(node.slice, ast.Slice):
            raise Unsupported("%s:%d: slicing" % (self.path, node.lineno))
        if isinstance(node.ctx, ast.Store):
            raise Unsupported(
                "%s:%d: subscript store outside an assignment" % (self.path, node.lineno)
            )
        return _k("load", node.lineno, self.visit(node.value), self.visit(node.slice))

    def visit_Assign(self, node):
        value = self.visit(node.value)
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            call = _k(
                "store", node.lineno, self.visit(target.value), self.visit(target.slice), value
            )
            return ast.copy_location(ast.Expr(value=call), node)
        for target in node.targets:
            if not isinstance(target, (ast.Name, ast.Tuple)):
                raise Unsupported(
                    "%s:%d: assignment to %s" % (self.path, node.lineno, type(target).__name__)
                )
        node.targets = [self.visit(t) for t in node.targets]
        node.value = value
        return node

    def visit_AugAssign(self, node):
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise Unsupported(
                "%s:%d: operator %s" % (self.path, node.lineno, type(node.op).__name__)
            )
        target = node.target
        if isinstance(target, ast.Name):
            load = ast.Name(id=target.id, ctx=ast.Load())
            value = _k("binop", node.lineno, ast.Constant(op), load, self.visit(node.value))
            return ast.copy_location(
                ast.Assign(targets=[ast.Name(id=target.id, ctx=ast.Store())], value=value), node
            )
        if isinstance(target, ast.Subscript):
            obj, index = target.value, target.slice
            current = _k("load", node.lineno, self.visit(obj), self.visit(index))
            value = _k("binop", node.lineno, ast.Constant(op), current, self.visit(node.value))
            store = _k("store", node.lineno, self.visit(obj), self.visit(index), value)
            return ast.copy_location(ast.Expr(value=store), node)
        raise Unsupported(
            "%s:%d: augmented assignment to %s" % (self.path, node.lineno, type(target).__name__)
        )

    def visit_Return(self, node):
        if node.value is not None:
            node.value = _k("box", node.lineno, self.visit(node.value))
        return node


def _no_args():
    return ast.arguments(
        posonlyargs=[],
        args=[],
        vararg=None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=None,
        defaults=[],
    )


# -- test vectors: the same calls through the checker and on MicroPython ------------------


class Ref:
    """A vector's buffer, or a slice of it (passed to the loops as a memoryview)."""

    def __init__(self, name, start=None, end=None):
        self.name, self.start, self.end = name, start, end

    def view(self, start, end):
        return Ref(self.name, start, end)


class Vector:
    """Named byte buffers and the loop calls to make over them, in order."""

    def __init__(self, label):
        self.label = label
        self.buffers = {}
        self.calls = []
        self.scratch = set()  # buffers whose contents the backends leave differently

    def buffer(self, name, data, typecode=None, scratch=False):
        """A bytearray holding data, or an array.array of typecode (as the kernels pass).
        A scratch buffer's contents after the calls are not results: not compared."""
        self.buffers[name] = (bytes(data), typecode)
        if scratch:
            self.scratch.add(name)
        return Ref(name)

    def call(self, function, *args):
        self.calls.append((function, args))
        return self


def run_checked(checker, vector):
    """The vector's buffers after its calls through the checker: {name: bytes}."""
    buffers = {}
    for name, (data, typecode) in vector.buffers.items():
        buffers[name] = array.array(typecode, data) if typecode else bytearray(data)

    def resolve(arg):
        if isinstance(arg, Ref):
            buf = buffers[arg.name]
            return buf if arg.start is None else memoryview(buf)[arg.start : arg.end]
        if isinstance(arg, tuple):
            return tuple(resolve(a) for a in arg)
        return arg

    for function, args in vector.calls:
        getattr(checker.package, function)(*[resolve(a) for a in args])
    return {name: bytes(buf) for name, buf in buffers.items()}


def _encode(arg):
    if isinstance(arg, Ref):
        return {"b": arg.name, "s": arg.start, "e": arg.end}
    if isinstance(arg, tuple):
        return {"t": [_encode(a) for a in arg]}
    if isinstance(arg, int):
        return arg
    raise TypeError("vector arguments are ints, tuples and buffers, not %s" % type(arg).__name__)


def run_device(vectors, backends=("viper", "plain"), timeout=600):
    """Each vector's buffers after its calls on the unix port: [{backend: {name: bytes}}]."""
    spec = [
        {
            "buffers": {
                name: [data.hex(), typecode] for name, (data, typecode) in v.buffers.items()
            },
            "calls": [[function, [_encode(a) for a in args]] for function, args in v.calls],
        }
        for v in vectors
    ]
    with tempfile.TemporaryDirectory(prefix="ulite-viper-") as tmp:
        path = Path(tmp) / "vectors.json"
        path.write_text(json.dumps(spec))
        result = micropython.run(
            "unix", DEVICE_SCRIPT, [path, ",".join(backends)], heap=16 << 20, timeout=timeout
        )
    assert result.returncode == 0, "MicroPython failed:\n%s%s" % (result.stdout, result.stderr)
    (report,) = reports.reports(result)
    results = report["results"]
    return [
        {b: {name: bytes.fromhex(h) for name, h in r[b].items()} for b in backends}
        for r in results
    ]
