"""pkmigrate fed bad or hostile PyKota data: one line, non-zero exit, nothing written, no secret shown."""
from __future__ import annotations

import os
import stat

import pytest
from click.testing import CliRunner

from pykota_ldap.cli import pkmigrate
from pykota_ldap.testing.pykota_tree import old_config
from pykota_ldap.testing.slapd import Slapd

from .conftest import Target


def run(*args: str):
    return CliRunner().invoke(pkmigrate.main, list(args), prog_name="pkmigrate")


def one_line_error(result, *expected: str) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def xml_dump(path, body: str):
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<pykota version="1.26">{body}</pykota>\n')
    return str(path)


def user_entry(**values: str) -> str:
    return "<entry>" + "".join(f'<attribute type="str" name="{k}">{v}</attribute>' for k, v in values.items()) + \
        "</entry>"


def test_amounts_and_numbers_too_large_to_mean_anything(tmp_path):
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="users">{user_entry(username="eve", balance="1e30")}</dump>')
    one_line_error(run("--from", dump, "--dry-run"), "user eve: balance", "1e30")
    # an exponent that would take the machine's memory to expand as a whole number
    dump = xml_dump(tmp_path / "e.xml", '<dump type="printers"><entry><attribute name="printername">hp1</attribute>'
                                        '<attribute name="maxjobsize">1e999999999</attribute></entry></dump>')
    one_line_error(run("--from", dump, "--dry-run"), "printer hp1: maximum job size", "1e999999999")


def test_an_entry_outside_any_dump(tmp_path):
    dump = xml_dump(tmp_path / "d.xml", user_entry(username="eve"))
    one_line_error(run("--from", dump, "--dry-run"), "<entry> outside a <dump>")


def test_entity_tricks_are_refused(tmp_path):
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    (tmp_path / "bomb.xml").write_text(f'<?xml version="1.0"?><!DOCTYPE pykota [<!ENTITY l0 "lol">{laughs}]>'
                                       f'<pykota><dump type="users">{user_entry(username="&l9;")}</dump></pykota>')
    one_line_error(run("--from", str(tmp_path / "bomb.xml"), "--dry-run"), "bomb.xml")
    (tmp_path / "xxe.xml").write_text('<?xml version="1.0"?><!DOCTYPE pykota [<!ENTITY x SYSTEM "file:///etc/passwd">'
                                      f']><pykota><dump type="users">{user_entry(username="&x;")}</dump></pykota>')
    one_line_error(run("--from", str(tmp_path / "xxe.xml"), "--dry-run"), "xxe.xml")


def test_a_mistyped_url_does_not_show_its_password():
    line = one_line_error(run("--from", "postgressql://pykotauser:Sekr1t@oldhost/pykota", "--dry-run"),
                          "postgressql://oldhost/pykota")
    assert "Sekr1t" not in line


def test_ldap_url_as_the_readme_types_it(tmp_path):
    """`--from ldap://oldhost/`: the trailing slash is part of an LDAP URL, not of the port."""
    old = old_config(tmp_path / "old", "ldap://127.0.0.1:1", "dc=example,dc=org", "cn=admin,dc=example,dc=org", "pw")
    one_line_error(run("--from", "ldap://127.0.0.1:1/", "--config", str(old), "--dry-run"),
                   "no LDAP server answered", "refused")


def test_translation_never_follows_a_planted_link(tmp_path):
    old = old_config(tmp_path / "old", "ldap://127.0.0.1:1", "dc=example,dc=org", "cn=admin,dc=example,dc=org", "pw")
    out = tmp_path / "new"
    out.mkdir()
    (out / "pykota.conf").symlink_to(tmp_path / "victim")
    one_line_error(run("--config", str(old), "--output", str(out)), "exists already")
    assert not (tmp_path / "victim").exists()


