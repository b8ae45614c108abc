"""autopykota: for `policy: external(autopykota --initbalance X [--email @domain])` in pykota.conf.

\b
    policy: external(autopykota --initbalance 10.0 --email @example.org)

The backend runs it for a job whose user or printer is not managed yet, with PYKOTAUSERNAME and
PYKOTAPRINTERNAME in its environment. It adds the printer if missing, manages the user's existing
directory entry (limited by balance, the initial balance recorded as a payment; a user who is not
in the directory is refused), and gives the user quota entries on the printer and on the printer
groups above it (with the [sync] rule's limits where a rule covers them);
then the job goes on. Two first jobs of one user at once make these once.
--email @domain sets <user>@domain on an entry that has no e-mail.
"""
from __future__ import annotations

import os

import click

from .. import money
from ..directory import autoattach
from .admin import check_new_name, command
from .common import fail, parse_amount
from .session import session


@command("autopykota", help=__doc__)
@click.option("-i", "--initbalance", default="0", show_default=True, metavar="X",
              help="Balance of a user managed by autopykota, recorded as a payment.")
@click.option("-e", "--email", metavar="@DOMAIN", help="E-mail <user>@DOMAIN for users without one.")
def main(initbalance: str, email: str | None) -> None:
    balance = parse_amount(initbalance, "--initbalance", relative_ok=False)[0]
    if balance < 0:
        fail(f"--initbalance must not be negative, got {initbalance!r}")
    if email is not None and not (email.startswith("@") and email.count("@") == 1 and len(email) > 1):
        fail(f"--email must be @domain, got {email!r}")
    user, printer = os.environ.get("PYKOTAUSERNAME", ""), os.environ.get("PYKOTAPRINTERNAME", "")
    if not user or not printer:
        fail("PYKOTAUSERNAME and PYKOTAPRINTERNAME must be set: autopykota is run by the backend "
             "(policy: external(autopykota ...))")
    check_new_name(printer, "printer")      # a name pkprinters could not manage either
    with session() as s:
        s.require_admin("autopykota")
        d = s.directory
        done = []
        # The user first: one missing from the directory is refused before anything is written.
        if autoattach.ensure_account(d, user, balance, email):
            done.append(f"user {user} managed, balance {money.format(balance)}")
        if autoattach.ensure_printer(d, printer):
            done.append(f"printer {printer} added")
        # The entries a [sync] rule gives come with its limits (as the backend writes them, and
        # as pksync would in upfront mode); only what no rule covers gets them without limits.
        from ..backend import firstquota
        from ..directory.jobcontext import load_job_context
        added = firstquota.create_missing(s.config, d, load_job_context(d, user, printer),
                                           upfront_too=True)
        added += [name for name in autoattach.ensure_quotas(d, user, printer) if name not in added]
        if added:
            done.append(f"quota entries on {', '.join(added)}")
    click.echo(f"autopykota: {'; '.join(done) or 'nothing was missing'}", err=True)


if __name__ == "__main__":
    main()
