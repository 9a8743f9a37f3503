"""The prepared calls in convert's entry (ulite/prepared.py): for each op, a count of
int32 words, then in those its (fn, args) as values, each starting with its kind.

CALL_INT: the int in the next word. CALL_ARENA, CALL_MODEL: a slice of the arena or the
model, (offset, bytes) in the next two words. CALL_TUPLE, CALL_LIST: a count, then that many
values. CALL_LOOP: the loop function named at that index in the entry's loop names.
CALL_SAME: the object made at that index before (a bytearray, array or list: the kinds
an op may change, each made once however many ops share it). Then the kinds that carry
bytes: a byte count and the bytes, padded to a word. CALL_BYTES: a read-only view of
them; CALL_BYTEARRAY: a copy; CALL_ARRAY: an array of the typecode in the word before the
count, its items from those bytes; CALL_FUNCTION: "MODULE NAME", a function of a module.
An op whose kernel prepares it on the board has CALL_NONE in place of its (fn, args)."""

from . import const

CALL_NONE = const(0)
CALL_INT = const(1)
CALL_ARENA = const(2)
CALL_MODEL = const(3)
CALL_TUPLE = const(4)
CALL_LIST = const(5)
CALL_LOOP = const(6)
CALL_SAME = const(7)
CALL_BYTES = const(8)  # this one and the ones after it carry bytes
CALL_BYTEARRAY = const(9)
CALL_ARRAY = const(10)
CALL_FUNCTION = const(11)
