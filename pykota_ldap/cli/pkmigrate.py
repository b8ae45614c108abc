"""pkmigrate: bring a PyKota site across (accounts, limits, balances, history), in one command.

\b
    pkmigrate --from /root/pykota-dump.xml --dry-run     the plan and its counts; writes nothing
    pkmigrate --from mysql://pykotaadmin:pw@dbhost/pykota
    pkmigrate --from postgresql://pykotaadmin:pw@dbhost/pykota --verify
    pkmigrate --from ldap://oldldap/ --config /old/etc/pykota/pykota.conf
    pkmigrate --config /old/etc/pykota/pykota.conf --output /etc/pykota.new

Run it again at will: it writes only what is still missing (a run cut off anywhere is finished by
the next one), and never overwrites what the directory already holds.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from ..backend.install import write_private
from ..directory import Directory
from ..migrate.plan import Plan, make_plan
from ..migrate.site import BadValue, Site
from ..migrate.sources import Source, SourceError, load_site
from ..migrate.state import read_state
from ..migrate.verify import verify
from ..migrate.writer import apply_plan
from .admin import command
from .common import UserError, fail
from .session import session

SHOWN = 50          # lines of each list shown before "... and N more"


@command("pkmigrate", help=__doc__)
@click.option("--from", "source_text", metavar="SOURCE", help="XML dump, CSV folder, SQLite file, or a "
              "postgresql://, mysql://, ldap:// URL of PyKota's storage.")
@click.option("--dry-run", is_flag=True, help="Print the plan and its counts; write nothing.")
@click.option("--verify", "verify_only", is_flag=True, help="Compare the directory with the source; write nothing.")
@click.option("--create-missing", is_flag=True, help="Create users and groups missing from the directory "
              "(needs newuser/newgroup: below).")
@click.option("--config", "old_config", type=click.Path(dir_okay=False), metavar="FILE",
              help="PyKota's pykota.conf: the layout of its LDAP tree, or, without --from, the file to translate.")
@click.option("--output", type=click.Path(file_okay=False), metavar="DIR",
              help="Where --config writes the translated pykota.conf and pykotadmin.conf.")
@click.option("--timezone", "zone_name", metavar="ZONE", help="Zone of PyKota's dates (default: this machine's).")
@click.option("--report", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write every inexact amount, difference and missing account to FILE.")
def main(source_text: str | None, dry_run: bool, verify_only: bool, create_missing: bool, old_config: str | None,
         output: str | None, zone_name: str | None, report: str | None) -> None:
    if source_text is None:
        if old_config is None:
            raise click.UsageError("give --from SOURCE (what to migrate) or --config FILE (a config to translate)")
        _translate(Path(old_config), Path(output or "."))
        return
    if dry_run and verify_only:
        raise click.UsageError("--dry-run and --verify cannot be used together")
    started = time.monotonic()
    source = Source(source_text, Path(old_config) if old_config else None)
    site = _load(source, _zone(zone_name))
    with session(admin=True) as s:
        if create_missing and (s.config.ldap(True).newuser != "below" or s.config.ldap(True).newgroup != "below"):
            fail("--create-missing follows newuser: below and newgroup: below, and this configuration says attach")
        d = s.directory
        if verify_only:
            _verify(d, site, source, started, report)
            return
        plan = make_plan(d, site, read_state(d), create_missing)
        lines = _report_plan(site, plan)
        if report:
            _write_report(report, lines)
        if dry_run:
            _dry_run(source, site, plan)
            return
        failures = apply_plan(d, plan, _progress if sys.stderr.isatty() else None)
    _finish(source, site, plan, failures, time.monotonic() - started)


def _zone(name: str | None) -> tzinfo:
    if not name:
        return _local_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"--timezone {name}: not a time zone (e.g. Europe/Paris)")


def _local_zone() -> tzinfo:
    """This machine's zone with its daylight-saving rules (PyKota's dates span summers and
    winters: a fixed offset would move half of them by an hour)."""
    name = os.environ.get("TZ", "").lstrip(":")
    try:
        if name:
            return ZoneInfo(name)
        with open("/etc/localtime", "rb") as handle:
            return ZoneInfo.from_file(handle)
    except (OSError, ValueError, ZoneInfoNotFoundError):
        return timezone.utc


def _load(source: Source, zone: tzinfo) -> Site:
    try:
        return load_site(source, zone, _reading if sys.stderr.isatty() else None)
    except (SourceError, BadValue, ValueError, OSError) as exc:
        raise UserError(_printable(f"{source.describe()}: {exc}")) from None


def _printable(line: str) -> str:
    """Names and titles come from the old data: a control character (an escape sequence that
    rewrites the screen) is shown as its code, never sent to the terminal."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
                   for ch in line)


