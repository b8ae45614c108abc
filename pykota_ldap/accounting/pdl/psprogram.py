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

from .pjl import UEL
from .pslex import DECIMAL, LITERAL, STRING, parts, regular, tokens, unescape
from .psnames import (
    LITERAL_KINDS,
    LITERAL_NAMES,
    NOT_PLAIN_LITERALS,
    PAGE_OPERATORS,
    PLAIN_OPERATORS,
    PUT_TARGETS,
    SAFE,
    SENSITIVE_TEXT,
    SPELLED,
    SYSTEM_NAMES,
)
from .psrules import MAX_NESTING, Rules
from .section import Section
from .stream import Buffer

# Separators for Ghostscript that bytes.split() does not split on. (It also
# splits at a vertical tab, which Ghostscript keeps in a name: "a<VT>b" is
# then seen as two names, each of which must be allowed, while Ghostscript
# runs one undefined or user-defined name: never a page more.)
_SEPARATORS = bytes.maketrans(b"\x00\x04", b"  ")
MAX_COPIES = 9999
LOOKAHEAD = 64          # top-level items a rule may look ahead (and back)
MAX_GROUP = 100_000     # items in one literal array or dictionary
MAX_PROCEDURE = 200_000  # items in one procedure, nested ones included

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
            comment: tuple[bytes, bool] = value  # type: ignore[assignment]  # (text, at line start)
            text, line_start = comment
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
        self.rules = Rules(reading)

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
