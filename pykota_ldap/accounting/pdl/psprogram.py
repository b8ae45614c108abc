"""Is this PostScript program as plain as its DSC comments say?

The DSC comments (``%%Pages:``, ``%%Page:``) are only a claim: a job can
say one page and print fifty from a loop, or ask for ``5 10 mul`` copies.
They may be believed only where the program cannot contradict them, so one
pass over the tokens checks that the program is built from a vocabulary
whose page output can be read off the text:

* pages are emitted only by ``showpage``/``copypage`` at the top level,
  where each runs exactly once; never inside a procedure or a loop;
* every operator is one of a fixed list that draws, computes or defines
  (no ``exec``, ``cvx``, ``token``, ``run``, ``file``, ``currentfile``,
  ``filter``, ``forall``, images, ``systemdict``, internal ``.`` names);
  ``load``, ``get``, ``where``, ``cvn``, ``copy`` and the control operators
  only in forms that cannot fetch or build code (a literal name before
  ``load``, an integer before ``get``, a procedure literal before ``if``);
* the program defines none of the system's names (a definition it later
  ends could hand back the real operator) and calls no name it does not
  define; strings cannot be changed or cut into new names (no
  ``putinterval``, ``cvs``, ``getinterval``, ``search``; ``put`` only where
  the target is a dictionary or array), and none spells an operator the
  program uses (``(show) {...} def`` would redefine it);
* copies only in literal forms (``/#copies 2 def``,
  ``<< /NumCopies 2 >> setpagedevice``, the idioms of CUPS and browsers);
  no ``EndPage``/``BeginPage``, and no string naming any of these.

Anything else is doubt, and a doubtful job is interpreted by Ghostscript.
The DSC structure itself must also be consistent (see :class:`Reading`),
and the showpages counted must equal the pages the comments declare.
"""

from __future__ import annotations

import re
from typing import cast

from .pjl import UEL
from .pslex import DECIMAL, LITERAL, STRING, parts, regular, tokens, unescape
from .psnames import SYSTEM_NAMES
from .section import Section
from .stream import Buffer

SAFE = frozenset(b"""
pop exch dup copy index roll clear count mark cleartomark counttomark
add sub mul div idiv mod abs neg ceiling floor round truncate sqrt atan cos sin exp ln log
cvi cvr rand srand rrand max min
eq ne ge gt le lt and not or xor bitshift true false null
array length aload astore string dict maxlength begin end def known store currentdict userdict
cvn cvlit xcheck type readonly executeonly noaccess rcheck wcheck gcheck bind load where get
put if ifelse repeat loop for stopped exit stop
save restore vmstatus setglobal currentglobal setpacking currentpacking languagelevel version
matrix identmatrix initmatrix defaultmatrix currentmatrix setmatrix translate scale rotate concat concatmatrix
transform dtransform itransform idtransform invertmatrix
gsave grestore grestoreall initgraphics setlinewidth currentlinewidth setlinecap currentlinecap setlinejoin
currentlinejoin setmiterlimit currentmiterlimit setdash currentdash setflat currentflat setstrokeadjust
currentstrokeadjust setgray currentgray setrgbcolor currentrgbcolor sethsbcolor currenthsbcolor setcmykcolor
currentcmykcolor setcolorspace setcolor setoverprint currentoverprint setsmoothness setoverprintmode
clipsave cliprestore settransfer
newpath moveto rmoveto lineto rlineto curveto rcurveto arc arcn arct arcto closepath flattenpath reversepath
strokepath charpath clippath pathbbox initclip clip eoclip rectclip currentpoint
erasepage fill eofill stroke rectfill rectstroke shfill
findfont scalefont makefont setfont selectfont currentfont show ashow widthshow awidthshow xshow xyshow yshow
glyphshow stringwidth definefont StandardEncoding ISOLatin1Encoding
currentpagedevice setpagedevice print flush
""".split())
PAGE_OPERATORS = frozenset((b"showpage", b"copypage"))
# Operators that are safe only in the forms _check_name allows.
CONSTRAINED = frozenset(b"get load where cvn copy put if ifelse repeat loop for stopped settransfer "
                        b"setpagedevice".split())
NEED_PROCEDURE = {b"if": 1, b"ifelse": 2, b"repeat": 1, b"loop": 1, b"for": 1, b"stopped": 1, b"settransfer": 1}
COPIES_NAMES = frozenset((b"#copies", b"NumCopies"))
PAGE_HOOKS = frozenset((b"EndPage", b"BeginPage"))
# A string holding one of these could become the name in a definition.
SENSITIVE_TEXT = (b"#copies", b"NumCopies", b"EndPage", b"BeginPage", b"showpage", b"copypage",
                  b"setpagedevice")