def test_translation_refuses_a_folder_others_can_write(tmp_path):
    """pykotadmin.conf holds the write password: a folder anyone can write (a name in /tmp made
    by someone else) lets them swap the files before they are moved into place."""
    old = old_config(tmp_path / "old", "ldap://127.0.0.1:1", "dc=example,dc=org", "cn=admin,dc=example,dc=org", "pw")
    out = tmp_path / "new"
    out.mkdir()
    os.chmod(out, 0o777)
    one_line_error(run("--config", str(old), "--output", str(out)), "others can write")
    assert list(out.iterdir()) == []
    fresh = tmp_path / "fresh"
    assert run("--config", str(old), "--output", str(fresh)).exit_code == 0
    assert stat.S_IMODE(fresh.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE((fresh / "pykotadmin.conf").stat().st_mode) == 0o600


def test_csv_dump_not_in_utf8_names_its_file_and_line(tmp_path):
    (tmp_path / "users.csv").write_bytes(b'"username","balance"\n"jerome","1.0"\n"\xe9ve","2.0"\n')
    one_line_error(run("--from", str(tmp_path), "--dry-run"), "users.csv:3: not UTF-8")


REFUSED_NAMES = ("eve,ou=Admins", "*", " eve", "e/ve")     # as pkusers --add refuses them
ESCAPED_NAMES = ("ev(e)", "#eve", "x\\y", "eve+cn=x")      # values, never DN or filter syntax


@pytest.fixture(scope="module")
def small_target(tmp_path_factory):
    """A stock directory (its sample people: alice...) with newuser/newgroup: below and its ACL."""
    from pykota_ldap.schema_files import schema_path
    with Slapd() as server:
        server.ldapmodify(schema_path("pykota-ldap-acl-below.ldif"), config=True)
        home = server.write_config(tmp_path_factory.mktemp("etc"), extra_global="newuser: below\nnewgroup: below\n")
        yield Target(server, home, {"users": [], "umembers": [], "groups": []})


def test_report_never_follows_a_planted_link(tmp_path, small_target):
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="users">{user_entry(username="alice", balance="1.0")}</dump>')
    (tmp_path / "plan.txt").symlink_to(tmp_path / "victim")
    out = small_target.run(f"pkmigrate --from {dump} --dry-run --report {tmp_path}/plan.txt").output
    assert "nothing written" in out
    assert not (tmp_path / "victim").exists()
    report = tmp_path / "plan.txt"
    assert not report.is_symlink() and stat.S_IMODE(report.stat().st_mode) == 0o600


def test_hostile_names_stay_values_and_odd_ones_are_not_created(tmp_path, small_target):
    names = REFUSED_NAMES + ESCAPED_NAMES
    entries = "".join(user_entry(username=name, balance="1.0") for name in names)
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="users">{entries}</dump>')
    slapd = small_target.slapd
    out = small_target.run(f"pkmigrate --from {dump} --create-missing").output
    assert " 0 failed" in out and f"{len(ESCAPED_NAMES)} written" in out
    for name in REFUSED_NAMES:
        assert f"user {name}: not created (pkusers --add refuses such a name)" in out
    created = slapd.ldapsearch(slapd.suffix, "(objectClass=pkAccount)", "uid")
    found = sorted(line[len("uid: "):] for line in created.splitlines() if line.startswith("uid: "))
    assert found == sorted(ESCAPED_NAMES)
    # each one entry right under ou=People, named by its whole name
    dns = [line for line in created.splitlines() if line.startswith("dn: ")]
    assert all(dn.endswith(f",ou=People,{slapd.suffix}") and dn.count(",ou=") == 1 for dn in dns), dns


def test_a_password_given_as_a_url_parameter_is_not_shown_either():
    line = one_line_error(run("--from", "postgresql://127.0.0.1:1/pykota?password=Sekr1t&connect_timeout=2",
                              "--dry-run"), "postgresql://127.0.0.1:1/pykota?connect_timeout=2", "cannot connect")
    assert "Sekr1t" not in line


def test_a_date_at_the_end_of_time(tmp_path):
    """The directory keeps dates in UTC: 9999-12-31 23:00 in New York is past the last one."""
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="users">{user_entry(username="eve")}</dump>'
                                        '<dump type="upquotas">' + user_entry(
                                            username="eve", printername="hp1", datelimit="9999-12-31 23:00:00") +
                    '</dump>')
    one_line_error(run("--from", dump, "--dry-run", "--timezone", "America/New_York"),
                   "quota of eve on hp1: grace date", "out of range")


def test_a_limit_mode_pykota_did_not_know(tmp_path, small_target):
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="users">{user_entry(username="alice", limitby="evil")}</dump>')
    out = small_target.run(f"pkmigrate --from {dump} --dry-run").output
    assert "user alice: limitby 'evil' is not one of quota, balance, noquota, nochange, noprint: quota" in out


def test_jobs_whose_names_differ_after_an_escaped_comma_stay_two(tmp_path, small_target):
    """An entry's cn names a job: cut at its first comma, cn=a\\,1 and cn=a\\,2 became one job."""
    def job(cn: str) -> str:
        return user_entry(dn=f"cn={cn},ou=Jobs,ou=PyKota,dc=example,dc=org", username="alice", printername="hp1",
                          jobid="1", jobdate="2026-11-02 10:00:00", action="ALLOW", jobsize="1")
    jobs = job("a\\,1") + job("a\\,2")
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="users">{user_entry(username="alice")}</dump>'
                                        f'<dump type="history">{jobs}</dump>')
    out = small_target.run(f"pkmigrate --from {dump} --dry-run").output
    assert ", 2 jobs" in out.splitlines()[0], out


def test_escape_sequences_in_names_never_reach_the_terminal(tmp_path, small_target):
    """XML 1.0 cannot carry ESC; a CSV dump, an SQL row or an LDAP value can."""
    name = "ev\x1b]0;owned\x07e\x1b[2J"
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "users.csv").write_text(f'"username","balance"\n"{name}","1.0"\n')
    out = small_target.run(f"pkmigrate --from {tmp_path}/csv --dry-run").output
    assert "\x1b" not in out and "\x07" not in out
    assert "user ev\\x1b]0;owned\\x07e\\x1b[2J: no entry under ou=People" in out


def test_names_pykota_told_apart_by_case_only(tmp_path, small_target):
    """LDAP names ignore case: 'alice' and 'ALICE' are one account; the second is listed, the run clean."""
    printers = user_entry(printername="lp9", priceperpage="0.5") + user_entry(printername="LP9", priceperpage="0.7")
    users = user_entry(username="alice", balance="1.0") + user_entry(username="ALICE", balance="2.0")
    quotas = user_entry(username="alice", printername="lp9", softlimit="10") + \
        user_entry(username="ALICE", printername="lp9", softlimit="20")
    dump = xml_dump(tmp_path / "d.xml", f'<dump type="printers">{printers}</dump><dump type="users">{users}</dump>'
                                        f'<dump type="upquotas">{quotas}</dump>')
    out = small_target.run(f"pkmigrate --from {dump}").output
    assert " 0 failed" in out and "quota of ALICE on lp9: the same name for LDAP" in out
    assert "user ALICE: the same name for LDAP (case is ignored) as one migrated before: left out" in out
    assert "printer LP9: the same name for LDAP" in out
    again = small_target.run(f"pkmigrate --from {dump}").output
    assert " 0 written" in again and "user ALICE: the same name for LDAP" in again
