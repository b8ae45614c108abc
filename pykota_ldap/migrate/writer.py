"""Sends a Plan's writes in batches through the pipelined writer (directory.pipeline): each write is
one LDAP operation that stands alone, so a run killed anywhere leaves whole entries, and the next
run's plan holds exactly what is still missing."""
from __future__ import annotations

from typing import Callable

from ..directory import Directory
from ..directory.pipeline import PipelinedWrites
from .plan import Plan

BATCH = 500
Progress = Callable[[int, int], None]        # (done, total)


def apply_plan(d: Directory, plan: Plan, progress: Progress | None = None) -> list[str]:
    """Send every write; the failures, one line each ('printer hp4: <reason>')."""
    failures: list[str] = []
    total = len(plan.writes)
    for start in range(0, total, BATCH):
        batch = plan.writes[start:start + BATCH]
        pipe = PipelinedWrites(d)
        for write in batch:
            write.apply(pipe)
        for write, error in zip(batch, pipe.flush(), strict=True):
            if error is not None:
                failures.append(f"{write.what}: {error}")
        if progress:
            progress(min(start + BATCH, total), total)
    return failures
