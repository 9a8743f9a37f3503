"""Walking two broadcast inputs in output order (plain-Python loops)."""


def walk(dims, st1, st2):
    """Element offsets (p, q) of two inputs, in output order, over 6 broadcast dims."""
    for i0 in range(dims[0]):
        for i1 in range(dims[1]):
            for i2 in range(dims[2]):
                for i3 in range(dims[3]):
                    for i4 in range(dims[4]):
                        p = i0 * st1[0] + i1 * st1[1] + i2 * st1[2] + i3 * st1[3] + i4 * st1[4]
                        q = i0 * st2[0] + i1 * st2[1] + i2 * st2[2] + i3 * st2[3] + i4 * st2[4]
                        for _ in range(dims[5]):
                            yield p, q
                            p += st1[5]
                            q += st2[5]
