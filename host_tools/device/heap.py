# Runs on MicroPython (the virtual board's boot, and bench): leave exactly `free` bytes of
# the heap free, almost all in one piece, as on a freshly booted board whose code is frozen.
import gc


def leave_free(free):
    """Reserve `free` contiguous bytes, fill the other free blocks with ballast, hand the
    reserved block back, and take from it what the ballast could not fill (holes too small
    for a chunk). Returns the ballast, which must be kept alive."""
    gc.collect()
    keep = bytearray(free)
    ballast = []  # groups of chunks: a shallow tree keeps the GC's marking cheap
    size = 4096
    while size >= 16:
        try:
            while True:
                group = [None] * 64
                ballast.append(group)
                for i in range(64):
                    group[i] = bytearray(size)
        except MemoryError:
            size //= 4
    unfilled = gc.mem_free()
    del keep
    gc.collect()
    ballast.append(bytearray(max(0, unfilled - 64)))
    return ballast
