"""The page count before printing: in-process (default), or in a forked child while the parent
talks to the directory (`parallelcount: yes`).

Importing the LDAP client and connecting takes the parent ~60 ms; importing the page counter
(pikepdf for PDF) and counting takes about half that. A fork before either import can run both
at once on two cores; the child writes one line (`total language` or `! reason`) on a pipe and
leaves with os._exit. Measured on a busy 2-core machine (tools/bench_backend, interleaved runs)
the fork cost more than it saved (+7 ms median), so it is off by default; it pays only where a
core is idle when jobs arrive.
"""
from __future__ import annotations

import os


class PrecountError(Exception):
    pass


def _count(path: str, timeout: float) -> tuple[int, str]:
    from ..accounting.pdl import count_pages
    result = count_pages(path, timeout=timeout)
    return result.total, result.language


class Precount:
    def __init__(self, path: str, timeout: float, fork: bool = False):
        self.path, self.timeout = path, timeout
        self.pid: int | None = None          # the counting child, while it runs
        self.fd = -1                         # the pipe it answers on
        self._value: tuple[int, str] | None = None
        if not fork:
            return
        try:
            read_end, write_end = os.pipe()
            pid = os.fork()
        except OSError:
            return
        if pid == 0:                                   # the child: count, report, vanish
            os.close(read_end)
            try:
                total, language = _count(path, timeout)
                line = f"{total} {language}\n"
            except BaseException as exc:               # noqa: BLE001
                line = "! " + " ".join(str(exc).split()) + "\n"
            try:
                os.write(write_end, line.encode("utf-8", "replace"))
            finally:
                os._exit(0)
        os.close(write_end)
        self.pid, self.fd = pid, read_end

    def result(self) -> tuple[int, str]:
        """(pages of the data, language); raises PrecountError when the data cannot be counted."""
        if self._value is not None:
            return self._value
        if self.pid is None:
            try:
                self._value = _count(self.path, self.timeout)
            except Exception as exc:                   # noqa: BLE001
                raise PrecountError(" ".join(str(exc).split())) from None
            return self._value
        chunks = []
        while chunk := os.read(self.fd, 4096):
            chunks.append(chunk)
        os.close(self.fd)
        os.waitpid(self.pid, 0)
        self.pid = None
        line = b"".join(chunks).decode("utf-8", "replace").strip()
        if not line:
            raise PrecountError("the page counter died")
        if line.startswith("!"):
            raise PrecountError(line[1:].strip())
        total, _, language = line.partition(" ")
        self._value = (int(total), language)
        return self._value

    def abandon(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            os.close(self.fd)
            self.pid = None