PLAIN_OPERATORS = SAFE - CONSTRAINED
PUT_TARGETS = frozenset((b"userdict", b"currentdict", b"dict", b"array"))
# Separators for Ghostscript that bytes.split() does not split on. (It also
# splits at a vertical tab, which Ghostscript keeps in a name: "a<VT>b" is
# then seen as two names, each of which must be allowed, while Ghostscript
# runs one undefined or user-defined name: never a page more.)
_SEPARATORS = bytes.maketrans(b"\x00\x04", b"  ")
NOT_PLAIN_LITERALS = SYSTEM_NAMES | PAGE_OPERATORS | COPIES_NAMES | PAGE_HOOKS
SPELLED = SAFE | SYSTEM_NAMES
NOT_PAGE_DEVICE_KEYS = COPIES_NAMES | PAGE_HOOKS | SYSTEM_NAMES | PAGE_OPERATORS
LITERAL_KINDS = frozenset(("int", "num", "str", "lit", "dict", "array"))
LITERAL_NAMES = frozenset((b"true", b"false", b"null"))
MAX_COPIES = 9999
LOOKAHEAD = 64          # top-level items a rule may look ahead (and back)
MAX_GROUP = 100_000     # items in one literal array or dictionary
MAX_PROCEDURE = 200_000  # items in one procedure, nested ones included
MAX_NESTING = 100        # procedures, arrays and dictionaries inside each other

# What CUPS' pstops writes for copies (the number comes first, on the stack).
PSTOPS_COPIES = [
    [("lit", b"languagelevel"), ("name", b"where")],
    [("name", b"pop"), ("name", b"languagelevel"), ("int", 2), ("name", b"ge")],
    [("name", b"false")],
    [("name", b"ifelse")],
    [("int", 1), ("name", b"dict"), ("name", b"begin"), ("lit", b"NumCopies"), ("name", b"exch"),
     ("name", b"def"), ("name", b"currentdict"), ("name", b"end"), ("name", b"setpagedevice")],
    [("name", b"userdict"), ("lit", b"#copies"), ("int", 3), ("int", -1), ("name", b"roll"), ("name", b"put")],
    [("name", b"ifelse")],
]

_COPIES_COMMENTS = [
    re.compile(rb"^%%Requirements:.*\bnumcopies\(\s*(\d+)\s*\)", re.I),
    re.compile(rb"^%(?:%|RBI)Begin(?:NonPPD)?Feature:\s*\*?NumCopies\s+(\d+)", re.I),
    re.compile(rb"^%RBINumCopies:\s*(\d+)"),
]


class Reading:
    """What one pass over a PostScript section found."""

    def __init__(self) -> None:
        # The DSC comments.
        self.dsc = False
        self.declared: int | None = None
        self.dsc_pages = 0
        self.last_ordinal = 0
        self.ordered = True
        self.complete = False
        self.concatenated = False
        self.headers = 0           # %!PS-Adobe- lines
        self.embedded = 0          # %%BeginDocument depth
        self.copies: int | None = None
        # The program.
        self.pages = 0             # showpage/copypage at the top level
        self.doubt: str | None = None
        self.defined: set[bytes] = set()
        self.called: set[bytes] = set()
        self.operators: set[bytes] = set()   # system operators the program uses
        self.named: set[bytes] = set()       # strings that spell a system name
        # Where the section ends: the UEL of the next PJL section, if any.
        self.resume_at: int | None = None

    def trusted(self) -> bool:
        """The DSC is consistent and the program cannot contradict it."""
        if not (self.dsc and self.complete and self.ordered and not self.concatenated):
            return False
        if self.dsc_pages == 0 or (self.declared is not None and self.declared != self.dsc_pages):
            return False
        return self.doubt is None and self.pages == self.dsc_pages

    def doubts(self, reason: str) -> None:
        if self.doubt is None:
            self.doubt = reason

    def add_copies(self, value: int) -> None:
        if value >= 1:
            self.copies = max(self.copies or 1, min(value, MAX_COPIES))


