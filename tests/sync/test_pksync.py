"""pksync against a real slapd: what it writes, what it keeps, what it says."""
from __future__ import annotations

from synchelpers import GROUPS, PEOPLE, QUOTAS, RULES, new_user

STUDENTS = ("toto", "ilabusetrop", "alice", "bob")
OTHERS = ("jerome", "enseignant3", "quidam", "chloe", "charles")
EVERYONE = STUDENTS + OTHERS + ("prof2",)


def test_first_run_provisions_everyone_by_rule(sync):
    assert sync.summary() == "pksync: 10 added, 0 updated, 0 retired, 0 unchanged; 2 groups attached"

    for name in STUDENTS:
        user = sync.user(name)
        assert "pkAccount" in user["objectclass"]
        assert user["pklimitby"] == ["quota"] and user["pkbalance"] == ["0"]
        assert sync.limits(name) == {"hp1": ("100", "120"), "hp2": ("100", "120")}
    for name in OTHERS:                       # in no ruled group: the [sync] defaults
        assert sync.user(name)["pklimitby"] == ["noquota"]
        assert sync.limits(name) == {"hp1": (None, None), "hp2": (None, None)}
    prof = sync.user("prof2")
    assert prof["pklimitby"] == ["balance"] and prof["pkbalance"] == ["50000"] and prof["pklifetimepaid"] == ["50000"]
    [payment] = sync.payments("prof2")
    assert payment["pkamount"] == ["50000"] and "initial balance" in payment["description"][0]

    groups = sync.search(GROUPS, "(objectClass=pkGroup)", "cn", "pkLimitBy")
    assert sorted(g["cn"][0] for g in groups.values()) == ["eleves", "profs"]
    assert all(g["pklimitby"] == ["noquota"] for g in groups.values())
    quota = sync.quotas("toto")["hp1"]
    assert quota["pkpagecounter"] == ["0"] and quota["cn"] == ["toto@hp1"]


def test_second_run_changes_nothing_and_says_so(sync):
    sync.run()
    before = sync.dump()
    assert sync.summary() == "pksync: 0 added, 0 updated, 0 retired, 10 unchanged; nothing changed"
    assert sync.dump() == before
    assert len(sync.payments("prof2")) == 1          # the initial balance was given once


def test_arrivals_are_added_on_the_next_run(sync):
    sync.run()
    sync.add(new_user("newbie", 20001) + new_user("newprof", 20002))
    sync.ldif(f"dn: cn=eleves,{GROUPS}\nchangetype: modify\nadd: memberUid\nmemberUid: newbie\n\n"
              f"dn: cn=profs,{GROUPS}\nchangetype: modify\nadd: memberUid\nmemberUid: newprof\n")
    assert sync.summary() == "pksync: 2 added, 0 updated, 0 retired, 10 unchanged"
    assert sync.limits("newbie") == {"hp1": ("100", "120"), "hp2": ("100", "120")}
    assert sync.user("newprof")["pkbalance"] == ["50000"]


def test_a_new_printer_gets_entries_for_everyone(sync):
    sync.run()
    sync.add("dn: cn=hp3,ou=Printers,ou=PyKota,dc=example,dc=org\nobjectClass: pkPrinter\ncn: hp3\n")
    assert sync.summary() == "pksync: 0 added, 10 updated, 0 retired, 0 unchanged"
    assert sync.limits("toto")["hp3"] == ("100", "120")


def test_departures_are_reported_then_pruned_keeping_history(sync):
    sync.rules(RULES.replace("[sync:eleves]", "[sync:eleves]\ninitialbalance: 1.5"))
    sync.run()
    sync.delete(f"uid=toto,{PEOPLE}")

    assert sync.summary() == ("pksync: 0 added, 0 updated, 0 retired, 9 unchanged; "
                              "1 left the directory (--prune retires them); nothing changed")
    assert set(sync.quotas("toto")) == {"hp1", "hp2"}          # only reported

    out = sync.run("--prune", "-v").stdout
    assert "retire user toto: delete quota entries on hp1, hp2" in out
    assert out.strip().endswith("0 added, 0 updated, 1 retired, 9 unchanged")
    assert sync.quotas("toto") == {}
    assert len(sync.payments("toto")) == 1                       # history stays
    assert sync.summary("--prune").endswith("nothing changed")


