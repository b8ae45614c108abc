"""pksync: keep print accounts in step with the directory (account provisioning).

A thin layer: read the rules, read the directory (a few paged searches), plan in memory
(pykota_ldap.sync.plan), write only the differences, print one summary line.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click

from ..sync.apply import apply_plan, plan_steps
from ..sync.load import load_snapshot
from ..sync.plan import Options, make_plan
from ..sync.report import change_lines, summary
from ..sync.rules import rules_from_config
from .common import CONTEXT, Progress, directory, fail, handle_errors, load_config

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


@click.command(context_settings=CONTEXT, help="""Provision print accounts from the directory.

Attaches pkAccount to the users matched by [sync] userfilter (and pkGroup to the groups that have
a [sync:<group>] rule), creates their missing quota entries with the rule's limits, gives the
initial balance once, and prints one line: how many users were added, updated, retired, unchanged.
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
@handle_errors(NAME)
def main(update: bool, prune: bool, allocate: bool, dry_run: bool, verbose: bool, jobs: int,
         now_text: str | None) -> None:
    now = _parse_now(now_text)
    config = load_config(admin=None if dry_run else True)
    rules = rules_from_config(config)
    options = Options(update=update, prune=prune, allocate=allocate)
    with directory(config, admin=None if dry_run else True) as d:
        with Progress(f"{NAME}: reading", every=1000) as progress:
            snapshot = load_snapshot(d, rules, now, allocate, progress=progress.step)
        plan = make_plan(snapshot, rules, now, options)
        for warning in plan.warnings:
            click.echo(f"{NAME}: warning: {warning}", err=True)
        lines = change_lines(plan) if dry_run or verbose else []
        if dry_run and lines:
            click.echo("dry run: nothing is written; a real run would:")
        for line in lines:
            click.echo(line)
        skipped = 0
        if not dry_run:
            with Progress(f"{NAME}: writing", total=len(plan_steps(plan)), every=100) as progress:
                outcome = apply_plan(d, plan, jobs=jobs, progress=progress.step)
            skipped = len(outcome.skipped)
            if verbose:
                for reason in outcome.skipped:
                    click.echo(f"{NAME}: {reason}", err=True)
    click.echo(f"{NAME}: {summary(plan, dry_run=dry_run, skipped=skipped)}")


if __name__ == "__main__":
    sys.exit(main())
