"""pkinvoice: what each user owes for a period, as PDF invoices (one page per user), CSV or JSON.

\b
    pkinvoice -V 20 -o invoices.pdf start=20261101 end=20261130
    pkinvoice -f csv -V 5.5 printername="hp*" > november.csv
    pkinvoice -p Letter -l logo.png -n 2026001 username=jerome -o jerome.pdf

Filters: those of pkrefund (username, printername, hostname, jobid, billingcode, start, end).
Due: the price of every job of at least one page that was not denied, cancelled nor refunded.
-V: the amounts are VAT included, as in PyKota: HT = amount x 100 / (100 + VAT), 0 <= VAT < 100
(three decimals at most).
Nothing is written to the directory.
"""
from __future__ import annotations

import sys
from datetime import datetime

import click

from .. import documents
from ..directory import refunds
from ..report import invoices, jobfilters
from .admin import command
from .common import fail
from .pkrefund import check_output
from .session import session

FORMATS = ("pdf", "csv", "json")


@command("pkinvoice", help=__doc__)
@click.option("-l", "--logo", metavar="FILE", help="Image printed on each invoice.")
@click.option("-p", "--pagesize", default="A4", show_default=True, help="A4, Letter, or another ReportLab size.")
@click.option("-n", "--number", default=1, show_default=True, type=click.IntRange(min=0),
              help="Number of the first invoice.")
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE", help="Where to write ('-': stdout).")
@click.option("-u", "--unit", default="Credits", show_default=True, help="Currency shown on the invoices.")
@click.option("-V", "--vat", default="0", show_default=True, metavar="PERCENT", help="VAT included in the prices.")
@click.option("-f", "--format", "fmt", default="pdf", show_default=True, help="pdf, csv or json.")
@click.argument("filters", nargs=-1)
def main(logo: str | None, pagesize: str, number: int, output: str, unit: str, vat: str, fmt: str,
         filters: tuple[str, ...]) -> None:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
    try:
        rate = invoices.parse_vat(vat)
        documents.page_size(pagesize)
        image = documents.load_logo(logo) if logo else None
        wanted = jobfilters.parse(filters)
    except (ValueError, documents.DocumentError, jobfilters.FilterError) as exc:
        fail(str(exc))
    check_output(output)
    with session() as s:
        s.require_admin("pkinvoice")
        jobs = list(jobfilters.select(s.directory, wanted))
        billable = [job for job in jobs if invoices.billable(job)]
        given_back = refunds.refunds_begun(s.directory, billable)
    if not jobs:
        fail(f"no job in the history matches {wanted.describe()}")
    due = invoices.totals(job for job in billable if job.dn not in given_back)
    if not due:
        click.echo(f"pkinvoice: nothing is due: {len(jobs)} job(s) matched, none billable", err=True)
        return
    when = datetime.now().astimezone()
    if fmt == "pdf":
        _pdf(invoices.invoice_pages(due, number, unit, rate, when, wanted.start, wanted.end), output, pagesize, image,
             when)
    else:
        rows = invoices.invoice_rows(due, number, rate)
        _text(invoices.as_csv(rows) if fmt == "csv" else invoices.as_json(rows, rate), output)


def _pdf(pages: list[documents.Page], output: str, pagesize: str, logo: documents.ImageReader | None,
         when: datetime) -> None:
    if output == "-" and sys.stdout.isatty():
        fail("stdout is a terminal: write the invoices with -o FILE")
    _save(output, documents.render(pages, pagesize, logo, title="Invoices", when=when))
    if output != "-":
        click.echo(f"pkinvoice: {len(pages)} invoice(s) written to {output}", err=True)


def _text(text: str, output: str) -> None:
    _save(output, text.encode("utf-8"))


def _save(output: str, data: bytes) -> None:
    try:
        documents.save(output, data)
    except documents.DocumentError as exc:
        fail(str(exc))


if __name__ == "__main__":
    main()
