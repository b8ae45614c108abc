"""pkrefund's and pkinvoice's filter expressions (PyKota's): which jobs of the history they mean.

    username=jerome printername="hp*" hostname=10.0.0.9 jobid=12 billingcode=physique
    start=20260901 end=today

Names are shell patterns matched as dumpykota matches them; start and end take dumpykota's dates
(report.dates). Every key is given at most once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Iterator

from ..directory import Directory, history
from ..directory import escaping as esc
from ..model import Job
from . import dates

KEYS = ("username", "printername", "hostname", "jobid", "billingcode", "start", "end")
_NAMES = {"username": "user", "printername": "printer", "hostname": "hostname", "jobid": "job_id",
          "billingcode": "billing_code"}


class FilterError(ValueError):
    """A filter expression that cannot be used: one line for the user."""


@dataclass(frozen=True)
class JobFilter:
    names: dict[str, str]                   # history.find_jobs' criterion -> shell pattern
    start: datetime | None = None
    end: datetime | None = None

    def describe(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.typed) or "(no filter)"

    @property
    def typed(self) -> list[tuple[str, str]]:
        back = {v: k for k, v in _NAMES.items()}
        shown = [(back[k], v) for k, v in self.names.items()]
        return shown + [(k, f"{v:%Y-%m-%d %H:%M:%S}") for k, v in (("start", self.start), ("end", self.end)) if v]


def parse(expressions: Iterable[str]) -> JobFilter:
    given: dict[str, str] = {}
    for item in expressions:
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise FilterError(f"filters are key=value, got {item!r}")
        if key not in KEYS:
            raise FilterError(f"unknown filter {key!r}: use {', '.join(KEYS)}")
        if key in given:
            raise FilterError(f"filter {key}= given twice")
        if not value.strip():
            raise FilterError(f"filter {key}= needs a value")
        given[key] = value.strip()
    try:
        start, end = dates.window(given.pop("start", None), given.pop("end", None))
    except dates.DateError as exc:
        raise FilterError(str(exc)) from None
    return JobFilter({_NAMES[k]: v for k, v in given.items()}, start, end)


def select(d: Directory, wanted: JobFilter) -> Iterator[Job]:
    """The history's jobs the filter means, oldest first (a receipt or an invoice lists them in order)."""
    jobs = history.jobs_between(d, wanted.start, wanted.end, **wanted.names)
    exact = [job for job in jobs if all(esc.matches(str(getattr(job, attr) or ""), pattern)
                                        for attr, pattern in wanted.names.items())]
    return iter(sorted(exact, key=lambda j: (j.date, j.dn or "")))
