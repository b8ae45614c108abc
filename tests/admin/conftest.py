"""Fixtures for the admin commands: run a command as a user types it, read the directory back."""
from __future__ import annotations

import shlex

import pytest
from click.testing import CliRunner

from pykota_ldap.cli import dumpykota, edpykota, pkbcodes, pkhistory, pkprinters, pkusers, repykota

COMMANDS = {"pkprinters": pkprinters.main, "pkusers": pkusers.main, "edpykota": edpykota.main,
            "repykota": repykota.main, "dumpykota": dumpykota.main, "pkbcodes": pkbcodes.main,
            "pkhistory": pkhistory.main}


class Shell:
    """Runs 'pkusers -a jerome' strings (shell-split, no shell expansion) with CliRunner."""

    def __init__(self, slapd):
        self.slapd = slapd

    def __call__(self, line: str, ok: bool = True, input: str | None = None):
        argv = shlex.split(line)
        runner = CliRunner()
        result = runner.invoke(COMMANDS[argv[0]], argv[1:], prog_name=argv[0], input=input)
        if ok and result.exit_code != 0:
            raise AssertionError(f"{line!r} exited {result.exit_code}: {result.stderr or result.output}")
        return result

    def search(self, base: str, filter_text: str = "(objectClass=*)", *attrs: str, scope: str = "sub") -> str:
        return self.slapd.ldapsearch(base, filter_text, *attrs, scope=scope)


@pytest.fixture
def sh(slapd, pykota_home):
    return Shell(slapd)


def snapshot(slapd) -> str:
    """The whole directory as LDIF, operational attributes left out: 'nothing changed' checks."""
    return slapd.ldapsearch("dc=example,dc=org")


@pytest.fixture
def admin_directory(config):
    """A second, independent connection (as the service account) for setting up and checking."""
    from pykota_ldap.directory import Directory
    d = Directory(config.ldap(admin=True)).connect()
    yield d
    d.close()


def charge(d, user: str, printer: str, pages: int, when, price: int = 0, job_id: str = "1",
           title: str = "doc.pdf", host: str = "10.0.0.9", billing: str | None = None) -> None:
    """Record a printed job the way the backend does (library call, exactly once)."""
    from pykota_ldap.directory import accounts, history, quotas
    from pykota_ldap.model import Charge, Job
    job = Job(job_id=job_id, user=user, printer=printer, date=when, action="ALLOW", size=pages, price=price,
              title=title, hostname=host, copies=1, billing_code=billing)
    user_dn = accounts.get_user(d, user).dn
    quota_dn = quotas.user_quota_dn(d, user, printer)
    billing_dn = history.billing_code_dn(d, billing) if billing else None
    from pykota_ldap.directory.jobcontext import load_job_context
    group_counters = tuple(load_job_context(d, user, printer).group_counters)     # as the backend counts them
    history.charge_job(d, Charge(history.new_name(printer, when), job, quota_dns=(quota_dn, *group_counters),
                                 pages=pages,
                                 user_dn=user_dn, debit=price, billing_code_dn=billing_dn))
