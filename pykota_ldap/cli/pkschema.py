"""pkschema: install the pykota-ldap schema and indexes into a running OpenLDAP (cn=config), or check them."""
from __future__ import annotations

import os
import stat
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from ..config import Config, ConfigError, settings_for_server
from ..directory import Directory, DirectoryError
from ..directory import indexes as index_store
from ..directory import provider_compare as pcompare
from ..directory import replication as recipe
from ..directory import schema as schema_store
from ..schema_files import schema_path
from .command import Group
from .common import CONTEXT, fail
from .session import connected, session

HOW_TO_READ_CONFIG = "on the LDAP server as root: pkschema check -H ldapi:///"


def _password(bind_dn: str | None, password_file: str | None, password: str | None) -> str | None:
    if password_file:
        try:
            with open(password_file, encoding="utf-8") as handle:
                password = handle.read().strip()
        except OSError as exc:
            fail(str(exc))
    if bind_dn and password is None:
        password = click.prompt(f"Password for {bind_dn}", hide_input=True, err=True)
    return password


def _schema_file(name: str = "pykota-ldap.ldif") -> Path:
    try:
        return schema_path(name)
    except FileNotFoundError as exc:    # an installation without its data files
        fail(str(exc))


def server_options(default_uri: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-H, -D, -y, -w: the server and the account that may write (or read) cn=config."""
    where = "" if default_uri else " (default: the server of pykota.conf, as its service account)"

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed([
                click.option("-H", "--uri", default=default_uri, show_default=bool(default_uri),
                             help="Server to work on" + where + "."),
                click.option("-D", "--bind-dn", help="Bind DN with access to cn=config (default: SASL EXTERNAL "
                                                     "over ldapi)."),
                click.option("-y", "--password-file", type=click.Path(dir_okay=False),
                             help="Read the bind password from a file."),
                click.option("-w", "--password", help="Bind password (prefer -y: a password on the command line "
                                                      "is visible).")]):
            function = option(function)
        return function
    return decorate


base_option = click.option("-b", "--base", help="Base DN of the pykota data's database (default: storagename of "
                                                "pykota.conf, else the only database).")


@contextmanager
def _server(uri: str | None, bind_dn: str | None, password_file: str | None,
            password: str | None) -> Iterator[Directory]:
    """The server given with -H, or the one pykota.conf names (bound as its service account)."""
    if uri is None:
        with session() as s:
            yield s.directory
        return
    with connected(settings_for_server(uri, bind_dn, _password(bind_dn, password_file, password))) as d:
        yield d


def _base(given: str | None) -> str | None:
    if given:
        return given
    try:
        return Config(want_admin=False).get("storagename")
    except ConfigError:                 # run on the LDAP server, which may have no pykota.conf
        return None


@click.group("pkschema", cls=Group, context_settings=CONTEXT)
def main() -> None:
    """Install or check the pykota-ldap schema and indexes."""


@main.command("install", context_settings=CONTEXT)
@server_options("ldapi:///")
def install(uri: str, bind_dn: str | None, password_file: str | None, password: str | None) -> None:
    """Add cn=pykota-ldap,cn=schema,cn=config (or the definitions it lacks)."""
    with _server(uri, bind_dn, password_file, password) as d:
        click.echo(f"pkschema: {schema_store.install(d, _schema_file())}")


@main.command("indexes", context_settings=CONTEXT)
@server_options("ldapi:///")
@base_option
def indexes(uri: str, bind_dn: str | None, password_file: str | None, password: str | None,
            base: str | None) -> None:
    """Add the indexes the database lacks, exactly those; say which it has already."""
    with _server(uri, bind_dn, password_file, password) as d:
        try:
            found = index_store.index_plan(d, _base(base), _schema_file("pykota-ldap-indexes.ldif"))
        except DirectoryError as exc:
            fail(f"{exc}: run as root on the LDAP server (ldapi:///), or give -D with access to cn=config")
        index_store.add_missing(d, found)
    added = f"added {', '.join(found.missing)}" if found.missing else "nothing to add"
    click.echo(f"pkschema: indexes of {found.database}: {added}; there already: {', '.join(found.present) or 'none'}")


@main.command("check", context_settings=CONTEXT)
@server_options(None)
@base_option
def check_command(uri: str | None, bind_dn: str | None, password_file: str | None, password: str | None,
                  base: str | None) -> None:
    """Check that the server knows every pykota-ldap definition and has its indexes."""
    with _server(uri, bind_dn, password_file, password) as d:
        missing = schema_store.check(d, _schema_file())
        if missing:
            fail(f"{len(missing)} definitions missing on the server: {', '.join(missing)} (run pkschema install)")
        try:
            found: index_store.IndexPlan | None = index_store.index_plan(
                d, _base(base), _schema_file("pykota-ldap-indexes.ldif"))
        except DirectoryError as exc:
            found = None
            click.echo(f"pkschema: indexes not checked: {exc} ({HOW_TO_READ_CONFIG})", err=True)
        replicated = _replication_finding(d, _base(base)) if found is not None else None
    if replicated is not None and replicated.level != "ok":
        if replicated.level == "problem":
            fail(f"{replicated.text}; fix: {replicated.fix}")
        click.echo(f"pkschema: warning: {replicated.text}", err=True)
    if found is not None and found.missing:
        fail(f"{len(found.missing)} indexes missing in {found.database}: {', '.join(found.missing)} "
             "(run pkschema indexes)")
    click.echo("pkschema: the server knows every pykota-ldap definition"
               + (" and has every index" if found is not None else ""))


def _replication_finding(d: Directory, base: str | None) -> Any:
    """pkdoctor's verdict on the data database's replication (health.server), or None."""
    from ..directory import health
    from ..health.server import replication as judge
    try:
        db = health.database_config(d, base) if base else None
    except DirectoryError:
        return None
    return judge(db) if db is not None else None


# -- replication: one command per role, the same line on every provider (docs/replication.md) -----

def _replicator_password(path: str) -> str:
    """The replication account's password; refused from a file others may read, as pykotadmin.conf
    is (it reads the whole directory, passwords included)."""
    try:
        with open(path, encoding="utf-8") as handle:
            if os.fstat(handle.fileno()).st_mode & (stat.S_IRGRP | stat.S_IROTH):
                fail(f"{path}: readable by other users; it holds the replication account's password: "
                     f"run 'chmod go-rwx {path}'")
            return handle.read().strip()
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")


replicator_options: list[Any] = [
    click.option("--replicator-dn", help="Account the servers replicate as (default: the data database's "
                                         "olcRootDN)."),
    click.option("--replicator-password-file", required=True, type=click.Path(dir_okay=False),
                 help="File holding that account's password (it goes into olcSyncrepl, readable by root only)."),
]


def _with(options: list[Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            function = option(function)
        return function
    return decorate


@main.group("replication", cls=Group, context_settings=CONTEXT)
def replication() -> None:
    """Set up replication the way counters stay exact: delta-syncrepl providers, read-only consumers."""


@replication.command("provider", context_settings=CONTEXT)
@server_options("ldapi:///")
@base_option
@click.option("--providers", required=True, metavar="URL,URL...",
              help="Every provider's listener URL, the same list in the same order on every provider.")
@_with(replicator_options)
@click.option("--accesslog-dir", type=click.Path(file_okay=False), help="Where the accesslog database lives "
              "(default: next to the data database's directory).")
@click.option("--keep-days", type=int, default=recipe.DEFAULT_KEEP_DAYS, show_default=True,
              help="Days the accesslog keeps writes: a provider away longer comes back with a full refresh.")
def replication_provider(uri: str, bind_dn: str | None, password_file: str | None, password: str | None,
                         base: str | None, providers: str, replicator_dn: str | None, replicator_password_file: str,
                         accesslog_dir: str | None, keep_days: int) -> None:
    """Make this server one provider of a delta-syncrepl multi-provider set."""
    secret = _replicator_password(replicator_password_file)
    with _server(uri, bind_dn, password_file, password) as d:
        done = recipe.provider(d, [p for p in providers.split(",") if p.strip()], secret, _base(base), replicator_dn,
                               Path(accesslog_dir) if accesslog_dir else None, keep_days)
    click.echo(f"pkschema: {done}")


@replication.command("consumer", context_settings=CONTEXT)
@server_options("ldapi:///")
@base_option
@click.option("--provider", "provider_url", required=True, metavar="URL", help="The provider to copy.")
@_with(replicator_options)
@click.option("--rid", type=int, default=100, show_default=True, help="Replica id (unique among this server's).")
def replication_consumer(uri: str, bind_dn: str | None, password_file: str | None, password: str | None,
                         base: str | None, provider_url: str, replicator_dn: str | None,
                         replicator_password_file: str, rid: int) -> None:
    """Make this server a read-only replica of one provider."""
    secret = _replicator_password(replicator_password_file)
    with _server(uri, bind_dn, password_file, password) as d:
        done = recipe.consumer(d, provider_url, secret, _base(base), replicator_dn, rid)
    click.echo(f"pkschema: {done}")


@replication.command("compare", context_settings=CONTEXT)
@click.option("--providers", required=True, metavar="URL,URL", help="The two providers to compare.")
@click.option("-D", "--bind-dn", help="Account that reads (and with --repair writes) all pykota data on both.")
@click.option("-y", "--password-file", type=click.Path(dir_okay=False),
              help="File holding its password, readable by its owner only (else it is asked for).")
@base_option
@click.option("--wait", type=float, default=30.0, show_default=True,
              help="Seconds to wait for the providers' contextCSNs to agree, before and after a repair.")
@click.option("--repair", is_flag=True, help="Repair each entry whose right side is known (docs/replication.md).")
def replication_compare(providers: str, bind_dn: str | None, password_file: str | None, base: str | None,
                        wait: float, repair: bool) -> None:
    """Compare the pykota data of two providers entry by entry; with --repair, heal a lost write."""
    urls = [p.strip() for p in providers.split(",") if p.strip()]
    if len(urls) != 2:
        fail(f"--providers: two URLs, comma-separated (got {len(urls)})")
    suffix = _base(base) or fail("give -b with the suffix of the pykota-ldap data")
    secret = _replicator_password(password_file) if password_file else _password(bind_dn, None, None)
    with connected(settings_for_server(urls[0], bind_dn, secret)) as one, \
            connected(settings_for_server(urls[1], bind_dn, secret)) as two:
        both = [one, two]
        found, agreed = _compare_once(both, urls, suffix, wait)
        if not found.entries:               # an account that reads nothing would see two equal, empty sides
            fail(f"no pykota-ldap entry readable under {suffix} on either provider: bind with -D as an account "
                 "that reads all the data (the rootdn or the replication account)")
        repaired = 0
        if repair and not found.agree:
            if not agreed:
                click.echo("pkschema: nothing repaired: the providers are still catching up (their contextCSNs "
                           "differ), so a change in flight would look lost; run it again once they agree", err=True)
            else:
                repaired = _repair(both, urls, found)
            if repaired:
                click.echo("pkschema: after the repair:")
                found, _ = _compare_once(both, urls, suffix, wait, settle=True)
    verdict = "the providers agree" if found.agree else "differences remain"
    click.echo(f"pkschema: {found.entries} entries compared, {len(found.differing)} differ, "
               f"{len(found.only)} on one side only, {repaired} repaired: {verdict}")
    if not found.agree:
        raise SystemExit(1)


def _compare_once(both: list[Directory], urls: list[str], suffix: str, wait: float,
                  settle: bool = False) -> tuple[pcompare.Comparison, bool]:
    """Wait for the contextCSNs, compare, print every difference (settle: again until equal or
    `wait`); the comparison, and whether the contextCSNs agreed."""
    start = time.monotonic()
    agreed = pcompare.wait_for_csns(both, suffix, wait)
    if not agreed:
        click.echo(f"pkschema: warning: the providers' contextCSNs still differ after {wait:.0f} s (a provider "
                   "behind or not replicating): differences below may be changes in flight", err=True)
    while True:
        found = pcompare.compare((pcompare.read_data(both[0], suffix), pcompare.read_data(both[1], suffix)))
        pcompare.explain_by_log(both, found)
        if found.agree or not settle or time.monotonic() - start > wait:
            break
        time.sleep(0.5)
    for diff in found.differing:
        for name in diff.values[0]:
            click.echo(f"differ: {diff.dn}: {name}: {urls[0]} {diff.values[0][name] or '(none)'}, "
                       f"{urls[1]} {diff.values[1][name] or '(none)'}")
        if diff.right is None:
            click.echo(f"  not repairable automatically ({diff.why}): check the job history on both, then set the "
                       "right values by hand on ONE provider with an ldapmodify 'replace' (it replicates)")
        else:
            click.echo(f"  right: {urls[diff.right]} ({diff.why}); --repair replaces these on it")
    for lost in found.only:
        if lost.recreate:
            click.echo(f"only on {urls[lost.side]}: {lost.dn} ({lost.why}); --repair re-creates it there")
        else:
            click.echo(f"only on {urls[lost.side]}: {lost.dn} ({lost.why}): not repaired; re-seed the provider "
                       "that is wrong, or slapadd it offline where it lacks: docs/replication.md")
    return found, agreed


def _repair(both: list[Directory], urls: list[str], found: pcompare.Comparison) -> int:
    """Each repairable difference on its right side, each re-creatable entry on its holder; how many were done."""
    tasks: list[tuple[str, int, Callable[[], str | None], str]] = [
        (diff.dn, diff.right, partial(pcompare.repair, both[diff.right], diff),
         f"replaced {', '.join(diff.values[0])}") for diff in found.differing if diff.right is not None]
    tasks += [(lost.dn, lost.side, partial(pcompare.recreate, both[lost.side], lost),
               "deleted and added back, for its peer to replay") for lost in found.only if lost.recreate]
    done = 0
    for dn, side, attempt, what in tasks:
        refused = attempt()
        if refused:
            click.echo(f"not repaired: {dn} on {urls[side]}: {refused}")
        else:
            done += 1
            click.echo(f"repaired: {dn} on {urls[side]}: {what}")
    return done


if __name__ == "__main__":
    main()
