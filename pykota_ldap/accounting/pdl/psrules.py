"""The rules a plain PostScript program keeps (see :mod:`psprogram` for the
list), applied to one item of a sequence at a time: a name, a literal name,
a string, a procedure, a literal array or dictionary, with its neighbours
in view (an integer before ``get``, procedures before ``if``...)."""

from __future__ import annotations

from .psnames import (
    CONSTRAINED,
    COPIES_NAMES,
    NEED_PROCEDURE,
    NOT_PAGE_DEVICE_KEYS,
    PAGE_HOOKS,
    PAGE_OPERATORS,
    PSTOPS_COPIES,
    SAFE,
    SENSITIVE_TEXT,
    SYSTEM_NAMES,
)
from .psstack import Stack

MAX_NESTING = 100        # procedures, arrays and dictionaries inside each other


class Rules:
    """The rules, applied to item ``i`` of a sequence at procedure depth ``depth``."""

    def __init__(self, reading) -> None:
        self.reading = reading
        self.exempt: set[int] = set()     # id() of items a recognised idiom vouches for
        self.sim = Stack()               # what the top level leaves on the stack

    def check(self, seq: list, i: int, depth: int, level: int = 0) -> None:
        """``depth``: procedures around the item; ``level``: procedures,
        arrays and dictionaries around it."""
        if level > MAX_NESTING:
            self.reading.doubts("literals nested too deeply to check")
            return
        item = seq[i]
        if id(item) in self.exempt:
            self.exempt.discard(id(item))
        else:
            kind, value = item
            if kind == "name":
                self._name(seq, i, value, depth)
            elif kind == "lit":
                self._literal_name(seq, i, value)
            elif kind == "imm":
                self._immediate(value)
            elif kind == "str":
                self._string(value)
            elif kind == "proc":
                self.check_all(value, depth + 1, level + 1)
            elif kind == "dict":
                self._dictionary(seq, i, value, depth, level + 1)
            elif kind == "array":
                self.check_all(value, depth, level + 1)
            elif kind == "int" and i + 1 < len(seq) and seq[i + 1] == ("lit", b"languagelevel"):
                self._pstops_copies(seq, i)

    def check_all(self, seq: list, depth: int, level: int = 0) -> None:
        for i in range(len(seq)):
            self.check(seq, i, depth, level)
            if self.reading.doubt is not None:
                return

    def _name(self, seq: list, i: int, name: bytes, depth: int) -> None:
        reading = self.reading
        if name in PAGE_OPERATORS:
            if depth:
                reading.doubts(f"{name.decode()} inside a procedure")
            else:
                reading.pages += 1
            return
        if name in SAFE:
            reading.operators.add(name)
            if name in CONSTRAINED:
                self._constrained(seq, i, name, depth)
            return
        if name in SYSTEM_NAMES or name.startswith(b"."):
            reading.doubts(f"uses {name.decode('latin-1')}")
            return
        reading.called.add(name)

    def _constrained(self, seq: list, i: int, name: bytes, depth: int) -> None:
        before = seq[i - 1] if i else ("", b"")
        if name in NEED_PROCEDURE:
            needed = NEED_PROCEDURE[name]
            if i < needed or any(seq[i - k][0] != "proc" for k in range(1, needed + 1)):
                self.reading.doubts(f"{name.decode()} on something else than a procedure written out")
        elif name in (b"get", b"copy"):
            if before[0] != "int":
                self.reading.doubts(f"{name.decode()} with a computed operand")
        elif name == b"load":
            self._load(before)
        elif name == b"cvn":
            if before[0] != "str":
                self.reading.doubts("cvn of a computed string")
            else:
                self._literal_name(seq, i, before[1])
        elif name == b"where":
            self._where(seq, i, before)
        elif name == b"put":
            if depth or self.sim.peek(2) not in ("dict", "array"):
                self.reading.doubts("put into something that may be a string")
        else:  # setpagedevice: the forms that may use it exempt it beforehand
            self.reading.doubts("setpagedevice on a dictionary not written out")

    def _load(self, before) -> None:
        if before[0] != "lit" or not self._loadable(before[1]):
            self.reading.doubts("load of a computed or system name")
        elif before[1] in SAFE:
            self.reading.operators.add(before[1])

    def _where(self, seq: list, i: int, before) -> None:
        after = seq[i + 1] if i + 1 < len(seq) else ("", b"")
        pops = after == ("name", b"pop") or (after[0] == "proc" and after[1][:1] == [("name", b"pop")])
        if before[0] != "lit" or not pops:
            self.reading.doubts("where that keeps the dictionary it finds")

    def _loadable(self, name: bytes) -> bool:
        if name in SAFE:
            return name not in CONSTRAINED and name not in PAGE_OPERATORS
        return not (name in SYSTEM_NAMES or name.startswith(b"."))

    def _literal_name(self, seq: list, i: int, name: bytes) -> None:
        reading = self.reading
        if name in COPIES_NAMES:
            if not self._copies_form(seq, i, name):
                reading.doubts(f"{name.decode()} in a form not written out")
            return
        if name in PAGE_HOOKS or name.startswith(b"."):
            reading.doubts(f"uses /{name.decode('latin-1')}")
            return
        if name in SYSTEM_NAMES or name in PAGE_OPERATORS:
            after = seq[i + 1] if i + 1 < len(seq) else (None, None)
            if after not in (("name", b"where"), ("name", b"load"), ("name", b"known")):
                reading.doubts(f"redefines or names {name.decode('latin-1')}")
            return
        reading.defined.add(name)

    def _copies_form(self, seq: list, i: int, name: bytes) -> bool:
        """``/#copies N def``, ``userdict /#copies N put`` and
        ``N dict dup /NumCopies N put ... setpagedevice``."""
        ahead = seq[i + 1:i + 3]
        if len(ahead) < 2 or ahead[0][0] != "int":
            return False
        value, operator = ahead[0][1], ahead[1]
        if name == b"#copies":
            if operator in (("name", b"def"), ("name", b"store")):
                self.reading.add_copies(value)
                return True
            if operator == ("name", b"put") and i and seq[i - 1] == ("name", b"userdict"):
                self.exempt.add(id(operator))
                self.reading.add_copies(value)
                return True
            return False
        chain = _page_device_chain(seq, i)
        if chain is None:
            return False
        for exempt in chain:
            self.exempt.add(id(exempt))
        self.reading.add_copies(value)
        return True

    def _immediate(self, name: bytes) -> None:
        if name in SAFE and name not in CONSTRAINED:
            self.reading.operators.add(name)
            return
        if name in SYSTEM_NAMES or name in PAGE_OPERATORS or name.startswith(b"."):
            self.reading.doubts(f"uses //{name.decode('latin-1')}")
            return
        self.reading.called.add(name)

    def _string(self, text: bytes) -> None:
        if text in SAFE or text in SYSTEM_NAMES:
            self.reading.named.add(text)
        for word in SENSITIVE_TEXT:
            if word in text:
                self.reading.doubts(f"a string naming {word.decode()}")
                return

    def _dictionary(self, seq: list, i: int, entries: list, depth: int, level: int) -> None:
        """A literal ``<< ... >>``: a page device request when
        setpagedevice follows (copies read off it), plain data otherwise."""
        page_device = i + 1 < len(seq) and seq[i + 1] == ("name", b"setpagedevice")
        if len(entries) % 2:
            self.reading.doubts("a dictionary with a key and no value")
            return
        for at in range(0, len(entries), 2):
            key, value = entries[at], entries[at + 1]
            if key[0] != "lit":
                self.reading.doubts("a dictionary key that is not a name")
                return
            if page_device and key[1] == b"NumCopies":
                if value[0] == "int":
                    self.reading.add_copies(value[1])
                elif value != ("name", b"null"):
                    self.reading.doubts("NumCopies that is not a number")
            elif page_device and key[1] not in NOT_PAGE_DEVICE_KEYS:
                pass
            else:
                self._literal_name(entries, at, key[1])
            self.check(entries, at + 1, depth, level)
        if page_device:
            self.exempt.add(id(seq[i + 1]))

    def _pstops_copies(self, seq: list, i: int) -> None:
        """``N /languagelevel where {...} {...} ifelse {...} {...} ifelse``
        at ``i``: the last two procedures set copies N, each its own way."""
        parts = seq[i + 1:i + 9]
        if len(parts) < 8 or any(parts[k][0] != "proc" for k in (2, 3, 5, 6)):
            return
        shape = [parts[0:2], parts[2][1], parts[3][1], parts[4:5], parts[5][1], parts[6][1], parts[7:8]]
        if shape != PSTOPS_COPIES:
            return
        self.exempt.add(id(parts[5]))
        self.exempt.add(id(parts[6]))
        self.reading.add_copies(seq[i][1])


def _page_device_chain(seq: list, i: int) -> list | None:
    """For ``/NumCopies`` at ``i`` in ``N dict dup /K V put ... setpagedevice``:
    the put and setpagedevice items it vouches for, or None."""
    start = i - 1
    if not _is_entry(seq, start):
        return None
    while start >= 4 and _is_entry(seq, start - 4):
        start -= 4
    if start < 2 or seq[start - 1] != ("name", b"dict") or seq[start - 2][0] != "int":
        return None
    vouched = []
    at = start
    while _is_entry(seq, at):
        if seq[at + 1][1] in PAGE_HOOKS:
            return None
        vouched.append(seq[at + 3])
        at += 4
    if at >= len(seq) or seq[at] != ("name", b"setpagedevice"):
        return None
    return vouched + [seq[at]]


def _is_entry(seq: list, at: int) -> bool:
    """``dup /Key literal put`` at ``at``."""
    if at < 0 or at + 3 >= len(seq):
        return False
    dup, key, value, put = seq[at:at + 4]
    return (dup == ("name", b"dup") and key[0] == "lit" and put == ("name", b"put")
            and (value[0] in ("int", "num", "str", "lit", "array") or value in (("name", b"true"),
                                                                             ("name", b"false"))))