def read(section: Section, start: int) -> Reading:
    """Read the section from ``start`` (its first line, ``%!...``) on."""
    reading = Reading()
    job = section.job
    # A printer's PJL layer ends the PostScript at the first UEL, wherever
    # it is (even inside a string): so does the section.
    reading.resume_at = _find_uel(job, start)
    end = job.end if reading.resume_at is None else reading.resume_at
    buf = Buffer(job.file, start, end, section.deadline)
    reading.dsc = buf.peek(64).lstrip(b"\x04").startswith(b"%!PS-Adobe-")
    if not reading.dsc:
        reading.doubts("no DSC header")  # nothing to believe: Ghostscript counts it
        return reading
    program = _Program(reading)
    for kind, value, _ in tokens(buf):
        if kind == "bad":
            reading.doubts(str(value))
        elif kind == "comment":
            text, line_start = cast(tuple[bytes, bool], value)
            if line_start:
                _comment(text, reading, program.depth())
        else:
            program.token(kind, value)
        if reading.doubt is not None:
            return reading  # Ghostscript will count it
    program.finish()
    return reading


def _find_uel(job, start: int) -> int | None:
    """The offset of the first UEL after ``start``, None if there is none."""
    buf = job.buffer(start)
    while buf.ensure(1):
        at = buf.buf.find(UEL, buf.pos)
        if at >= 0:
            return buf.base + at
        if buf.base + len(buf.buf) >= buf.end:
            return None
        buf.pos = max(buf.pos, len(buf.buf) - len(UEL) + 1)  # a UEL may straddle two chunks
        buf.load_more()
    return None


def _comment(line: bytes, reading: Reading, depth: int) -> None:
    if line.startswith(b"%%Page:"):
        _page_comment(line, reading, depth)
    elif line.startswith(b"%%Pages:"):
        value = line[8:].strip()
        if value.isdigit() and not reading.embedded:
            reading.declared = int(value)
    elif line.startswith((b"%%EOF", b"%%Trailer")):
        reading.complete = reading.complete or not reading.embedded
    elif line.startswith(b"%!PS-Adobe-"):
        if not reading.embedded:
            reading.headers += 1
            reading.concatenated = reading.headers > 1
    elif line.startswith(b"%%BeginDocument"):
        reading.embedded += 1
    elif line.startswith(b"%%EndDocument"):
        reading.embedded = max(0, reading.embedded - 1)
    elif line.startswith((b"%%BeginBinary:", b"%%BeginData:")):
        reading.doubts("binary data the program reads itself")
    else:
        for pattern in _COPIES_COMMENTS:
            match = pattern.search(line)
            if match:
                reading.add_copies(int(match.group(1)[:5]))
                return


def _page_comment(line: bytes, reading: Reading, depth: int) -> None:
    if reading.embedded:
        return  # a page of an included document, not of this one
    if depth:
        reading.doubts("a %%Page: comment inside a procedure or a literal")
    reading.dsc_pages += 1
    try:
        ordinal = int(line.split()[-1].rstrip(b")]"))
    except (ValueError, IndexError):
        ordinal = -1
    if ordinal != reading.last_ordinal + 1:
        reading.ordered = False
    reading.last_ordinal = ordinal


