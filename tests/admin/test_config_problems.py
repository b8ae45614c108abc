"""Every command checks the whole configuration when it reads it: one line per problem naming
the file, the section and the key; errors stop it, PyKota's unimplemented keys are warnings."""
from __future__ import annotations

import pytest

from pykota_ldap.config import Config, ConfigError


def configure(slapd, pykota_home, extra_global: str = "", extra: str = "") -> None:
    slapd.write_config(pykota_home, extra_global=extra_global, extra=extra)


def test_a_misspelt_key_stops_the_command_and_names_the_key_it_meant(sh, slapd, pykota_home):
    configure(slapd, pykota_home, "enforcment: strict\n")
    result = sh("repykota", ok=False)
    assert result.exit_code == 1
    assert result.stderr == (f"repykota: {pykota_home}/pykota.conf [global]: unknown key 'enforcment' "
                             f"(did you mean 'enforcement'?)\n")


def test_a_bad_value_of_a_backend_key_stops_the_admin_commands_too(sh, slapd, pykota_home):
    configure(slapd, pykota_home, "snmperrormask: lots\n", "[hp4]\ntrustjobsize: maybe\n")
    result = sh("edpykota -L", ok=False)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"edpykota: {pykota_home}/pykota.conf [global]: snmperrormask: expected a 16-bit mask such as 0x4FCC, "
        "got 'lots'",
        f"edpykota: {pykota_home}/pykota.conf [hp4]: trustjobsize: expected yes, >N:precomputed or >N:M, "
        "got 'maybe'"]


@pytest.mark.parametrize("lines, problem", [
    ("[global]\npdltimeout: soon\n", "[global]: pdltimeout: expected a number, got 'soon'"),
    ("[global]\nstatusstabilizationloops: 0\n", "statusstabilizationloops: expected a whole number >= 1, got '0'"),
    ("[global]\naccounter: hardware(pjl:x)\n", "accounter: expected software(), software(command), hardware(snmp"),
    ("[global]\naccounter: ink(cmyk, 2400)\n", "accounter: expected software()"),
    ("[global]\npreaccounter: hardware(snmp)\n", "preaccounter: expected software(), software(command) or ink("),
    ("[global]\ncoefficient_cyan: lots\n", "coefficient_cyan: expected a number, got 'lots'"),
    ("[global]\naccountbanner: sometimes\n", "accountbanner: expected one of starting, ending, both, none"),
    ("[global]\navoidduplicatebanners: later\n", "avoidduplicatebanners: expected yes, no or a number of seconds"),
    ("[global]\nstartingbanner: /no/such/banner.ps\n", "startingbanner: expected a file or a command (no such file)"),
    ("[exam:x]\nexamprinters: a\nexamstart: tomorrow\nexamend: 2026-01-01 10:00\n",
     "examstart: expected a date and time such as 2026-12-14 09:00"),
    ("[exam:x]\nexamprinters: a\nexamstart: 2026-01-01 11:00\nexamend: 2026-01-01 10:00\n",
     "examend (2026-01-01 10:00) is not after examstart (2026-01-01 11:00)"),
    ("[hp4]\nexamstart: 2026-01-01 11:00\n", "examstart: is read from [exam:<name>] sections only"),
    ("[global]\nonbackenderror: retry:three:10\n", "onbackenderror: expected charge or nocharge"),
    ("[global]\nonbackenderror: charge,nocharge\n", "onbackenderror: expected charge or nocharge"),
    ("[global]\npolicy: external(/bin/add %(user)s)\n", "policy: expected external(command) with a valid command "
                                                          "(unknown placeholder %(user)s"),
    ("[global]\npolicy: sometimes\n", "policy: expected deny, allow or external(command), got 'sometimes'"),
    ("[global]\nmailto: external(logger \"%(message)s)\n", 'a " quote is never closed'),
    ("[global]\nunknown_billingcode: refuse\n", "unknown_billingcode: expected create, deny or deny(command)"),
    ("[global]\nprehook: echo '%(title)s\n", "prehook: expected a command (a ' quote is never closed)"),
    ("[global]\ndenyduplicates: maybe'\n", "denyduplicates: expected yes, no"),
    ("[global]\nuserbase: People\n", "userbase: expected a DN such as ou=People,dc=example,dc=org, got 'People'"),
    ("[global]\njournaldir: spool/journal\n", "journaldir: expected an absolute path"),
    ("[global]\nusermail: e mail\n", "usermail: expected an LDAP attribute name"),
    ("[global]\nstorageadmin: cn=x\n", "[global]: storageadmin: belongs in pykotadmin.conf"),
    ("[global]\nlimitby: quota\n", "[global]: limitby: is read from [sync] and [sync:<group>] sections only"),
    ("[hp4]\nusernamecase: lower\n", "[hp4]: usernamecase: is read from [global] only"),
    ("[hp4]\nenforcement: hard\n", "[hp4]: enforcement: expected one of laxist, strict, got 'hard'"),
    ("[hp4]\nsnmpmaxwiat: 10\n", "[hp4]: unknown key 'snmpmaxwiat' (did you mean 'snmpmaxwait'?)"),
    ("[sync]\nprinter: *\n", "[sync]: unknown key 'printer' (did you mean 'printers'?)"),
    ("[sync:eleves]\nsoftlimit: many\n", "[sync:eleves]: softlimit: expected a whole number of pages, or none"),
    ("[sync:eleves]\nprinters: hp4\n", "[sync:eleves]: printers: is read from [sync] only"),
    ("[sync:eleves]\nenforcement: strict\n", "[sync:eleves]: enforcement: is not a pksync key"),
    ("[hp4:color]\naccounter: software()\n", "[hp4:color]: this section is never read"),
])
def test_each_problem_is_one_line_naming_file_section_and_key(tmp_path, lines, problem):
    home = tmp_path / "etc"
    home.mkdir()
    base = "[global]\nstorageserver: ldap://127.0.0.1:1\nstoragename: dc=example,dc=org\n"
    (home / "pykota.conf").write_text(base + lines.replace("[global]\n", ""))
    with pytest.raises(ConfigError) as caught:
        Config(home, want_admin=False)
    assert caught.value.problems == [line for line in caught.value.problems if "\n" not in line]
    [found] = caught.value.problems
    assert found.startswith(f"{home}/pykota.conf [") and problem in found


