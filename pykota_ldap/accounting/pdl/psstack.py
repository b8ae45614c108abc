"""The types a PostScript program leaves on the operand stack, as far as
they can be followed from its text (for :mod:`psrules`: ``put`` is only
believed where its target is a dictionary or an array)."""

from __future__ import annotations

from .psnames import PAGE_OPERATORS

MAX_BODY = 64        # items of a branch that are followed
MAX_BRANCHES = 8     # branches inside branches


class Stack:
    """The types the top level leaves on the operand stack, as far as they
    can be followed, so that ``put`` is only believed where its target is
    a dictionary or an array. An operator it does not follow forgets
    everything ("any" from then on)."""

    def __init__(self, items: list | None = None, level: int = 0) -> None:
        self.items: list = items or []
        self.forgot = False
        self.level = level  # branches inside branches

    def peek(self, depth: int):
        return self.items[-1 - depth] if len(self.items) > depth else "any"

    def forget(self) -> None:
        self.items.clear()
        self.forgot = True

    def apply(self, item) -> None:
        kind, value = item
        if kind in _PUSHES:
            self.items.append(value if kind == "int" else _PUSHES[kind])
        elif kind == "proc":
            self.items.append(("proc", value))
        elif kind in ("[", "<<"):
            self.items.append("mark")
        elif kind in ("]", ">>"):
            if "mark" not in self.items:
                self.forget()
                return
            while self.items.pop() != "mark":
                pass
            self.items.append("array" if kind == "]" else "dict")
        elif kind == "name":
            self._operator(value)
        else:
            self.forget()

    def _pop(self, count: int = 1) -> list:
        return [self.items.pop() if self.items else "any" for _ in range(count)]

    def _operator(self, name: bytes) -> None:
        items = self.items
        if name in _RESULTS:
            self._pop(_RESULTS[name][0])
            items.append(_RESULTS[name][1])
        elif name in _CONSUMES:
            self._pop(_CONSUMES[name])
        elif name == b"dup":
            items.append(self.peek(0))
        elif name == b"exch":
            a, b = self._pop(2)
            items.extend((a, b))
        elif name in (b"ifelse", b"if"):
            self._branches(name)
        elif not (name in _NO_EFFECT or name in PAGE_OPERATORS):
            self.forget()

    def _branches(self, name: bytes) -> None:
        """Follow both branches of an ``if``/``ifelse`` over procedures
        written out; keep what they agree on."""
        procedures = self._pop(2 if name == b"ifelse" else 1)[::-1]
        condition = self._pop()[0]
        if name == b"if":
            procedures.append(("proc", []))
        if self.level > MAX_BRANCHES or any(not isinstance(p, tuple) or len(p[1]) > MAX_BODY for p in procedures):
            self.forget()
            return
        outcomes = []
        for number, (_, body) in enumerate(procedures):
            found = ["dict"] if condition == "where" and number == 0 else []  # where's dictionary
            branch = Stack(list(self.items) + found, self.level + 1)
            for item in body:
                branch.apply(item)
            if branch.forgot:
                self.forget()
                return
            outcomes.append(branch.items)
        first, second = outcomes
        if len(first) != len(second):
            self.forget()
            return
        self.items = [a if a == b else "any" for a, b in zip(first, second, strict=True)]


_PUSHES = {"int": "int", "num": "number", "str": "string", "lit": "name", "dict": "dict", "array": "array"}
# operator: (operands taken, type left)
_RESULTS = {b"userdict": (0, "dict"), b"currentdict": (0, "dict"), b"dict": (1, "dict"),
            b"array": (1, "array"), b"string": (1, "string"), b"cvn": (1, "name"), b"load": (1, "any"),
            b"where": (1, "where"), b"known": (2, "bool"), b"true": (0, "bool"), b"false": (0, "bool")}
_CONSUMES = {b"pop": 1, b"begin": 1, b"setpagedevice": 1, b"def": 2, b"store": 2, b"put": 3}
_NO_EFFECT = frozenset((b"bind", b"readonly", b"executeonly", b"cvlit", b"noaccess", b"end"))
