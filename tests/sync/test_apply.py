"""Writing a plan: interrupted runs, conflicts with someone else's changes, parallel writers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pykota_ldap.sync import apply as applying
from pykota_ldap.sync.apply import apply_plan, plan_steps
from pykota_ldap.sync.load import load_snapshot
from pykota_ldap.sync.plan import Options, make_plan
from pykota_ldap.sync.rules import rules_from_config

from synchelpers import PEOPLE, QUOTAS

NOW = datetime(2026, 11, 23, 8, tzinfo=timezone.utc)


def fresh_plan(config, directory, **options):
    rules = rules_from_config(config)
    return make_plan(load_snapshot(directory, rules, NOW, options.get("allocate", False)), rules, NOW,
                     Options(**options))


def test_an_interrupted_run_is_finished_by_the_next(sync, config, directory, monkeypatch):
    plan = fresh_plan(config, directory)
    real_batch, calls = applying.run_batch, []

    def interrupted(d, steps):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real_batch(d, steps)

    monkeypatch.setattr(applying, "BATCH_SIZE", 5)
    monkeypatch.setattr(applying, "run_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        apply_plan(directory, plan)
    monkeypatch.setattr(applying, "run_batch", real_batch)

    half = sync.search(PEOPLE, "(objectClass=pkAccount)", "uid")
    assert 0 < len(half) < 10
    summary = sync.summary()
    assert summary.startswith(f"pksync: {10 - len(half)} added")
    assert len(sync.quotas()) == 20
    assert len(sync.payments("prof2")) == 1 and sync.user("prof2")["pkbalance"] == ["50000"]
    assert sync.summary().endswith("nothing changed")


def test_interrupt_from_the_command_line_is_one_line(sync, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("pykota_ldap.cli.pksync.apply_plan", interrupted)
    result = sync.run(expect=130)
    assert result.stderr == "pksync: interrupted\n"


def test_changes_made_meanwhile_are_left_alone(sync, config, directory):
    plan = fresh_plan(config, directory, allocate=True)
    # Between the snapshot and the writes: an admin attaches prof2 and creates toto@hp1.
    sync.ldif(f"dn: uid=prof2,{PEOPLE}\nchangetype: modify\nadd: objectClass\nobjectClass: pkAccount\n-\n"
              f"add: pkBalance\npkBalance: 1000\n")
    sync.add(f"dn: cn=toto@hp1,{QUOTAS}\nobjectClass: pkUserQuota\ncn: toto@hp1\npkUserName: toto\n"
             f"pkPrinterName: hp1\npkSoftLimit: 1\n")
    outcome = apply_plan(directory, plan)
    assert sorted(outcome.skipped) == [
        "user prof2: pkAccount attached meanwhile by someone else, left as it is",
        "user toto: quota entry on hp1 created meanwhile, left as it is"]
    assert sync.user("prof2")["pkbalance"] == ["1000"] and sync.payments("prof2") == []
    assert sync.limits("toto") == {"hp1": ("1", None), "hp2": ("100", "120")}
    assert len(sync.search(PEOPLE, "(objectClass=pkAccount)", "uid")) == 10
    assert len(sync.quotas()) == 20                         # the database reads back whole
    assert sync.summary().endswith("nothing changed")


def test_parallel_writers_give_the_same_result(sync, config, directory, monkeypatch):
    monkeypatch.setattr(applying, "PARALLEL_FROM", 1)
    monkeypatch.setattr(applying, "BATCH_SIZE", 3)
    monkeypatch.setattr(applying, "CHUNK_BATCHES", 1)
    plan = fresh_plan(config, directory)
    steps = len(plan_steps(plan))
    done = []
    outcome = apply_plan(directory, plan, jobs=2, progress=done.append)
    assert outcome.done == steps + 2 and outcome.skipped == []          # + the two groups
    assert sum(done) == steps
    assert len(sync.quotas()) == 20 and sync.user("prof2")["pkbalance"] == ["50000"]
    assert sync.summary().endswith("nothing changed")