def test_pykota_keys_it_does_not_implement_are_warnings_and_the_command_runs(sh, slapd, pykota_home):
    configure(slapd, pykota_home, "logger: system\ndebug: yes\n",
              "[hp4]\nutolower: yes\n")
    result = sh("repykota")
    assert result.exit_code == 0
    warnings = result.stderr.splitlines()
    assert len(warnings) == 3
    assert warnings[0] == (f"repykota: warning: {pykota_home}/pykota.conf [global]: logger: PyKota's logger is not "
                           "supported by pykota-ldap: the backend's messages go to CUPS' error_log; remove the line")
    assert "[global]: debug: PyKota's debug is not supported by pykota-ldap: set 'LogLevel debug'" in warnings[1]
    assert "[hp4]: utolower: PyKota's utolower is not supported by pykota-ldap: use usernamecase: lower" in warnings[2]


def test_several_problems_one_line_each_and_warnings_after_errors_are_not_lost(tmp_path):
    home = tmp_path / "etc"
    home.mkdir()
    (home / "pykota.conf").write_text("[global]\nstoragename: dc=example,dc=org\ngracedelay: soon\ndebug: yes\n"
                                      "[q1]\npolicy: maybe\n")
    with pytest.raises(ConfigError) as caught:
        Config(home, want_admin=False)
    assert caught.value.problems == [
        f"{home}/pykota.conf [global]: missing key 'storageserver' (expected an LDAP URI such as "
        "ldap://ldap.example.org)",
        f"{home}/pykota.conf [global]: gracedelay: expected a whole number, got 'soon'",
        f"{home}/pykota.conf [q1]: policy: expected deny, allow or external(command), got 'maybe'"]
    assert str(caught.value).endswith("(and 2 more problems: run pkdoctor)")
    config = Config(home, want_admin=False, check=False)
    assert [str(p) for p in config.problems if not p.error] == config.warnings
    assert config.warnings == [f"{home}/pykota.conf [global]: debug: PyKota's debug is not supported by pykota-ldap: "
                               "set 'LogLevel debug' in cupsd.conf to see the backend's debug lines; remove the line"]


def test_the_seed_s_lines_and_the_samples_pass(tmp_path):
    """The talk's configuration lines (pykota-presentation-mathrice-2015), as typed there, and the
    shipped samples."""
    from pathlib import Path
    conf = Path(__file__).resolve().parents[2] / "conf"
    home = tmp_path / "etc"
    home.mkdir()
    seed = ("accounter: hardware(snmp)\n"
            "askconfirmation: /usr/local/bin/pknotify -destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 "
            "--timeout 120 --confirm \"Message avec état du quota de l'utilisateur\"\n"
            "mailto : external(/usr/local/bin/pknotify --destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 "
            "--notify \"%(message)s\" 2>&1 > /dev/null)\n")
    (home / "pykota.conf").write_text((conf / "pykota.conf.sample").read_text() + "\n[seed]\n" + seed)
    (home / "pykotadmin.conf").write_text((conf / "pykotadmin.conf.sample").read_text())
    (home / "pykotadmin.conf").chmod(0o600)
    config = Config(home)
    assert config.problems == []
    assert config.get("mailto", printer="seed").startswith("external(/usr/local/bin/pknotify")
