"""What a language counter gets (one section of the job) and gives back.

Plain classes, not dataclasses: importing ``dataclasses`` costs more start-up
than counting a small job."""

from __future__ import annotations

from .deadline import Deadline
from .pjl import PJLState
from .result import Tally
from .stream import Buffer, Job


class Section:
    __slots__ = ("job", "offset", "language", "pjl", "deadline")

    def __init__(self, job: Job, offset: int, language: str, pjl: PJLState, deadline: Deadline) -> None:
        self.job = job
        self.offset = offset      # where this language's data starts in the file
        self.language = language
        self.pjl = pjl
        self.deadline = deadline

    def buffer(self) -> Buffer:
        return self.job.buffer(self.offset)


class SectionResult:
    __slots__ = ("tally", "resume_at")

    def __init__(self, tally: Tally, resume_at: int | None = None) -> None:
        self.tally = tally
        # File offset of the UEL that ended the section (the job goes on with
        # PJL there), or None when the section ran to the end of the file.
        self.resume_at = resume_at
