"""pykotme: what printing these files would cost, printer by printer, as in PyKota.

\b
    pykotme report.pdf                 on every printer where you may print
    pykotme -P 'hp*,lab1' a.pdf b.ps   on these printers (patterns); the files are one job
    cat a.ps | pykotme                 the job on standard input (read once for every printer)
    pykotme -u alice a.pdf             alice's quote (admins only)

For each printer: the price, "won't be charged" (passthrough printer, nochange account), "not
allowed to print so many pages" (max job size), "forbidden to print" (noprint), and beyond
PyKota whether the quota or the balance would refuse the job now (and why). The files are read
once; nothing is written to the directory.
"""
from __future__ import annotations

import sys
import tempfile

import click

from .. import money
from ..quote import PrinterQuote, QuoteError, Verdict, count, printers_for, quote
from .admin import command, names_from
from .common import fail
from .session import session


@command("pykotme", help=__doc__)
@click.option("-P", "--printer", "printers", metavar="P1,P2", help="Printers (patterns); default all.")
@click.option("-u", "--user", metavar="USER", help="Quote for this user (admins only).")
@click.argument("files", nargs=-1)
def main(printers: str | None, user: str | None, files: tuple[str, ...]) -> None:
    patterns = names_from([printers]) if printers else None
    with session() as s:
        username = s.caller
        if user and user != s.caller:
            s.require_admin("-u")
            username = user
        pages = sum(_count_one(name, s.config) for name in (files or ("-",)))
        names = printers_for(s.directory, patterns)
        if patterns and not names:
            fail(f"no printer matches {printers}")
        result = quote(s.config, s.directory, username, pages, names, keep_unmanaged=bool(patterns))
    if result.user is None:
        fail(f"user {username} is not in the directory")
    if result.user.limit_by == "balance":
        click.echo(f"Your account balance : {money.format(result.user.balance)}")
    click.echo(f"Job size : {pages} pages")
    for line in result.printers:
        click.echo(describe(line))
    if not result.printers:
        click.echo(f"{username} may print on no printer" + (f" matching {printers}" if printers else ""))


def _count_one(name: str, config) -> int:
    """The pages of one file, or of standard input read once into a private spool file."""
    try:
        if name == "-":
            with tempfile.TemporaryFile() as spool:
                while chunk := sys.stdin.buffer.read(1 << 16):
                    spool.write(chunk)
                spool.seek(0)
                return count(spool, config)
        with open(name, "rb") as data:
            return count(data, config)
    except OSError as exc:
        fail(f"cannot read {name}: {exc.strerror}")
    except QuoteError as exc:
        fail(f"{'standard input' if name == '-' else name}: {exc}")


def describe(line: PrinterQuote) -> str:
    """One printer's line, PyKota's wording first."""
    cost = f"Cost on printer {line.printer} : {money.format(line.price)}"
    if line.verdict == Verdict.FREE:
        return f"{cost} (won't be charged: {line.reason})"
    if line.verdict == Verdict.TOO_LARGE:
        return f"Printer {line.printer} : not allowed to print so many pages ({line.reason})"
    if line.verdict == Verdict.FORBIDDEN:
        return f"Printer {line.printer} : forbidden to print"
    if line.verdict == Verdict.UNMANAGED:
        return f"Printer {line.printer} : {line.reason}"
    if line.verdict == Verdict.REFUSED:
        return f"{cost} (would be refused now: {line.reason})"
    if line.verdict == Verdict.WARN:
        return f"{cost} (would print now, with a warning: {line.reason})"
    return cost


if __name__ == "__main__":
    main()