def test_users_outside_userfilter_are_departures(sync):
    sync.run()
    sync.rules(RULES.replace("(objectClass=posixAccount)", "(&(objectClass=posixAccount)(!(uid=bob)))"))
    assert "1 left the directory" in sync.summary()
    sync.run("--prune")
    assert sync.quotas("bob") == {}
    assert "pkAccount" in sync.user("bob")["objectclass"]      # the account (and its balance) stays


def test_move_between_groups_needs_update(sync):
    sync.run()
    sync.ldif(f"dn: cn=eleves,{GROUPS}\nchangetype: modify\ndelete: memberUid\nmemberUid: toto\n\n"
              f"dn: cn=profs,{GROUPS}\nchangetype: modify\nadd: memberUid\nmemberUid: toto\n")
    assert sync.summary() == ("pksync: 0 added, 0 updated, 0 retired, 10 unchanged; "
                              "1 differ from the rules (--update re-applies them); nothing changed")
    assert sync.user("toto")["pklimitby"] == ["quota"]

    out = sync.run("--update", "-v").stdout
    assert "update user toto: limitby quota -> balance (rule profs)" in out
    assert "update user toto: limits on hp1 100/120 -> none/none (rule profs)" in out
    assert sync.user("toto")["pklimitby"] == ["balance"]
    assert sync.limits("toto") == {"hp1": (None, None), "hp2": (None, None)}
    assert sync.user("toto")["pkbalance"] == ["0"]              # no initial balance on a move
    assert sync.payments("toto") == []


def test_overlapping_rules_most_generous_setting_wins(sync):
    sync.rules(RULES + "\n[sync:devs]\nlimitby: quota\nsoftlimit: 50\nhardlimit: 300\ninitialbalance: 2\n")
    sync.ldif(f"dn: cn=devs,{GROUPS}\nchangetype: modify\nadd: memberUid\nmemberUid: toto\nmemberUid: prof2\n")
    sync.run()
    assert sync.limits("toto") == {"hp1": ("100", "300"), "hp2": ("100", "300")}
    assert sync.user("toto")["pkbalance"] == ["2000"]
    prof = sync.user("prof2")                                    # balance beats quota, 50.0 beats 2
    assert prof["pklimitby"] == ["balance"] and prof["pkbalance"] == ["50000"]
    assert sync.limits("prof2") == {"hp1": (None, None), "hp2": (None, None)}


def test_rule_edit_applies_only_with_update(sync):
    sync.run()
    sync.rules(RULES.replace("softlimit: 100", "softlimit: 150").replace("hardlimit: 120", "hardlimit: 180"))
    assert "4 differ from the rules" in sync.summary()
    assert sync.limits("alice")["hp1"] == ("100", "120")
    assert sync.summary("--update") == "pksync: 0 added, 4 updated, 0 retired, 6 unchanged"
    assert sync.limits("alice") == {"hp1": ("150", "180"), "hp2": ("150", "180")}
    assert sync.summary("--update").endswith("nothing changed")


def test_hand_edits_and_counters_are_kept(sync):
    sync.run()
    sync.ldif(f"dn: cn=toto@hp1,{QUOTAS}\nchangetype: modify\nreplace: pkHardLimit\npkHardLimit: 500\n-\n"
              f"replace: pkPageCounter\npkPageCounter: 42\n\n"
              f"dn: uid=prof2,{PEOPLE}\nchangetype: modify\nreplace: pkBalance\npkBalance: 7000\n\n"
              f"dn: uid=quidam,{PEOPLE}\nchangetype: modify\nreplace: pkLimitBy\npkLimitBy: noprint\n")
    assert "2 differ from the rules" in sync.summary()
    assert sync.limits("toto")["hp1"] == ("100", "500")
    assert sync.user("prof2")["pkbalance"] == ["7000"]
    assert sync.user("quidam")["pklimitby"] == ["noprint"]

    sync.run("--update")                     # limits back to the rule; counters and balances untouched
    assert sync.limits("toto")["hp1"] == ("100", "120")
    assert sync.quotas("toto")["hp1"]["pkpagecounter"] == ["42"]
    assert sync.user("prof2")["pkbalance"] == ["7000"]
    assert sync.user("quidam")["pklimitby"] == ["noquota"]


