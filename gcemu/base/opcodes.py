"""The opcodes of a trace: one byte per recorded mutator operation.

`gcemu.trace.Trace` keeps the operations of a heap as one opcode byte each in
``codes`` and their arguments, flat, in ``args``. The hot paths (a map assign or
delete, ``new`` with no name and no value) append these bytes directly, so they live
here, below the heap and the maps that record them.
"""

SELECT = 1  # (map): the map the next assign / delete ops act on
MAKE = 2  # (map, hint, name, custom_hash)
ASSIGN = 3  # (key, value) on the selected map
DELETE = 4  # (key) on the selected map
CLEAR = 5  # (map)
ITER = 6  # (map, n)
NEXT = 7  # (n)
ITEREND = 8  # (n)
NEW = 9  # (obj, name, value or None)
GLOBAL = 10  # (name, value)
STORE = 11  # (obj, field, value)
GC = 12  # ()
GC_START = 13  # ()
DECLARE = 14  # (text)
NEW0 = 15  # (obj): new with no name and no value

# how many arguments follow each opcode in Trace.args
NARGS = {SELECT: 1, MAKE: 4, ASSIGN: 2, DELETE: 1, CLEAR: 1, ITER: 2, NEXT: 1, ITEREND: 1,
         NEW: 3, GLOBAL: 2, STORE: 3, GC: 0, GC_START: 0, DECLARE: 1, NEW0: 1}
