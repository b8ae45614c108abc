"""pkrefund: give printed jobs back (a jam, a misprint), with a payment, a reason and receipts.

\b
    pkrefund -f -r "paper jam" jobid=12 printername=hp4 -o receipt.pdf
    pkrefund -r "misprints" username=jerome start=20261201 end=today
    pkrefund -f -r "lab closed" billingcode=physique -o receipts.pdf -n 100 -l logo.png

Filters key=value (shell wildcards allowed): username, printername, hostname, jobid, billingcode,
start, end (YYYY[MM[DD[hh[mm[ss]]]]], or today, yesterday, tomorrow, now, optionally +N / -N days).
Per job: the price goes back to the user's balance (a payment of it is recorded with the reason)
and to the billing code, the pages come off the user's counters on the printer and on the printer
groups above it, and the job becomes REFUND. Denied, cancelled, refunded and zero-page jobs are
skipped. A job is refunded once, also when admins run pkrefund at the same time or a run is
interrupted: the same command, run again, finishes it. Without -f each job is shown and confirmed.
The PDF receipts (-o) have one page per user, numbered from -n.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from datetime import datetime

import click

from .. import documents, money
from ..directory import Directory, refunds
from ..model import Job
from ..report import invoices, jobfilters
from .admin import command
from .common import fail
from .session import Session, session

DEFAULT_INFO = "Refunded %(nbpages)i pages and %(nbcredits).3f credits by %(effectiveuser)s (%(loginname)s) on %(date)s"


@command("pkrefund", help=__doc__)
@click.option("-r", "--reason", help="Why: stored with each refund's payment (mandatory).")
@click.option("-f", "--force", is_flag=True, help="Refund without asking for each job.")
@click.option("-i", "--info", default=DEFAULT_INFO, show_default=True,
              help="Text put before the reason in the payment's description.")
@click.option("-l", "--logo", metavar="FILE", help="Image printed on each receipt.")
@click.option("-n", "--number", default=1, show_default=True, type=click.IntRange(min=0),
              help="Number of the first receipt.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE",
              help="The PDF receipts, one page per user ('-': stdout, unless it is a terminal).")
@click.option("-p", "--pagesize", default="A4", show_default=True, help="A4, Letter, or another ReportLab size.")
@click.option("-u", "--unit", default="Credits", show_default=True, help="Currency shown on the receipts.")
@click.argument("filters", nargs=-1)
def main(reason: str | None, force: bool, info: str, logo: str | None, number: int, output: str, pagesize: str,
         unit: str, filters: tuple[str, ...]) -> None:
    request = _parse(reason, info, logo, pagesize, filters)
    check_output(output)
    with session() as s:
        s.require_admin("pkrefund")
        jobs = list(jobfilters.select(s.directory, request.wanted))
        if not jobs:
            fail(f"no job in the history matches {request.wanted.describe()}")
        todo = [job for job in jobs if refunds.refundable(job)]
        if not todo:
            click.echo(f"pkrefund: nothing to refund: {_count(len(jobs))} matched, none printed and not yet "
                       "refunded", err=True)
            return
        done, stopped = _refund_all(s, request, todo, force)
    _receipts(done, request, number, unit, output, pagesize)
    if stopped:
        fail(stopped)


@dataclass(frozen=True)
class Request:
    """The options, checked before the directory is opened."""
    reason: str
    info: str
    logo: documents.ImageReader | None
    wanted: jobfilters.JobFilter
    when: datetime


def _parse(reason: str | None, info: str, logo: str | None, pagesize: str, filters: tuple[str, ...]) -> Request:
    if reason is None or not reason.strip():
        raise click.UsageError("--reason is mandatory: say why these jobs are refunded")
    try:
        documents.page_size(pagesize)
        image = documents.load_logo(logo) if logo else None
        wanted = jobfilters.parse(filters)
    except (documents.DocumentError, jobfilters.FilterError) as exc:
        fail(str(exc))
    when = datetime.now().astimezone().replace(microsecond=0)
    _describe(info, reason.strip(), 1, 1000, when)           # a template that cannot be filled fails now
    return Request(reason.strip(), info, image, wanted, when)


def _describe(info: str, reason: str, pages: int, amount: int, when: datetime) -> str:
    """The payment's description: PyKota's -i template, then the reason."""
    values = {"nbpages": pages, "nbcredits": amount / money.SCALE, "effectiveuser": _effective_user(),
              "loginname": os.environ.get("SUDO_USER") or os.environ.get("LOGNAME") or _effective_user(),
              "date": f"{when:%Y-%m-%d %H:%M:%S}", "reason": reason}
    try:
        text = info % values
    except (KeyError, ValueError, TypeError) as exc:
        fail(f"--info {info!r} cannot be filled in ({type(exc).__name__}: {exc}); it may use %(nbpages)i, "
             "%(nbcredits).3f, %(effectiveuser)s, %(loginname)s, %(date)s")
    return f"{text} : {reason}" if text else reason


def _effective_user() -> str:
    from .session import caller_name
    return caller_name()


def _count(n: int) -> str:
    return f"{n} job" if n == 1 else f"{n} jobs"


def _show(job: Job) -> str:
    return (f"{job.date.astimezone():%Y-%m-%d %H:%M:%S} {job.printer} {job.user} job {job.job_id} "
            f"{job.title or ''!r} billing code {job.billing_code or '-'}: {job.size} pages, "
            f"{money.format(job.price or 0)} credits")


def _refund_all(s: Session, request: Request, todo: list[Job], force: bool) -> tuple[list[Job], str | None]:
    """Refund each job (asked first without -f): the jobs whose refund this run finished, and why
    it stopped early (no answer, Ctrl-C), if it did: those jobs still get their receipts."""
    done: list[Job] = []
    cache = refunds.TargetCache(s.directory)
    for job in todo:
        try:
            if force or click.confirm(f"{_show(job)}\nRefund it?", err=True, default=False):
                _refund_one(s.directory, request, job, cache, done)
        except click.Abort:                          # end of input or Ctrl-C at the question
            return done, f"stopped at job {job.job_id}: no answer"
        except KeyboardInterrupt:
            return done, f"interrupted at job {job.job_id}: run the same command again to finish its refund"
    return done, None


def _refund_one(d: Directory, request: Request, job: Job, cache: refunds.TargetCache, done: list[Job]) -> None:
    try:
        result = _refund(d, request, job, cache)
    except refunds.NoAccount as exc:
        click.echo(f"pkrefund: job {job.job_id} of {job.user} on {job.printer} skipped: {exc}", err=True)
        return
    if result.first:
        done.append(job)
        click.echo(f"pkrefund: job {job.job_id} of {job.user} on {job.printer} refunded: {result.pages} pages, "
                   f"{money.format(result.amount)} credits", err=True)
    else:
        click.echo(f"pkrefund: job {job.job_id} of {job.user} on {job.printer}: refunded by another run at the "
                   "same time (on its receipt)", err=True)


def _refund(d: Directory, request: Request, job: Job, cache: refunds.TargetCache) -> refunds.Refunded:
    description = _describe(request.info, request.reason, job.size or 0, job.price or 0, request.when)
    return refunds.refund_job(d, job, description, when=request.when, cache=cache)


def _receipts(done: list[Job], request: Request, number: int, unit: str, output: str, pagesize: str) -> None:
    if not done:
        return
    if output == "-" and sys.stdout.isatty():
        click.echo("pkrefund: no receipts written: stdout is a terminal (use -o FILE)", err=True)
        return
    pages = invoices.receipt_pages(invoices.totals(done), number, unit, request.reason, request.when)
    try:
        documents.save(output, documents.render(pages, pagesize, request.logo, title="Refund receipts",
                                                when=request.when))
    except documents.DocumentError as exc:
        fail(f"refunds recorded, but {exc}: this run's receipts are lost (dumpykota -d payments lists the refunds)")
    click.echo(f"pkrefund: {len(pages)} receipt(s) written to {'stdout' if output == '-' else output}", err=True)


def check_output(path: str) -> None:
    """A file that cannot be written is refused before anything is refunded."""
    folder = os.path.dirname(os.path.abspath(path))
    if path != "-" and (not path.strip() or os.path.isdir(path) or not os.access(folder, os.W_OK)
                        or (os.path.exists(path) and not os.access(path, os.W_OK))):
        fail(f"cannot write {path}: not a writable file in an existing folder")


if __name__ == "__main__":
    main()
