"""The quota decision at every boundary (pure functions: no directory needed)."""
from datetime import datetime, timedelta, timezone

import pytest

from pykota_ldap import policy
from pykota_ldap.model import Action, GroupQuota, Printer, User, UserQuota
from pykota_ldap.policy import GroupState, Limits

ALLOW, WARN, DENY = Action.ALLOW, Action.WARN, Action.DENY      # short names for the tables below

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
LAX, STRICT = Limits(strict=False), Limits(strict=True)


@pytest.mark.parametrize("counter, size, limits, expected", [
    (99, 1, LAX, ALLOW), (100, 1, LAX, WARN),            # laxist: judged on the usage before the job
    (99, 5, LAX, ALLOW),                                  # ... so the last job may overshoot
    (95, 5, STRICT, ALLOW), (96, 5, STRICT, WARN),        # strict: exactly at soft after the job is fine
    (119, 1, LAX, WARN), (120, 1, LAX, DENY),             # exactly at hard: refused
    (115, 5, STRICT, WARN), (116, 5, STRICT, DENY),       # strict: may use the hard limit exactly
])
def test_soft_and_hard_limits(counter, size, limits, expected):
    action, _, _ = policy.check_pages(counter, 100, 120, None, size, limits, NOW)
    assert action == expected


def test_grace_starts_then_expires():
    action, reason, new_date = policy.check_pages(105, 100, 120, None, 1, Limits(grace_delay_days=7), NOW)
    assert action == WARN and new_date == NOW + timedelta(days=7) and "grace until" in reason
    action, _, again = policy.check_pages(105, 100, 120, new_date, 1, LAX, NOW + timedelta(days=7))
    assert action == DENY and again is None            # the moment the grace ends, it is over
    action, _, _ = policy.check_pages(105, 100, 120, new_date, 1, LAX, NOW + timedelta(days=6, hours=23))
    assert action == WARN


def test_grace_delay_zero_is_immediate_deny():
    action, _, _ = policy.check_pages(100, 100, 120, None, 1, Limits(grace_delay_days=0), NOW)
    assert action == DENY


@pytest.mark.parametrize("soft, hard, counter, expected", [
    (None, None, 10**6, ALLOW),      # no limits: accounting only
    (100, None, 99, ALLOW), (100, None, 100, DENY),   # a soft limit alone acts as a hard one
    (None, 50, 49, ALLOW), (None, 50, 50, DENY),
    (100, 80, 90, DENY),             # hard below soft: the lower one wins, no grace
])
def test_partial_limits(soft, hard, counter, expected):
    assert policy.check_pages(counter, soft, hard, None, 1, LAX, NOW)[0] == expected


@pytest.mark.parametrize("balance, price, limits, expected", [
    (1, 0, LAX, WARN), (0, 0, LAX, DENY), (-5, 0, LAX, DENY),    # laxist: balance exactly zero refuses
    (1001, 0, LAX, ALLOW), (1000, 0, LAX, WARN),                  # poorman 1.0 inclusive
    (500, 500, STRICT, WARN),                                     # strict: may spend down to exactly zero
    (499, 500, STRICT, DENY), (5000, 500, STRICT, ALLOW),
])
def test_balance(balance, price, limits, expected):
    assert policy.check_balance(balance, price, limits)[0] == expected


def test_balance_zero_gives_credit():
    credit = Limits(balance_zero=-1000, poor_man=-900)
    assert policy.check_balance(-500, 0, credit)[0] == ALLOW
    assert policy.check_balance(-950, 0, credit)[0] == WARN
    assert policy.check_balance(-1000, 0, credit)[0] == DENY


def _printer(name="hp4", **kw):
    return Printer(name=name, dn=f"cn={name}", **kw)


def _quota(counter=0, soft=None, hard=None, printer="hp4", max_job_size=None):
    return UserQuota(user="alice", printer=printer, dn=f"cn=alice@{printer}", soft_limit=soft, hard_limit=hard,
                     page_counter=counter, max_job_size=max_job_size)


@pytest.mark.parametrize("limit_by, charged", [("noquota", True), ("nochange", False)])
def test_limit_modes_that_print_past_the_limits(limit_by, charged):
    user = User(name="alice", dn="uid=alice", managed=True, limit_by=limit_by)
    decision = policy.decide(user, _printer(), [_quota(500, 10, 20)], [], 5, 0, LAX, NOW)
    assert (decision.action, decision.charge) == (ALLOW, charged)