def test_accounts_attached_by_an_admin_keep_their_balance(sync):
    sync.ldif(f"dn: uid=prof2,{PEOPLE}\nchangetype: modify\nadd: objectClass\nobjectClass: pkAccount\n-\n"
              f"add: pkLimitBy\npkLimitBy: balance\n-\nadd: pkBalance\npkBalance: 3000\n")
    assert sync.summary() == "pksync: 9 added, 1 updated, 0 retired, 0 unchanged; 2 groups attached"
    assert sync.user("prof2")["pkbalance"] == ["3000"]
    assert sync.payments("prof2") == []


def test_dry_run_writes_nothing_and_lists_everything(sync):
    before = sync.dump()
    out = sync.run("--dry-run").stdout
    assert sync.dump() == before
    assert "attach group eleves" in out
    assert "add user toto: quota, soft 100 hard 120 (rule eleves)" in out
    assert "credit 50.00: initial balance (pksync rule profs)" in out
    assert out.strip().splitlines()[-1] == ("pksync: dry run, would be: 10 added, 0 updated, 0 retired, "
                                            "0 unchanged; 2 groups attached")

    sync.run()
    sync.delete(f"uid=bob,{PEOPLE}")
    before = sync.dump()
    out = sync.run("--dry-run", "--prune").stdout
    assert "retire user bob: delete quota entries on hp1, hp2" in out
    assert sync.dump() == before


def test_without_the_admin_credentials_even_a_dry_run_is_refused(sync):
    """No password in pykota.conf reads everybody's data any more: a dry run needs them too."""
    (sync.home / "pykotadmin.conf").unlink()
    result = sync.run("-n", expect=1)
    assert result.stderr.startswith("pksync: pksync needs the admin credentials (") and result.stdout == ""
    result = sync.run(expect=1)
    assert "pykotadmin.conf: not readable" in result.stderr


def test_userfilter_and_printer_selection(sync):
    sync.add("dn: cn=colour,ou=Printers,ou=PyKota,dc=example,dc=org\nobjectClass: pkPrinter\ncn: colour\n"
             "member: cn=hp2,ou=Printers,ou=PyKota,dc=example,dc=org\n")
    sync.rules(RULES.replace("printers: *", "printers: colour")
               .replace("(objectClass=posixAccount)", "(&(objectClass=posixAccount)(uid=a*))"))
    assert sync.summary() == "pksync: 1 added, 0 updated, 0 retired, 0 unchanged; 2 groups attached"
    assert sorted(sync.quotas("alice")) == ["colour", "hp2"]       # a printer group brings its members
    assert sync.user("bob").get("pklimitby") is None


def test_missing_rule_group_is_a_warning(sync):
    sync.rules(RULES + "\n[sync:nosuch]\nlimitby: noprint\n")
    result = sync.run()
    assert "pksync: warning: [sync:nosuch]: no group nosuch under groupbase" in result.stderr


def test_members_named_by_dn(sync):
    sync.add(f"dn: cn=club,{GROUPS}\nobjectClass: groupOfNames\ncn: club\nmember: uid=chloe,{PEOPLE}\n")
    sync.slapd.write_config(sync.home, extra_global="groupmembers: member",
                            extra=RULES + "\n[sync:club]\nlimitby: quota\nsoftlimit: 5\nhardlimit: 5\n")
    sync.run()
    assert sync.limits("chloe")["hp1"] == ("5", "5")
