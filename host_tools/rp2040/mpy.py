"""Machine code of `@micropython.asm_thumb` functions, taken out of an .mpy file.

The .mpy v6 layout (MicroPython docs/reference/mpyfiles.rst; py/persistentcode.c, functions
mp_raw_code_load and load_raw_code, which this follows):

    header      'M', version 6, feature byte (native arch << 2 | sub-version), small-int bits
    vuint       number of qstrs, vuint number of constant objects
    qstrs       vuint (len << 1 | is_static); static ones end there, others are followed by
                len bytes and a NUL
    objects     type byte; fun-table/None/False/True/Ellipsis have no payload; a tuple has
                a vuint count and that many objects; str and bytes a vuint length, the bytes
                and a NUL (empty bytes: just the NUL); int/float/complex a vuint length and
                the decimal text
    raw code    vuint (code length << 3 | has children << 2 | kind), kind 0 bytecode,
                1 native Python, 2 viper, 3 inline assembler; then the code bytes;
                native Python: vuint prelude offset; viper and asm: vuint scope flags, and
                for asm a vuint argument count and a vuint type signature; viper: optional
                rodata/BSS sizes and rodata; then (if has children) a vuint count and the
                children, recursively; then native code with the relocation scope flag
                carries relocation entries up to a 0xFF byte (skipped here: asm code has none).

vuints are 7 bits per byte, most significant group first, high bit set on all but the last.
Inline-assembler code is position independent and calls nothing, so its bytes run as they
are: we map each asm function's bytes into the emulator and call them with r0..r3.

Raw codes carry no names: the module's children come in the order of its top-level `def`s,
which we read from the source with the `ast` module.
"""

import ast
import subprocess
import tempfile
from pathlib import Path

from ..errors import UserError
from ..paths import tool

ARCH_ARMV6M = 4
KIND_BYTECODE, KIND_NATIVE, KIND_VIPER, KIND_ASM = range(4)
SCOPE_VIPERRELOC, SCOPE_VIPERRODATA, SCOPE_VIPERBSS = 0x10, 0x20, 0x40


class RawCode:
    def __init__(self, kind, code, n_args):
        self.kind, self.code, self.n_args = kind, code, n_args
        self.children = []


class _Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uint(self):
        value = 0
        while True:
            b = self.byte()
            value = value << 7 | (b & 0x7F)
            if not b & 0x80:
                return value

    def bytes(self, n):
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise ValueError(".mpy truncated at byte %d" % self.pos)
        self.pos += n
        return chunk


def parse(data):
    """The module's raw code tree; checks the header is mpy v6 for ARMv6-M."""
    r = _Reader(data)
    magic, version, features, _ = r.bytes(4)
    if magic != ord("M") or version != 6:
        raise ValueError("not an .mpy v6 file")
    if features >> 2 != ARCH_ARMV6M:
        raise ValueError(".mpy native arch is %d, not armv6m (%d)" % (features >> 2, ARCH_ARMV6M))
    n_qstr, n_obj = r.uint(), r.uint()
    for _ in range(n_qstr):
        length = r.uint()
        if not length & 1:
            r.bytes((length >> 1) + 1)
    for _ in range(n_obj):
        _skip_object(r)
    return _raw_code(r)


def _skip_object(r):
    kind = r.byte()
    if kind <= 4:  # fun table, None, False, True, Ellipsis
        return
    length = r.uint()
    if kind == 10:  # tuple
        for _ in range(length):
            _skip_object(r)
    elif kind in (5, 6):  # str, bytes: data and a NUL
        r.bytes(length + 1)
    else:  # int, float, complex as text
        r.bytes(length)


def _raw_code(r):
    kind_len = r.uint()
    kind, has_children, length = kind_len & 3, kind_len & 4, kind_len >> 3
    code = r.bytes(length)
    flags = n_args = 0
    if kind == KIND_NATIVE:
        r.uint()  # prelude offset
    elif kind in (KIND_VIPER, KIND_ASM):
        flags = r.uint()
        if kind == KIND_ASM:
            n_args = r.uint()
            r.uint()  # type signature
        else:
            rodata = r.uint() if flags & SCOPE_VIPERRODATA else 0
            if flags & SCOPE_VIPERBSS:
                r.uint()
            r.bytes(rodata)
    rc = RawCode(kind, code, n_args)
    if has_children:
        rc.children = [_raw_code(r) for _ in range(r.uint())]
    if kind in (KIND_NATIVE, KIND_VIPER) and flags & SCOPE_VIPERRELOC:
        _skip_relocations(r)
    return rc


def _skip_relocations(r):
    """py/persistentcode.c mp_native_relocate: op bytes up to 0xFF; an odd op is followed by
    a vuint address, and ops 1, 3 and 5 (after that shift) by a vuint repeat count."""
    while True:
        op = r.byte()
        if op == 0xFF:
            return
        if op & 1:
            r.uint()
        op >>= 1
        if op <= 5 and op & 1:
            r.uint()


def compile_armv6m(source_path):
    """mpy-cross -march=armv6m on a source file; returns the .mpy bytes."""
    with tempfile.TemporaryDirectory(prefix="ulite-mpy-") as tmp:
        out = Path(tmp) / "out.mpy"
        result = subprocess.run(
            [tool("mpy-cross"), "-march=armv6m", "-o", str(out), str(source_path)], capture_output=True, text=True
        )
        if result.returncode:
            raise UserError("mpy-cross -march=armv6m failed on %s: %s" % (source_path, result.stderr.strip()))
        return out.read_bytes()


def asm_functions(source_path):
    """{name: (machine code bytes, argument count)} of a module's top-level asm_thumb functions."""
    source_path = Path(source_path)
    tree = ast.parse(source_path.read_text())
    names = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    module = parse(compile_armv6m(source_path))
    if len(module.children) != len(names):
        raise ValueError("%s: %d functions in the source, %d in the .mpy" % (source_path, len(names), len(module.children)))
    return {name: (rc.code, rc.n_args) for name, rc in zip(names, module.children) if rc.kind == KIND_ASM}
