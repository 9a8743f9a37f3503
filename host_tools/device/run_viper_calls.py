# Runs on MicroPython: loop-backend calls over byte buffers (test vectors of viper_int32.py).
# Usage: micropython run_viper_calls.py VECTORS.json BACKEND[,BACKEND...]
# Prints one JSON line, {"results": per vector, per backend, every buffer's bytes (hex)
# after the calls}.
import json
import sys
from array import array
from binascii import hexlify, unhexlify

from ulite.loops import backend


def decode(arg, buffers):
    if isinstance(arg, dict):
        if "t" in arg:
            return tuple(decode(a, buffers) for a in arg["t"])
        buf = buffers[arg["b"]]
        return buf if arg["s"] is None else memoryview(buf)[arg["s"] : arg["e"]]
    return arg


def run(loops, vector):
    buffers = {}
    for name, (data, typecode) in vector["buffers"].items():
        data = unhexlify(data)
        buffers[name] = array(typecode, data) if typecode else bytearray(data)
    for function, args in vector["calls"]:
        getattr(loops, function)(*[decode(a, buffers) for a in args])
    return {name: hexlify(buf).decode() for name, buf in buffers.items()}


def main():
    with open(sys.argv[1]) as f:
        vectors = json.load(f)
    names = sys.argv[2].split(",")
    modules = [backend(name) for name in names]
    results = []
    for vector in vectors:
        results.append({name: run(loops, vector) for name, loops in zip(names, modules)})
    print(json.dumps({"results": results}))


main()
