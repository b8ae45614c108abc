"""Parsing the [sync] rules (pure) and what pksync says about a bad one."""
from __future__ import annotations

import pytest

from pykota_ldap.sync.rules import Allocation, Rule, SyncRuleError, most_generous, parse_rules

from synchelpers import RULES


def parse(text: str):
    sections, current = {}, None
    for line in text.strip().splitlines():
        line = line.strip()
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        elif line and current is not None:
            key, _, value = line.partition(":")
            current[key.strip()] = value.strip()
    return parse_rules(sections, "pykota.conf")


def test_issue_example():
    rules = parse(RULES)
    assert rules.userfilter == "(objectClass=posixAccount)"         # the inline comment is dropped
    assert rules.printers == ("*",)
    assert rules.defaults == Rule("", "noquota")
    assert rules.groups["eleves"] == Rule("eleves", "quota", 100, 120)
    assert rules.groups["profs"] == Rule("profs", "balance", None, None, 50000, Allocation("weekly", 10000, 100000))


def test_group_rules_inherit_the_sync_defaults():
    rules = parse("[sync]\nlimitby: quota\nsoftlimit: 10\ninitialbalance: 1\nprinters: hp1, colour*\n"
                  "[sync:eleves]\nhardlimit: 20\n")
    assert rules.printers == ("hp1", "colour*")
    assert rules.groups["eleves"] == Rule("eleves", "quota", 10, 20, 1000)


def test_no_sync_section_means_defaults():
    rules = parse_rules({})
    assert rules.defaults.limit_by == "noquota" and rules.groups == {}
    assert rules.quota_entries == "firstjob" and not rules.upfront
    assert parse("[sync]\nquotaentries: UpFront\n").upfront


@pytest.mark.parametrize("text, message", [
    ("[sync:eleves]\nlimitby: pages", "pykota.conf [sync:eleves]: limitby: expected one of quota, balance, "
                                      "noquota, nochange, noprint, got 'pages'"),
    ("[sync:eleves]\nsoftlimit: lots", "pykota.conf [sync:eleves]: softlimit: expected a whole number of pages, "
                                       "or none, got 'lots'"),
    ("[sync:eleves]\nsoftlimit: 10\nhardlimit: 5", "[sync:eleves]: hardlimit: expected a number >= softlimit (10)"),
    ("[sync:profs]\ninitialbalance: -5", "[sync:profs]: initialbalance: expected an amount such as 10.0"),
    ("[sync:profs]\nallocate: yearly 10", "[sync:profs]: allocate: expected daily|weekly|monthly AMOUNT [max CAP]"),
    ("[sync:profs]\nallocate: weekly ten", "[sync:profs]: allocate: expected daily|weekly|monthly"),
    ("[sync:profs]\nallocate: weekly 10 cap 5", "got 'weekly 10 cap 5'"),
    ("[sync:profs]\nallocate: weekly 0", "allocate: expected an amount above 0"),
    ("[sync:profs]\nhardlimt: 5", "[sync:profs]: unknown key 'hardlimt' (expected one of limitby, softlimit"),
    ("[sync]\nuserfilter: objectClass=posixAccount", "[sync]: userfilter: expected an LDAP filter in parentheses"),
    ("[sync:]\nlimitby: quota", "[sync:]: a rule section needs a group name"),
    ("[sync]\nquotaentries: lazy", "[sync]: quotaentries: expected firstjob or upfront, got 'lazy'"),
    ("[sync:eleves]\nquotaentries: upfront", "[sync:eleves]: unknown key 'quotaentries'"),
])
def test_bad_rules_name_section_key_and_form(text, message):
    with pytest.raises(SyncRuleError) as error:
        parse(text)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_most_generous_setting_by_setting():
    eleves = Rule("eleves", "quota", 100, 120, 0, Allocation("monthly", 30000, 50000))
    club = Rule("club", "quota", 150, 150, 2000, Allocation("weekly", 10000, None))
    merged = most_generous([eleves, club])
    assert (merged.limit_by, merged.soft_limit, merged.hard_limit, merged.initial_balance) == ("quota", 150, 150, 2000)
    assert merged.allocation == Allocation("weekly", 10000, None)     # 520 a year beats 360
    assert most_generous([club, eleves]) == merged                     # order does not matter
    assert most_generous([eleves, Rule("x", "quota", None, 10)]).soft_limit is None  # none: no limit
    assert most_generous([Rule("a", "noprint"), Rule("b", "quota")]).limit_by == "quota"
    assert most_generous([Rule("a", "balance"), Rule("b", "quota")]).limit_by == "balance"
    assert most_generous([Rule("a", "balance"), Rule("b", "noquota")]).limit_by == "noquota"


def test_pksync_refuses_a_bad_rule_with_one_line(sync):
    sync.rules(RULES.replace("hardlimit: 120", "hardlimit: many"))
    result = sync.run(expect=1)
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("pksync: ") and line.endswith(
        "pykota.conf [sync:eleves]: hardlimit: expected a whole number of pages, or none, got 'many'")
    assert sync.search("ou=People,dc=example,dc=org", "(objectClass=pkAccount)") == {}


def test_pksync_reports_a_bad_userfilter_from_the_server(sync):
    sync.rules(RULES.replace("(objectClass=posixAccount)", "(objectClass=posixAccount)(uid=x)"))
    assert "userfilter" in sync.run(expect=1).stderr
    sync.rules(RULES.replace("(objectClass=posixAccount)", "(objectClass~~posix)"))
    result = sync.run(expect=1)
    assert result.stderr.startswith("pksync: ") and len(result.stderr.strip().splitlines()) == 1
