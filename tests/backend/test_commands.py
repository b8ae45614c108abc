"""Commands named in pykota.conf: mailto external(...), askconfirmation, policy external(...)."""
from __future__ import annotations

from pykota_ldap.directory import accounts, printers, quotas


def test_refusal_is_told_through_mailto_external(rig, tmp_path):
    out = tmp_path / "told.txt"
    queue = rig.queue()
    rig.configure(f"mailto: external(echo '%(action)s %(username)s %(printername)s %(email)s' >> {out})\n")
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=0)
    assert rig.print(queue, 1).state == "canceled"
    assert out.read_text().split() == ["DENY", "alice", queue, "alice@example.org"]


def test_askconfirmation_cancel(rig, tmp_path):
    queue = rig.queue()
    rig.configure(**{queue: "askconfirmation: test \"$PYKOTAPRECOMPUTEDJOBSIZE\" -gt 3 && echo CANCEL || true"})
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    assert rig.print(queue, 2).state == "completed"
    cancelled = rig.print(queue, 4)
    assert cancelled.state == "canceled" and "cancelled" in cancelled.message
    assert sorted(j["pkAction"] for j in rig.jobs(queue)) == ["ALLOW", "CANCEL"]


def test_policy_external_creates_the_entry(rig, cups_home):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    add = (f"ldapadd -x -H {rig.slapd.uri} -D cn=pykota,ou=PyKota,dc=example,dc=org -w pykota-service <<EOF\n"
           "dn: cn=$1@$2,ou=UserQuotas,ou=PyKota,dc=example,dc=org\n"
           "objectClass: pkUserQuota\ncn: $1@$2\npkUserName: $1\n"
           "pkPrinterName: $2\npkPageCounter: 0\npkLifePageCounter: 0\npkWarnCount: 0\nEOF")
    script = cups_home / "create-quota.sh"
    script.write_text(add + "\n")
    script.chmod(0o755)
    rig.configure(**{queue: f"policy: external({script} %(username)s %(printername)s)"})
    assert rig.print(queue, 2).state == "completed"
    assert rig.counter("alice", queue) == 2


def test_prehook_and_posthook(rig, tmp_path):
    out = tmp_path / "hooks.txt"
    queue = rig.queue()
    rig.configure(f"prehook: echo \"$PYKOTAPHASE $PYKOTAUSERNAME $PYKOTAPRECOMPUTEDJOBSIZE\" >> {out}\n"
                  f"posthook: echo \"$PYKOTAPHASE $PYKOTAACTION $PYKOTAJOBSIZE $PYKOTAJOBPRICE\" >> {out}\n")
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", balance=5000)
    quotas.add_user_quota(rig.d, "alice", queue)
    assert rig.print(queue, 2).state == "completed"
    assert out.read_text().splitlines() == ["BEFORE alice 2", "AFTER ALLOW 2 200"]


def test_overwrite_jobticket(rig, tmp_path):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    for user in ("alice", "bob"):
        accounts.attach_user(rig.d, user)
        quotas.add_user_quota(rig.d, user, queue)
    rig.configure(**{queue: "overwrite_jobticket: test \"$PYKOTAUSERNAME\" = alice && echo USERNAME=bob "
                            "|| printf 'DENY\\nREASON=not from this room\\n'"})
    assert rig.print(queue, 2, user="alice").state == "completed"
    assert rig.counter("bob", queue) == 2 and rig.counter("alice", queue) == 0
    refused = rig.print(queue, 1, user="bob")
    assert refused.state == "canceled" and "not from this room" in refused.message
