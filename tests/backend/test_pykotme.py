"""pykotme's quote is what the backend then does: for every limit mode and every kind of printer
(priced, in a priced printer group, passthrough), the same file is quoted, then printed by the
user through cupsd; the price charged (or, for a refused job, the price the backend computed)
and the decision must be the quote's."""
from __future__ import annotations

from click.testing import CliRunner

from pykota_ldap.cli import pykotme
from pykota_ldap.directory import accounts, printers, quotas

# user -> (limit mode, balance, overcharge); each one's quota entries are set below
USERS = {"alice": ("quota", 0, 1000), "bob": ("balance", 2_000, 1500), "prof2": ("balance", 500, 1000),
         "toto": ("noquota", 0, 1000), "ilabusetrop": ("nochange", 0, 1000), "chloe": ("noprint", 0, 1000),
         "charles": ("quota", 0, 2000)}


def _quote(rig, user: str, queue: str, document) -> str:
    result = CliRunner().invoke(pykotme.main, ["-u", user, "-P", queue, str(document)],
                                prog_name="pykotme", env={"PYKOTA_HOME": str(rig.home)})
    assert result.exit_code == 0, result.output
    assert "Job size : 3 pages" in result.output
    return next(line for line in result.output.splitlines() if f" {queue} :" in line)


def _history(rig, queue: str, user: str) -> dict[str, str]:
    out = rig.slapd.ldapsearch("ou=Jobs,ou=PyKota,dc=example,dc=org",
                               f"(&(objectClass=pkJob)(pkPrinterName={queue})(pkUserName={user}))",
                               "pkAction", "pkJobPrice", "pkPrecomputedJobPrice")
    return dict(line.split(": ", 1) for line in out.splitlines() if line.startswith("pk"))


def test_the_quote_is_what_the_backend_charges_and_decides(rig):
    cheap, grouped, free = rig.queue(prefix="cheap"), rig.queue(prefix="grp"), rig.queue(prefix="free")
    rig.configure(**{grouped: "enforcement: strict"})           # laxist on the others
    printers.add_printer(rig.d, cheap, price_per_page=100, price_per_job=50)
    member = printers.add_printer(rig.d, grouped, price_per_page=200)
    group = printers.add_printer(rig.d, "building", price_per_page=20, price_per_job=10)
    printers.add_to_group(rig.d, group, member)
    printers.add_printer(rig.d, free, price_per_page=500, passthrough=True)
    for user, (mode, balance, overcharge) in USERS.items():
        accounts.attach_user(rig.d, user, limit_by=mode, balance=balance, overcharge=overcharge)
        for queue in (cheap, grouped, free, "building"):
            quotas.add_user_quota(rig.d, user, queue)
    quotas.set_limits(rig.d, quotas.user_quota_dn(rig.d, "alice", grouped), soft=2, hard=2)     # strict: refused
    quotas.set_quota_max_job_size(rig.d, quotas.user_quota_dn(rig.d, "charles", cheap), 2)      # too large
    document = rig.document(3)

    said = {}
    for user in USERS:
        for queue in (cheap, grouped, free):
            line = said[user, queue] = _quote(rig, user, queue, document)
            rig.print(queue, 3, user=user)
            entry = _history(rig, queue, user)
            if "won't be charged" in line:
                assert entry["pkAction"] == "ALLOW" and entry.get("pkJobPrice", "0") == "0", (line, entry)
            elif line.startswith("Cost on printer") and "refused" not in line:       # printed and charged
                assert entry["pkAction"] == ("WARN" if "warning" in line else "ALLOW"), (line, entry)
                assert f" : {_credits(entry['pkJobPrice'])}" in line, (line, entry)
            else:                                                   # refused, at the price the backend computed
                assert entry["pkAction"] == "DENY", (line, entry)
                if line.startswith("Cost on printer"):
                    assert f" : {_credits(entry['pkPrecomputedJobPrice'])} " in line, (line, entry)

    assert said["alice", cheap] == f"Cost on printer {cheap} : 0.35"                 # 0.05 + 3 x 0.10
    assert said["alice", grouped].startswith(f"Cost on printer {grouped} : 0.67 (would be refused now: this 3-page")
    assert said["bob", cheap] == f"Cost on printer {cheap} : 0.525"                  # 0.35 x 1.5
    assert said["bob", grouped].startswith(f"Cost on printer {grouped} : 1.005 (would print now, "  # 0.67 x 1.5
                                                            "with a warning: balance is low")
    assert said["prof2", grouped].startswith(f"Cost on printer {grouped} : 0.67 (would be refused now: balance 0.15")
    assert "won't be charged" in said["ilabusetrop", cheap] and "won't be charged" in said["chloe", free]
    assert said["chloe", cheap] == f"Printer {cheap} : forbidden to print"
    assert said["charles", cheap].startswith(f"Printer {cheap} : not allowed to print so many pages")
    assert said["charles", grouped] == f"Cost on printer {grouped} : 1.34"           # overcharge 2


def _credits(milli: str) -> str:
    from pykota_ldap import money
    return money.format(int(milli))