def test_noprint_refuses_even_within_every_limit():
    # A refused job is never printed, so its charge flag means nothing: the refusal and its reason do.
    user = User(name="alice", dn="uid=alice", managed=True, limit_by="noprint", balance=100_000)
    decision = policy.decide(user, _printer(), [_quota(0, 10, 20)], [], 1, 0, LAX, NOW)
    assert (decision.action, decision.reason) == (DENY, "user alice may not print")


def test_passthrough_prints_without_check_or_charge():
    user = User(name="alice", dn="uid=alice", managed=True, limit_by="quota")
    decision = policy.decide(user, _printer(passthrough=True), [_quota(500, 10, 20)], [], 5, 0, LAX, NOW)
    assert (decision.action, decision.charge) == (ALLOW, False)


def test_max_job_size_zero_on_a_printer_refuses_everything():
    user = User(name="alice", dn="uid=alice", managed=True, limit_by="noquota")
    assert policy.decide(user, _printer(max_job_size=0), [], [], 1, 0, LAX, NOW).action == DENY
    assert policy.decide(user, _printer(max_job_size=5), [], [], 5, 0, LAX, NOW).action == ALLOW
    assert policy.decide(user, _printer(), [_quota(max_job_size=4)], [], 5, 0, LAX, NOW).action == DENY


def test_overcharge_zero_is_free_for_balance_users():
    user = User(name="alice", dn="uid=alice", managed=True, limit_by="balance", balance=0, overcharge=0)
    assert policy.decide(user, _printer(), [], [], 5, 0, LAX, NOW).action == ALLOW
    assert policy.job_price(5, [_printer(price_per_page=100)], 0) == 0


def test_printer_group_limits_apply_too():
    user = User(name="alice", dn="uid=alice", managed=True, limit_by="quota")
    quotas = [_quota(5, 100, 120), _quota(500, 100, 120, printer="building")]
    decision = policy.decide(user, _printer(), quotas, [], 1, 0, LAX, NOW)
    assert decision.action == DENY and "building" in decision.reason


def test_group_quota_deny_wins_and_group_warn_is_kept_for_balance_users():
    user = User(name="alice", dn="uid=alice", managed=True, limit_by="balance", balance=50_000)
    full = GroupState("quota", [GroupQuota("eleves", "hp4", "cn=g", soft_limit=10, hard_limit=20, page_counter=20)])
    assert policy.decide(user, _printer(), [], [full], 1, 0, LAX, NOW).action == DENY
    warned = GroupState("quota", [GroupQuota("eleves", "hp4", "cn=g", soft_limit=10, hard_limit=20, page_counter=15)])
    decision = policy.decide(user, _printer(), [], [warned], 1, 0, LAX, NOW)
    assert decision.action == WARN and decision.grace_dates and "group eleves" in decision.reason


def test_price_per_job_and_page_on_printer_and_groups_times_overcharge():
    chain = [_printer(price_per_page=100, price_per_job=50), _printer("building", price_per_page=10)]
    assert policy.job_price(10, chain, 1000) == 50 + 1000 + 100
    assert policy.job_price(10, chain, 1500) == 1725
    assert policy.job_price(0, chain, 1000) == 0          # a 0-page job costs nothing
    assert policy.job_price(3, [_printer(price_per_page=333)], 333) == 333   # rounded to a thousandth


def test_printer_ancestors_nearest_first_and_cycles_cut():
    printers = {"hp4": _printer("hp4"), "floor1": _printer("floor1", members=["hp4"]),
                "building": _printer("building", members=["floor1", "hp4"]),
                "loop": _printer("loop", members=["building"])}
    printers["building"].members.append("loop")
    assert policy.printer_ancestors("hp4", printers) == ["floor1", "building", "loop"]


def test_ink_job_price_follows_pykota():
    from pykota_ldap.policy import ink_job_price
    hp = Printer(name="hp", dn="cn=hp", price_per_page=1000, price_per_job=500)
    group = Printer(name="all", dn="cn=all", price_per_page=100)
    coverage = [{"cyan": 50.0, "black": 10.0}]                     # page 2 has no measure: the plain price
    factors = {"hp": {"cyan": 2.0}}
    # hp: 500 + (2 x 1000 x 50 % + 1 x 1000 x 10 %) + 1000; all: 100 x 60 % + 100
    assert ink_job_price(2, coverage, [hp, group], 1000, factors) == 500 + 1100 + 1000 + 60 + 100
    assert ink_job_price(2, coverage, [hp, group], 2000, factors) == 2 * 2760
    assert ink_job_price(0, coverage, [hp], 1000, factors) == 0
