"""The named layouts (mpy/ulite/layouts) are the one definition of every geometry array,
argument tuple and Thumb parameter block; device modules restate the fields they index as
private const()s (MicroPython folds a const() only in its own module, and names it keeps
cost a board RAM), and the restated values must be the defined ones.

Also checked here: what a board loads never imports the layouts (they would cost it RAM), the
builtin operator codes kernels pick variants by are the schema's, and the native modules
restate ulite.fxp_ops' op codes right.
"""

import ast
import importlib
import sys

import pytest
from conftest import ROOT
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

MPY = ROOT / "mpy"
sys.path.insert(0, str(MPY))
from ulite import fxp_ops  # noqa: E402

LAYOUTS = sorted(p.stem for p in (MPY / "ulite" / "layouts").glob("*.py") if p.stem != "__init__")
DEVICE_MODULES = sorted(
    p for p in (MPY / "ulite").rglob("*.py") if "layouts" not in p.relative_to(MPY / "ulite").parts
)
BUILTIN_CODES = {k: v for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def layout_fields():
    """{field name: (value, layout module)} over every layout module."""
    fields = {}
    for name in LAYOUTS:
        module = importlib.import_module("ulite.layouts." + name)
        for field, value in vars(module).items():
            if field.isupper() and isinstance(value, int):
                assert field not in fields, "%s is defined in layouts.%s and layouts.%s" % (
                    field, fields[field][1], name
                )
                fields[field] = (value, name)
    return fields


def private_constants(path):
    """{name without its underscore: (value, line)} of a module's top-level private int
    constants, `_NAME = const(...)` or `_NAME = ...`, evaluated with the ones before."""
    found = {}
    scope = {}
    for node in ast.parse(path.read_text()).body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target = node.targets[0]
        if not (isinstance(target, ast.Name) and target.id.startswith("_") and target.id[1:].isupper()):
            continue
        value = node.value
        if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "const":
            value = value.args[0]
        try:
            number = eval(compile(ast.Expression(value), str(path), "eval"), {}, dict(scope))
        except NameError:
            continue
        if isinstance(number, int):
            scope[target.id] = number
            found[target.id[1:]] = (number, node.lineno)
    return found


def test_layout_names_are_unique_and_sizes_add_up():
    fields = layout_fields()
    from ulite.layouts import conv, copy, mean, requant, thumb

    assert conv.CONV_FIELDS == conv.CONV_CHANNELS + 1 and conv.DW_FIELDS == conv.DW_CHANNELS + 1
    # the Thumb glue's lanes8 walk and the viper window read both geometries' first fields
    # by the CONV_ names
    assert [conv.DW_IN_H, conv.DW_IN_W, conv.DW_IN_C, conv.DW_OUT_H, conv.DW_OUT_W, conv.DW_KW] == [
        conv.CONV_IN_H, conv.CONV_IN_W, conv.CONV_IN_C, conv.CONV_OUT_H, conv.CONV_OUT_W, conv.CONV_KW
    ]
    # ... and the width after each height (lanes8 and the viper window read them so)
    for family in ("CONV", "DW"):
        for first, second in (("STRIDE_H", "STRIDE_W"), ("DILATION_H", "DILATION_W"), ("PAD_TOP", "PAD_LEFT")):
            assert fields["%s_%s" % (family, second)][0] == fields["%s_%s" % (family, first)][0] + 1
    assert copy.COPY_FIELDS == copy.COPY_DST_STEPS + copy.COPY_LEVELS
    assert mean.MEAN_FIELDS == mean.MEAN_REDUCED_STRIDES + mean.MEAN_GROUPS
    assert thumb.GATHER8_WORDS == thumb.GATHER8_RECORDS + thumb.THUMB_LANES * thumb.LANE_RECORD_WORDS
    assert thumb.REQUANT_BLOCK_WORDS == thumb.REQUANT_TABLE_SHIFTS + 1
    assert requant.RQ_ACC_BITS == requant.RQ_FIELDS  # the wide rq: requantize's, one field more
    for prefix, size in (("CONV_ARG_", "CONV_ARGS"), ("POOL_ARG_", "POOL_ARGS"), ("FC_ARG_", "FC_ARGS"),
                         ("BINARY_ARG_", "BINARY_ARGS"), ("MEAN_ARG_", "MEAN_ARGS"), ("COPY_ARG_", "COPY_ARGS"),
                         ("LOOKUP_ARG_", "LOOKUP_ARGS"), ("RQ_", "RQ_WIDE_FIELDS"), ("TRANSFORM_", "TRANSFORM_FIELDS")):  # fmt: skip
        indices = sorted(
            v for name, (v, _) in fields.items() if name.startswith(prefix) and name not in (size, "RQ_FIELDS")
        )
        assert indices == list(range(fields[size][0])), prefix


@pytest.mark.parametrize("path", DEVICE_MODULES, ids=lambda p: str(p.relative_to(MPY)))
def test_restated_fields_match_the_layouts(path):
    """A private constant named after a layout field (or an fxp_ops op code, in the loops)
    holds that field's value."""
    fields = {name: value for name, (value, _) in layout_fields().items()}
    if "loops" in path.parts:
        fields.update({name: value for name, value in vars(fxp_ops).items() if name.isupper() and isinstance(value, int)})
    wrong = [
        "%s:%d: _%s = %d, but ulite.layouts has %d" % (path.name, line, name, value, fields[name])
        for name, (value, line) in private_constants(path).items()
        if name in fields and value != fields[name]
    ]
    assert not wrong, "\n".join(wrong)


# Records the native loops read: argument tuples, geometries, requantization and binary
# transforms; in the Thumb glue also the kernels' parameter blocks (one letter each).
RECORDS = {"args", "geo", "geometry", "rq", "r1", "r2", "t1", "t2"}
THUMB_BLOCKS = {"p", "r", "f", "a", "g", "d", "w", "k"}


def test_native_loops_index_records_by_name():
    """No viper or Thumb glue function reads a record field by a number (vectors indexed
    by dimension, such as broadcast dims and strides, are not records)."""
    numbered = []
    for path in sorted((MPY / "ulite" / "loops").rglob("*.py")):
        records = RECORDS | (THUMB_BLOCKS if path.parent.name == "thumb" else set())
        for function in ast.parse(path.read_text()).body:
            if not isinstance(function, ast.FunctionDef):
                continue
            if not any("viper" in ast.unparse(d) for d in function.decorator_list):
                continue
            for node in ast.walk(function):
                if (
                    isinstance(node, ast.Subscript)
                    and isinstance(node.value, ast.Name)
                    and node.value.id in records
                    and isinstance(node.slice, ast.Constant)
                ):
                    numbered.append("%s:%d %s" % (path.name, node.lineno, ast.unparse(node)))
    assert not numbered, "fields read by number:\n" + "\n".join(numbered)


def test_boards_never_load_the_layouts():
    """Imported names cost a board RAM (about 20 bytes each, and a new qstr pool when the
    last one fills): only the plain loops (ports without native code) and the float32
    loop (inside the function, for the models that run it) import the layouts."""
    for path in DEVICE_MODULES:
        relative = path.relative_to(MPY / "ulite").as_posix()
        if relative.startswith("loops/plain/"):
            continue
        tree = ast.parse(path.read_text())
        nodes = tree.body if relative == "loops/float32.py" else ast.walk(tree)
        for node in nodes:
            if isinstance(node, ast.ImportFrom):
                module = ("." * node.level) + (node.module or "")
                names = [a.name for a in node.names]
                assert "layouts" not in module.split(".") and "layouts" not in names, (
                    "%s imports the layouts: restate the fields it needs" % relative
                )


@pytest.mark.parametrize("path", sorted((MPY / "ulite" / "kernels").glob("*.py")), ids=lambda p: p.name)
def test_kernels_pick_variants_by_the_schema_codes(path):
    """A kernel's private constant named after a builtin operator holds its schema code."""
    wrong = [
        "%s:%d: _%s = %d, but the schema's code is %d" % (path.name, line, name, value, BUILTIN_CODES[name])
        for name, (value, line) in private_constants(path).items()
        if name in BUILTIN_CODES and value != BUILTIN_CODES[name]
    ]
    assert not wrong, "\n".join(wrong)
    text = path.read_text()
    assert "op.name ==" not in text and "op.name !=" not in text, "%s picks a variant by name" % path.name
