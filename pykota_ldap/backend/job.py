"""What the flow hands from one step of a job to the next."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

    from ..accounting.accounter import Accounter
    from ..config import Config
    from ..directory import Directory
    from .decide import Verdict
    from .jobinfo import JobInfo
    from .journal import JobJournal


@dataclass(frozen=True)
class Setup:
    """What the flow reads before it spools the job; any error here stops the queue."""

    config: Config
    accounter: Accounter
    backend: str                     # the real backend's path
    directory_wait: float            # directorywait, s
    pdl_timeout: float               # pdltimeout, s
    parallel_count: bool             # parallelcount (or PYKOTA_PRECOUNT_FORK)
    on_accounter_error: str          # onaccountererror: stop | continue
    retries: int                     # onbackenderror retry:N (-1: forever)
    retry_pause: float               # onbackenderror retry:N:S
    charge_on_error: bool            # onbackenderror charge


@dataclass(frozen=True)
class Decided:
    """A job the directory has decided on."""

    setup: Setup
    job: JobInfo
    directory: Directory
    verdict: Verdict
    size: int                        # the precomputed pages
    name: str                        # the charge's unique name (its history entry's cn)
    date: datetime                   # the job's date in every record of it (and so in its marks)
    journal: JobJournal              # its intent record