def _listed(title: str, items: list[str]) -> list[str]:
    return [f"{title} ({len(items)}):"] + [f"  {item}" for item in items] if items else []


def _report_plan(site: Site, plan: Plan) -> list[str]:
    """Everything the run has to say, each list whole (the --report file)."""
    return (_listed("amounts that were not exact in thousandths (rounded half away from zero)",
                    [str(i) for i in site.inexact])
            + _listed("not in the directory (not created: see --create-missing)", plan.missing)
            + _listed("memberships that differ (left as the directory has them)", plan.membership)
            + _listed("already in the directory with other values (left as they are)", plan.conflicts)
            + _listed("not migrated", plan.skipped + site.notes))


def _echo_lists(site: Site, plan: Plan) -> None:
    for line in _shortened(_report_plan(site, plan)):
        click.echo(_printable(line))


def _shortened(lines: list[str]) -> list[str]:
    """For the screen: the first SHOWN items of each list."""
    out: list[str] = []
    hidden = 0
    for line in lines + [""]:
        if line.startswith("  "):
            hidden += 1
            if hidden <= SHOWN:
                out.append(line)
            continue
        if hidden > SHOWN:
            out.append(f"  ... and {hidden - SHOWN} more (--report FILE lists them all)")
        hidden = 0
        if line:
            out.append(line)
    return out


def _dry_run(source: Source, site: Site, plan: Plan) -> None:
    click.echo(f"source {source.describe()}: " + ", ".join(f"{n} {k}" for k, n in site.counts().items()))
    counts = plan.counts()
    click.echo("to write: " + (", ".join(f"{n} {k}" for k, n in counts.items()) if counts else "nothing"))
    _echo_lists(site, plan)
    click.echo(f"pkmigrate: dry run, {len(plan.writes)} writes planned, nothing written")


def _reading(rows: int) -> None:
    sys.stderr.write(f"\rpkmigrate: {rows} rows read")
    sys.stderr.flush()


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rpkmigrate: {done}/{total} written   ")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _finish(source: Source, site: Site, plan: Plan, failures: list[str], seconds: float) -> None:
    _echo_lists(site, plan)
    for failure in failures:
        click.echo(_printable(f"pkmigrate: failed: {failure}"), err=True)
    counts = site.counts()
    click.echo(f"pkmigrate: {source.describe()}: {counts['users']} users, {counts['printers']} printers, "
               f"{counts['jobs']} jobs, {counts['payments']} payments; {len(plan.writes) - len(failures)} written, "
               f"{len(failures)} failed, {len(plan.missing)} missing, {len(plan.conflicts)} differing, "
               f"{len(site.inexact)} inexact amounts, in {seconds:.1f} s")
    if failures:
        sys.exit(1)


def _verify(d: Directory, site: Site, source: Source, started: float, report: str | None) -> None:
    found, notes = verify(d, site)
    if report:
        _write_report(report, found + notes)
    for line in (found + notes)[:SHOWN * 4]:
        click.echo(_printable(line))
    if len(found + notes) > SHOWN * 4:
        click.echo(f"... and {len(found + notes) - SHOWN * 4} more (--report FILE lists them all)")
    click.echo(f"pkmigrate: verify {source.describe()}: {_count(len(found), 'difference')}, "
               f"{_count(len(notes), 'note')}, "
               f"in {time.monotonic() - started:.1f} s")
    if found:
        sys.exit(1)


def _write_report(path: str, lines: list[str]) -> None:
    """Names and balances of people: born 0600, and a link planted under that name is replaced,
    never followed (pkmigrate runs as root)."""
    try:
        write_private(path, ("\n".join(lines) + "\n").encode())
    except OSError as exc:
        fail(f"--report {path}: {exc.strerror}")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _translate(old: Path, output: Path) -> None:
    from ..migrate.oldconfig import translate_files
    lines = translate_files(old, output)
    for line in lines:
        click.echo(line)


if __name__ == "__main__":
    main()
