"""Price quotes (pykotme, the web's quote page): what a job would cost on each printer, and whether
it would print now.

The job's pages are counted once (the page counter the backend uses); then, per printer, the
backend's own reads (load_job_context, with the quota entries a first job would write from the
[sync] rules: backend/firstquota.py), its price (charged_printers, policy.job_price) and its
decision (policy.decide with the printer's limits), so a quote is what the backend would charge
and decide for the same data at the same moment. Nothing is written: the grace date a decision
would start is not stored. What the backend decides from the job ticket only (billing code,
duplicates, overwrite_jobticket, askconfirmation) is not part of a quote.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from enum import StrEnum
from typing import BinaryIO

from . import policy
from .accounting.pdl import PDLError, count_pages
from .backend import firstquota
from .backend.decide import charged_printers, limits_for
from .config import Config
from .directory import Directory
from .directory import printers as printer_store
from .directory.escaping import matches
from .directory.jobcontext import load_job_context
from .model import Action, User


class Verdict(StrEnum):
    """What a quote says about one printer (PyKota's pykotme words, plus the decision now)."""

    PRICE = "price"                  # charged; prints now
    WARN = "warn"                    # charged; prints now, with a warning (grace period, low balance)
    REFUSED = "refused"              # the quota or the balance would refuse it now
    FREE = "free"                    # won't be charged (passthrough printer, nochange user)
    TOO_LARGE = "too-large"          # not allowed to print so many pages (max job size)
    FORBIDDEN = "forbidden"          # noprint user
    UNMANAGED = "unmanaged"          # no quota entry / not managed: the `policy` key decides


@dataclass(frozen=True)
class PrinterQuote:
    printer: str
    verdict: Verdict
    price: int                       # thousandths; 0 when not charged
    reason: str                      # the decision's reason, as the backend would tell it


@dataclass(frozen=True)
class Quote:
    user: User | None
    pages: int
    printers: list[PrinterQuote]


class QuoteError(Exception):
    """A file whose pages cannot be counted: one line."""


def count(source: str | BinaryIO, config: Config) -> int:
    """The pages of one job (copies inside the file included), as the backend counts them."""
    try:
        return count_pages(source, timeout=config.get_float("pdltimeout", 60.0, minimum=1)).total
    except PDLError as exc:
        raise QuoteError(f"its pages cannot be counted: {' '.join(str(exc).split())}") from None


def printers_for(d: Directory, patterns: list[str] | None) -> list[str]:
    """The print queues (not printer groups) matching the shell patterns (None: all), by name."""
    found = printer_store.all_printers(d).values()
    names = [p.name for p in found if not p.is_group and (not patterns or any(matches(p.name, x) for x in patterns))]
    return sorted(names, key=str.lower)


def quote(config: Config, d: Directory, username: str, pages: int, printer_names: list[str],
          keep_unmanaged: bool = False, now: datetime | None = None) -> Quote:
    """The job of `pages` pages by `username` on each printer. Printers where the user has no
    account there (the backend would apply `policy`) are left out unless keep_unmanaged."""
    now = now or datetime.now(timezone.utc)
    user = None
    lines = []
    for name in printer_names:
        context = load_job_context(d, username, name)
        firstquota.as_if_written(context, firstquota.rule_entries(config, d, context))   # as the first job will
        user = user or context.user
        if context.missing:
            if keep_unmanaged:
                lines.append(PrinterQuote(name, Verdict.UNMANAGED, 0,
                                          f"{context.missing} (policy: {config.get('policy', 'deny', name)})"))
            continue
        assert context.user is not None and context.printer is not None
        price = policy.job_price(pages, charged_printers(context), context.user.overcharge)
        decision = policy.decide(context.user, context.printer, context.user_quotas, context.groups, pages, price,
                                 limits_for(config, name), now)
        too_large = any(size is not None and pages > size for size in
                        [context.printer.max_job_size] + [q.max_job_size for q in context.user_quotas])
        lines.append(PrinterQuote(name, _verdict(context.user, decision, too_large), price if decision.charge else 0,
                                  decision.reason))
    return Quote(user, pages, lines)


def _verdict(user: User, decision: policy.Decision, too_large: bool) -> Verdict:
    if not decision.charge:
        return Verdict.FREE
    if decision.action == Action.DENY:
        if user.limit_by == "noprint":
            return Verdict.FORBIDDEN
        if too_large:
            return Verdict.TOO_LARGE
        return Verdict.REFUSED
    return Verdict.WARN if decision.action == Action.WARN else Verdict.PRICE
