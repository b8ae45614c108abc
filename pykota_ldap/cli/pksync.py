"""pksync: keep print accounts in step with the directory (account provisioning).

A thin layer: read the rules, read the directory (a few paged searches), plan in memory
(pykota_ldap.sync.plan), write only the differences, print one summary line.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from ..config import Config
from ..directory import Directory
from ..sync.apply import apply_plan, plan_steps
from ..sync.load import load_snapshot
from ..sync.plan import Options, Plan, make_plan
from ..sync.report import change_lines, summary
from ..sync.rules import rules_from_config
from .command import Command
from .common import CONTEXT, Progress, fail
from .session import session

NAME = "pksync"


def _parse_now(text: str | None) -> datetime:
    """--now (hidden, for tests and replays): an ISO 8601 moment; without a zone, local time."""
    if not text:
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now: expected an ISO 8601 date and time such as 2026-11-23T00:20:00+01:00, got {text!r}")
    return moment if moment.tzinfo else moment.astimezone()


@click.command(NAME, cls=Command, context_settings=CONTEXT, help="""Provision print accounts from the directory.

Attaches pkAccount to the users matched by [sync] userfilter (and pkGroup to the groups that have
a [sync:<group>] rule), gives the initial balance once, and prints one line: how many users were
added, updated, retired, unchanged. Their quota entries on the sync printers are written by the
backend at each user's first job there, from the rule ([sync] quotaentries: upfront: by pksync).
Run it again: it changes nothing. Values an admin changed by hand are kept unless --update.""")
@click.option("--update", is_flag=True, help="Set limitby and limits that differ back to the rules' values.")
@click.option("--prune", is_flag=True,
              help="Delete the quota entries of users that left (history and payments stay).")
@click.option("--allocate", is_flag=True,
              help="Credit the 'allocate' rules for the current period (once per period, up to the cap).")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be done; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="List every change, not only the summary.")
@click.option("-j", "--jobs", type=click.IntRange(1, 16), default=1, show_default=True,
              help="Processes writing in parallel on large runs (helps only when the server is not "
                   "bound by its disk syncs; see docs/sync.md).")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this moment (ISO 8601).")
def main(update: bool, prune: bool, allocate: bool, dry_run: bool, verbose: bool, jobs: int,
         now_text: str | None) -> None:
    now = _parse_now(now_text)
    admin = None if dry_run else True
    config = Config(want_admin=admin)
    rules = rules_from_config(config)
    options = Options(update=update, prune=prune, allocate=allocate)
    skipped = 0
    with session(admin, config) as s:
        with Progress(f"{NAME}: reading", every=1000) as progress:
            snapshot = load_snapshot(s.directory, rules, now, allocate, progress=progress.step)
        plan = make_plan(snapshot, rules, now, options)
        _show(plan, dry_run, verbose)
        if not dry_run:
            skipped = _write(s.directory, plan, jobs, verbose)
    click.echo(f"{NAME}: {summary(plan, dry_run=dry_run, skipped=skipped)}")


def _show(plan: Plan, dry_run: bool, verbose: bool) -> None:
    """The warnings; the changes too when asked (or instead of making them)."""
    for warning in plan.warnings:
        click.echo(f"{NAME}: warning: {warning}", err=True)
    lines = change_lines(plan) if dry_run or verbose else []
    if dry_run and lines:
        click.echo("dry run: nothing is written; a real run would:")
    for line in lines:
        click.echo(line)


def _write(d: Directory, plan: Plan, jobs: int, verbose: bool) -> int:
    """Make the changes; returns how many were skipped (changed meanwhile by someone else)."""
    with Progress(f"{NAME}: writing", total=len(plan_steps(plan)), every=100) as progress:
        outcome = apply_plan(d, plan, jobs=jobs, progress=progress.step)
    if verbose:
        for reason in outcome.skipped:
            click.echo(f"{NAME}: {reason}", err=True)
    return len(outcome.skipped)


if __name__ == "__main__":
    sys.exit(main())