class _Program:
    """Groups tokens into items (procedures, literal arrays and dictionaries)
    and applies the rules to them: top-level items with a look-ahead of
    :data:`LOOKAHEAD`, procedures as a whole when they close."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.frames: list[list] = []   # procedures being read
        self.top: list = []            # top-level items, ``done`` of them checked
        self.done = 0
        self.groups = 0                # literal groups open at the top level
        self.size = 0                  # items in the outermost open procedure
        self.rules = _Rules(reading)

    def depth(self) -> int:
        return len(self.frames) + (1 if self.groups else 0)

    def token(self, kind: str, value) -> None:
        if kind == "run":
            if self.frames or self.groups or not self._plain_run(value):
                for part_kind, part, _ in parts(value):
                    self.token(part_kind, part)
            return
        if kind == "{":
            if len(self.frames) >= MAX_NESTING:
                self.reading.doubts("procedures nested too deeply to check")
                return
            self.frames.append([])
            return
        if kind == "}":
            if not self.frames:
                self.reading.doubts("an unmatched }")
                return
            items = self.frames.pop()
            self._add(("proc", items))
            return
        self._add((kind, value))

    def _add(self, item) -> None:
        if self.frames:
            frame = self.frames[-1]
            frame.append(item)
            self.size += 1
            if self.size > MAX_PROCEDURE:
                self.reading.doubts("a procedure too large to check")
                self.frames[0].clear()
            if item[0] in ("]", ">>"):
                _group(frame)
            return
        self.size = 0
        self.top.append(item)
        kind = item[0]
        if kind in ("[", "<<"):
            self.groups += 1
        elif kind in ("]", ">>") and self.groups:
            self.groups -= 1
            _group(self.top, self.done)
        if len(self.top) - self.done > MAX_GROUP:
            self.reading.doubts("a literal too large to check")
            self.groups = 0
        if not self.groups:
            self._advance(LOOKAHEAD)

    def _plain_run(self, run: bytes) -> bool:
        """Take a top-level run of names, numbers, literal names and strings
        in one go when no rule needs to look at its tokens one by one: the
        same effect as checking each, at a fraction of the cost. False if a
        token needs the rules."""
        pieces = STRING.split(run)
        rest, strings = b" ".join(pieces[0::2]), pieces[1::2]
        if b"//" in rest:
            return False
        pieces = LITERAL.split(rest)
        literals = set(pieces[1::2])
        words = b" ".join(pieces[0::2]).translate(_SEPARATORS).split()
        names = set(words)
        if names & PUT_TARGETS:
            return False  # the stack model must see where a put target comes from
        called = {name for name in names - PLAIN_OPERATORS - PAGE_OPERATORS if not DECIMAL.match(name)}
        for name in list(called):
            if name in SAFE or name in SYSTEM_NAMES or name[:1] == b".":
                return False
            if _is_number(name):  # a radix number
                called.discard(name)
        defined = {literal[1:] for literal in literals}
        if defined & NOT_PLAIN_LITERALS or any(name[:1] == b"." for name in defined):
            return False
        texts = {unescape(string[1:-1]) if b"\\" in string else string[1:-1] for string in set(strings)}
        reading = self.reading
        self._advance(0)  # what came before takes effect first
        joined = b"\x00".join(texts)
        for word in SENSITIVE_TEXT:
            if word in joined:
                reading.doubts(f"a string naming {word.decode()}")
        reading.pages += words.count(b"showpage") + words.count(b"copypage")
        reading.operators |= names & SAFE
        reading.called |= called
        reading.defined |= defined
        reading.named |= texts & SPELLED
        self.rules.sim.forget()
        return True

    def _advance(self, keep: int) -> None:
        while len(self.top) - self.done > keep:
            self.rules.check(self.top, self.done, 0)
            self.rules.sim.apply(self.top[self.done])
            self.done += 1
        if self.done > 4 * LOOKAHEAD + 4096:
            cut = self.done - LOOKAHEAD
            del self.top[:cut]
            self.done -= cut

    def finish(self) -> None:
        if self.frames:
            self.reading.doubts("an unterminated procedure")
        self.groups = 0
        self._advance(0)
        reading = self.reading
        missing = reading.called - reading.defined
        if missing:
            reading.doubts(f"calls {sorted(missing)[0]!r}, which it does not define")
        # A string can be a key: (show) {...} def redefines show. Strings
        # cannot be changed or cut here, so only one spelled out can.
        redefinable = reading.named & reading.operators
        if redefinable:
            reading.doubts(f"a string spells {sorted(redefinable)[0]!r}, which it uses as an operator")


def _is_number(text: bytes) -> bool:
    return regular(text, 0)[0] != "name"


def _group(seq: list, floor: int = 0) -> None:
    """Turn ``[ ... ]`` or ``<< ... >>`` that closes ``seq`` into one literal
    item when everything between is literal data."""
    closer = seq[-1][0]
    opener = "[" if closer == "]" else "<<"
    for at in range(len(seq) - 2, max(floor, len(seq) - 2 - MAX_GROUP) - 1, -1):
        kind = seq[at][0]
        if kind == opener:
            inner = seq[at + 1:-1]
            if all(_literal(item) for item in inner):
                del seq[at:]
                seq.append(("array", inner) if opener == "[" else ("dict", inner))
            return
        if kind in ("[", "<<", "]", ">>"):
            return


def _literal(item) -> bool:
    kind = item[0]
    return kind in LITERAL_KINDS or kind == "proc" or (kind == "name" and item[1] in LITERAL_NAMES)


class _Rules:
    """The rules, applied to item ``i`` of a sequence at procedure depth ``depth``."""

    def __init__(self, reading: Reading) -> None:
        self.reading = reading
        self.exempt: set[int] = set()     # id() of items a recognised idiom vouches for
        self.sim = _Stack()               # what the top level leaves on the stack

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


class _Stack:
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
        if self.level > 8 or any(not isinstance(p, tuple) or len(p[1]) > LOOKAHEAD for p in procedures):
            self.forget()
            return
        outcomes = []
        for number, (_, body) in enumerate(procedures):
            found = ["dict"] if condition == "where" and number == 0 else []  # where's dictionary
            branch = _Stack(list(self.items) + found, self.level + 1)
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
