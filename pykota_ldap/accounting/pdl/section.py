"""What a language counter gets (one section of the job) and gives back."""

from __future__ import annotations

from dataclasses import dataclass

from .deadline import Deadline
from .pjl import PJLState
from .result import Tally
from .stream import Buffer, Job


@dataclass
class Section:
    job: Job
    offset: int          # where this language's data starts in the file
    language: str
    pjl: PJLState
    deadline: Deadline

    def buffer(self) -> Buffer:
        return self.job.buffer(self.offset)


@dataclass
class SectionResult:
    tally: Tally
    # File offset of the UEL that ended the section (the job goes on with PJL
    # there), or None when the section ran to the end of the file.
    resume_at: int | None = None
