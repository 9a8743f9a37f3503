# Runs on a board, sent over the raw REPL by host_tools.board_link: what the board is, and
# file helpers for `flash`. Paths are relative to the board's working directory (its
# filesystem root after a soft reset; the scratch directory on the virtual board).
# Names start with _ul_ so they do not collide with a user's REPL globals.
import binascii
import gc
import os
import sys

try:
    import hashlib

    _ul_sha256 = hashlib.sha256
except (ImportError, AttributeError):
    _ul_sha256 = None


def _ul_info():
    gc.collect()
    getenv = getattr(os, "getenv", None)
    fs_free = None
    try:
        st = os.statvfs(".")
        fs_free = st[1] * st[4]  # fragment size * blocks free to us
    except (AttributeError, OSError):
        pass
    print(
        repr(
            {
                "platform": sys.platform,
                "machine": getattr(sys.implementation, "_machine", ""),
                "version": sys.version,
                "mpy": getattr(sys.implementation, "_mpy", 0),
                "heap_free": gc.mem_free(),
                "fs_free": fs_free,
                "virtual": getenv("ULITE_VBOARD") if getenv else None,
                "firmware": getenv("ULITE_VBOARD_FIRMWARE") if getenv else None,
                "hash": "sha256" if _ul_sha256 else "crc32",
            }
        )
    )


def _ul_digest(path):
    """'sha256:HEX', or 'crc32:SIZE:HEX' where hashlib has no sha256; None if no file."""
    try:
        f = open(path, "rb")
    except OSError:
        return None
    buf = bytearray(512)
    view = memoryview(buf)
    h = _ul_sha256() if _ul_sha256 else None
    crc = size = 0
    with f:
        while True:
            n = f.readinto(buf)
            if not n:
                break
            size += n
            if h:
                h.update(view[:n])
            else:
                crc = binascii.crc32(view[:n], crc)
    if h:
        return "sha256:" + binascii.hexlify(h.digest()).decode()
    return "crc32:%d:%08x" % (size, crc & 0xFFFFFFFF)


def _ul_digests(paths):
    print(repr([_ul_digest(p) for p in paths]))


def _ul_walk(top):
    """Relative paths of every file under `top` (nothing if it does not exist)."""
    found = []
    try:
        entries = list(os.ilistdir(top))
    except OSError:
        return found
    for entry in entries:
        path = top + "/" + entry[0]
        if entry[1] & 0x4000:
            found.extend(_ul_walk(path))
        else:
            found.append(path)
    return found


def _ul_list(top):
    print(repr(_ul_walk(top)))


def _ul_makedirs(path):
    part = ""
    for name in path.split("/")[:-1]:
        part = part + "/" + name if part else name
        try:
            os.mkdir(part)
        except OSError:
            pass


def _ul_open(path):
    """Start writing `path`; the bytes go to PATH.part until _ul_commit renames it."""
    global _ul_file
    _ul_makedirs(path)
    _ul_file = open(path + ".part", "wb")


def _ul_put(offset, text):
    _ul_file.seek(offset)
    _ul_file.write(binascii.a2b_base64(text))


def _ul_commit(path):
    global _ul_file
    _ul_file.close()
    _ul_file = None
    os.rename(path + ".part", path)


def _ul_remove(paths):
    for path in paths:
        os.remove(path)


def _ul_resident(name, attribute):
    """`attribute` of module `name` as firmware holds it in flash (frozen, or in ROMFS under
    /rom), ignoring filesystem copies; None when the firmware has no such module."""
    saved = sys.path[:]
    sys.path[:] = [p for p in saved if p == ".frozen" or p.startswith("/rom")]
    shadowed = sys.modules.pop(name, None)
    try:
        print(repr(getattr(__import__(name), attribute, None)))
    except ImportError:
        print(repr(None))
    finally:
        sys.path[:] = saved
        sys.modules.pop(name, None)
        if shadowed is not None:
            sys.modules[name] = shadowed
