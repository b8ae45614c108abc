"""The PYKOTA* variables PyKota gave every external command, beyond the job's own: the user, the
quota entry, the printer, once the directory has been read (PyKota's names and forms).

Amounts are decimals (`0.65`, the directory holds 650 thousandths), as PyKota printed them; a
value the directory does not hold is the word `None`, as PyKota exported it; an unlimited job
size is `Unlimited`. Scripts written for PyKota test these words.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .. import money

if TYPE_CHECKING:
    from ..directory.jobcontext import JobContext

# Passed by the flow as thousandths, shown as decimals.
MONEY_VARIABLES = frozenset({"PYKOTABALANCE", "PYKOTALIFETIMEPAID", "PYKOTAOVERCHARGE", "PYKOTAPRICEPERPAGE",
                             "PYKOTAPRICEPERJOB", "PYKOTAJOBPRICE", "PYKOTAPRECOMPUTEDJOBPRICE"})

CONTEXT_VARIABLES = ("PYKOTALIMITBY", "PYKOTABALANCE", "PYKOTALIFETIMEPAID", "PYKOTAOVERCHARGE",
                     "PYKOTAUSERDESCRIPTION", "PYKOTAMAXJOBSIZE", "PYKOTAPAGECOUNTER", "PYKOTALIFEPAGECOUNTER",
                     "PYKOTASOFTLIMIT", "PYKOTAHARDLIMIT", "PYKOTADATELIMIT", "PYKOTAWARNCOUNT", "PYKOTAPGROUPS",
                     "PYKOTAPRINTERDESCRIPTION", "PYKOTAPRINTERMAXJOBSIZE", "PYKOTAPRINTERPASSTHROUGHMODE",
                     "PYKOTAPRICEPERPAGE", "PYKOTAPRICEPERJOB")


def shown(value: object) -> str:
    return "None" if value is None or value == "" else str(value)


def _size(pages: int | None) -> str:
    return "Unlimited" if pages is None else str(pages)


def context_values(context: JobContext) -> dict[str, str]:
    """What the directory says of the job's user, quota entry and printer; `None` for what it
    does not hold (an unknown user or printer leaves every one of them `None`)."""
    values = dict.fromkeys(CONTEXT_VARIABLES, "None")
    user, printer, quota = context.user, context.printer, context.own_quota
    if user is not None and user.managed:
        values.update(PYKOTALIMITBY=user.limit_by, PYKOTABALANCE=money.format(user.balance),
                      PYKOTALIFETIMEPAID=money.format(user.lifetime_paid),
                      PYKOTAOVERCHARGE=money.format(user.overcharge), PYKOTAUSERDESCRIPTION=shown(user.description))
        if user.language:            # PyKota's PYKOTALANG was the messages' language: the user's own, here
            values["PYKOTALANG"] = user.language
    if quota is not None:
        values.update(PYKOTAMAXJOBSIZE=_size(quota.max_job_size), PYKOTAPAGECOUNTER=str(quota.page_counter),
                      PYKOTALIFEPAGECOUNTER=str(quota.life_page_counter), PYKOTASOFTLIMIT=shown(quota.soft_limit),
                      PYKOTAHARDLIMIT=shown(quota.hard_limit), PYKOTAWARNCOUNT=str(quota.warn_count),
                      PYKOTADATELIMIT=quota.date_limit.strftime("%Y-%m-%d %H:%M:%S") if quota.date_limit else "None")
    if printer is not None:
        values.update(PYKOTAPGROUPS=",".join(p.name for p in context.chain[1:]),
                      PYKOTAPRINTERDESCRIPTION=shown(printer.description),
                      PYKOTAPRINTERMAXJOBSIZE=_size(printer.max_job_size),
                      PYKOTAPRINTERPASSTHROUGHMODE="ON" if printer.passthrough else "OFF",
                      PYKOTAPRICEPERPAGE=money.format(printer.price_per_page),
                      PYKOTAPRICEPERJOB=money.format(printer.price_per_job))
    return values


def step_value(name: str, value: object) -> str:
    """One value a step adds (PYKOTAJOBPRICE=650 -> '0.65'); unset is empty."""
    if value is None:
        return ""
    if name in MONEY_VARIABLES and isinstance(value, int):
        return money.format(value)
    return str(value)
