"""Incremental access to a job: one seekable file, read in bounded chunks.

Every counter reads through a :class:`Buffer`, so memory stays at one chunk
(plus whatever a single record needs) whatever the size of the job, and
every refill checks the deadline.
"""

from __future__ import annotations

import io
import os

from .deadline import Deadline
from .errors import PDLError

# typing costs start-up and only the type checker needs it (it takes this
# name as true).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

CHUNK = 1 << 20


class Job:
    """The input: a seekable binary file, where the job starts and its size,
    and the limits of its count (time, and pages beyond which a count is
    implausible)."""

    def __init__(self, source, deadline: Deadline, max_pages: int | None = None):
        self.deadline = deadline
        self.max_pages = max_pages
        self.path: str | None = None
        self.file: BinaryIO
        self._owned: BinaryIO | None = None
        if isinstance(source, (str, bytes, os.PathLike)):
            try:
                self.file = open(source, "rb")
            except OSError as exc:
                raise PDLError(f"cannot open {os.fsdecode(source)}: {exc.strerror}") from None
            self._owned = self.file
            self.path = os.fsdecode(source)
            self.start = 0
        elif _seekable(source):
            self.file = source
            self.start = source.tell()
        else:
            self.file = self._owned = _spool(source, deadline)
            self.start = 0
        self.file.seek(0, io.SEEK_END)
        self.end = self.file.tell()
        self.file.seek(self.start)
        if self.end <= self.start:
            raise PDLError("empty job")

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()

    def buffer(self, offset: int) -> "Buffer":
        return Buffer(self.file, offset, self.end, self.deadline)

    def read_at(self, offset: int, size: int) -> bytes:
        self.file.seek(offset)
        return self.file.read(size)

    def copy_to(self, offset: int, target: BinaryIO) -> None:
        """Copy the job from ``offset`` to its end, a chunk at a time."""
        self.file.seek(offset)
        while True:
            self.deadline.check()
            block = self.file.read(CHUNK)
            if not block:
                return
            target.write(block)


def _seekable(f) -> bool:
    try:
        if not f.seekable():
            return False
        f.tell()
        return True
    except (AttributeError, OSError, ValueError):
        return False


def _spool(source, deadline: Deadline) -> BinaryIO:
    """A pipe (the backend's stdin) is copied to an anonymous temporary file."""
    import tempfile  # only a pipe needs it: not imported for every count

    spool = tempfile.TemporaryFile(prefix="pkpgcounter-", dir=os.environ.get("PYKOTADIRECTORY"))
    try:
        while True:
            deadline.check()
            block = source.read(CHUNK)
            if not block:
                break
            if isinstance(block, str):
                raise PDLError("input must be opened in binary mode")
            spool.write(block)
    except OSError as exc:
        spool.close()
        raise PDLError(f"cannot read the job: {exc}") from None
    spool.seek(0)
    return spool


class Buffer:
    """A forward-moving window over the file, for byte-level parsers.

    Parsers look at ``buf[pos]`` directly (fast), call :meth:`ensure` before
    reading past the loaded part and :meth:`skip` to jump over payloads.
    """

    __slots__ = ("file", "end", "deadline", "buf", "pos", "base")

    def __init__(self, file: BinaryIO, offset: int, end: int, deadline: Deadline):
        self.file = file
        self.end = end
        self.deadline = deadline
        self.buf = b""
        self.pos = 0
        self.base = offset  # file offset of buf[0]
        file.seek(offset)

    def offset(self) -> int:
        return self.base + self.pos

    def available(self) -> int:
        return len(self.buf) - self.pos

    def ensure(self, n: int) -> bool:
        """Make ``n`` bytes available from ``pos``; False if the job ends first."""
        if len(self.buf) - self.pos >= n:
            return True
        self.deadline.check()
        self.base += self.pos
        held = len(self.buf) - self.pos
        self.file.seek(self.base + held)
        # Never past ``end``: a section may stop before the end of the file.
        self.buf = self.buf[self.pos:] + self.file.read(max(0, min(max(CHUNK, n), self.end - self.base - held)))
        self.pos = 0
        return len(self.buf) >= n

    def load_more(self) -> bool:
        """Load more of the file after what is held (at least as much again,
        so a long record costs a few loads, not one per byte); False at the end."""
        held = len(self.buf) - self.pos
        return self.ensure(held + max(CHUNK, held)) or len(self.buf) - self.pos > held

    def at_eof(self) -> bool:
        return not self.ensure(1)

    def take(self, n: int, what: str) -> bytes:
        if not self.ensure(n):
            raise PDLError(f"truncated {what} at byte {self.offset()}")
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return data

    def peek(self, n: int) -> bytes:
        self.ensure(n)
        return self.buf[self.pos:self.pos + n]

    def skip(self, n: int, what: str) -> None:
        if n < 0:
            raise PDLError(f"negative length in {what} at byte {self.offset()}")
        if self.pos + n <= len(self.buf):
            self.pos += n
            return
        target = self.base + self.pos + n
        if target > self.end:
            raise PDLError(f"truncated {what} at byte {self.offset()}")
        self.deadline.check()
        self.base, self.buf, self.pos = target, b"", 0

    def readline(self, limit: int = 65536) -> bytes:
        """One line including its LF (or up to ``limit`` bytes); b'' at the end."""
        while True:
            nl = self.buf.find(b"\n", self.pos, self.pos + limit)
            if nl >= 0:
                line = self.buf[self.pos:nl + 1]
                self.pos = nl + 1
                return line
            if len(self.buf) - self.pos >= limit or not self.ensure(len(self.buf) - self.pos + 1):
                line = self.buf[self.pos:self.pos + limit]
                self.pos += len(line)
                return line


class Window(io.RawIOBase):
    """The part of a file from ``start`` to ``end``, seen as a file of its own
    (a PDF or XPS behind a PJL header: offsets must count from its start)."""

    def __init__(self, f, start: int, end: int):
        self._f, self._start, self._end, self._pos = f, start, end, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._end - self._start}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, b) -> int:
        size = min(len(b), self._end - self._start - self._pos)
        if size <= 0:
            return 0
        self._f.seek(self._start + self._pos)
        data = self._f.read(size)
        b[:len(data)] = data
        self._pos += len(data)
        return len(data)
