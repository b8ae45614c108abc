"""The job's way through cupspykota against a real cupsd, slapd and network printer."""
from __future__ import annotations

from pykota_ldap.directory import accounts, printers, quotas


def test_within_quota_prints_and_charges(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100, price_per_job=50)
    accounts.attach_user(rig.d, "alice", balance=10_000)
    quotas.add_user_quota(rig.d, "alice", queue, soft=50, hard=60)
    before = rig.received()

    job = rig.print(queue, 3, title="Report")

    assert job.state == "completed"
    assert "3 pages charged to alice" in rig.log(job.id)   # cupsd clears it when done
    assert rig.received() == before + 1 and rig.printer.jobs[-1]["pages"] == 3
    assert rig.counter("alice", queue) == 3
    assert rig.balance("alice") == 10_000 - 350                    # 3 x 0.10 + 0.05
    [entry] = rig.jobs(queue)
    assert entry["pkAction"] == "ALLOW" and entry["pkJobSize"] == "3" and entry["pkJobPrice"] == "350"
    assert entry["pkJobId"] == str(job.id) and len(entry["pkMD5Sum"]) == 32


def test_copies_on_a_raw_queue_are_charged_and_printed(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    job = rig.print(queue, 2, copies=3)
    assert job.state == "completed"
    assert rig.counter("alice", queue) == 6
    assert rig.printer.jobs[-1]["pages"] == 6                        # the socket backend sent 3 copies
    assert rig.jobs(queue)[0]["pkCopies"] == "3"


def test_soft_limit_grace_then_hard_limit(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, soft=3, hard=6)

    assert rig.print(queue, 2).state == "completed"                  # 0 used
    assert rig.print(queue, 2).state == "completed"                  # 2 used
    warned = rig.print(queue, 1)                                     # 4 used: past soft, grace starts
    assert warned.state == "completed"
    assert "pkDateLimit" in rig.slapd.ldapsearch(f"cn=alice@{queue},ou=UserQuotas,ou=PyKota,dc=example,dc=org",
                                                 "(objectClass=*)", "pkDateLimit", scope="base")
    # The grace period is over: an admin (or time) moves the date into the past, by hand.
    rig.slapd.ldapmodify(f"dn: cn=alice@{queue},ou=UserQuotas,ou=PyKota,dc=example,dc=org\n"
                         "changetype: modify\nreplace: pkDateLimit\npkDateLimit: 20200101000000Z\n")
    denied = rig.print(queue, 1)
    assert denied.state == "canceled"
    assert "grace period ended" in denied.message
    assert rig.counter("alice", queue) == 5
    actions = sorted(j["pkAction"] for j in rig.jobs(queue))
    assert actions == ["ALLOW", "ALLOW", "DENY", "WARN"]


def test_hard_limit_refuses_and_a_hand_edit_is_honoured_at_the_next_job(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=4)
    assert rig.print(queue, 4).state == "completed"
    before = rig.received()
    denied = rig.print(queue, 1)
    assert denied.state == "canceled"
    assert "hard limit of 4 pages reached" in denied.message
    assert rig.received() == before                                  # nothing reached the printer
    assert "hard limit of 4 pages reached" in rig.cups.lpstat("-l", "-p", queue)
    assert rig.cups.printer(queue)["printer-state"] == 3             # the queue keeps running (idle)

    rig.slapd.ldapmodify(f"dn: cn=alice@{queue},ou=UserQuotas,ou=PyKota,dc=example,dc=org\n"
                         "changetype: modify\nreplace: pkHardLimit\npkHardLimit: 10\n")
    assert rig.print(queue, 1).state == "completed"
    assert rig.counter("alice", queue) == 5


def test_balance_runs_out_strict(rig):
    rig.configure("enforcement: strict\n")
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "bob", limit_by="balance", balance=1000)
    assert rig.print(queue, 4, user="bob").state == "completed"      # 1.00 -> 0.60
    assert rig.print(queue, 4, user="bob").state == "completed"      # 0.60 -> 0.20
    denied = rig.print(queue, 4, user="bob")                         # 0.40 > 0.20
    assert denied.state == "canceled"
    assert "balance" in denied.message and "too low" in denied.message
    assert rig.balance("bob") == 200
    assert rig.print(queue, 2, user="bob").state == "completed"      # exactly 0.20: lands on zero
    assert rig.balance("bob") == 0


def test_unknown_user_is_refused_by_default_and_printed_with_policy_allow(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    before = rig.received()
    denied = rig.print(queue, 1, user="quidam")
    assert denied.state == "canceled"
    assert "user quidam is not managed" in denied.message
    assert rig.received() == before
    assert [(j["pkAction"], j["pkUserName"]) for j in rig.jobs(queue)] == [("DENY", "quidam")]

    rig.configure(**{queue: "policy: allow"})
    allowed = rig.print(queue, 1, user="quidam")
    assert allowed.state == "completed"
    assert rig.received() == before + 1
    assert len(rig.jobs(queue)) == 1                                 # no accounting, no history


def test_kerberos_principal_is_charged_to_the_user(rig):
    """Under the kerberos policy the job's user is the principal; here local alice names it with -U."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    assert rig.print(queue, 2, claim="alice@EXAMPLE.ORG").state == "completed"
    assert rig.counter("alice", queue) == 2


def test_printer_groups_are_counted_and_priced(rig):
    queue = rig.queue()
    printer = printers.add_printer(rig.d, queue, price_per_page=100)
    floor = printers.add_printer(rig.d, f"floor-{queue}", price_per_job=1000)
    printers.add_to_group(rig.d, floor, printer)
    accounts.attach_user(rig.d, "alice", balance=10_000)
    quotas.add_user_quota(rig.d, "alice", queue)
    quotas.add_user_quota(rig.d, "alice", floor.name, hard=5)
    assert rig.print(queue, 3).state == "completed"
    assert rig.counter("alice", queue) == 3 and rig.counter("alice", floor.name) == 3
    assert rig.balance("alice") == 10_000 - 300 - 1000
    denied = rig.print(queue, 3)                                     # 3 + 3 > 5 on the group? laxist: 3 < 5
    assert denied.state == "completed"
    refused = rig.print(queue, 1)                                    # 6 >= 5 on the printer group
    assert refused.state == "canceled" and f"floor-{queue}" in refused.message


def test_group_quota_sums_the_members(rig):
    rig.configure("enforcement: strict\n")
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    for user in ("alice", "bob"):
        accounts.attach_user(rig.d, user)
        quotas.add_user_quota(rig.d, user, queue)
    accounts.attach_group(rig.d, "eleves")
    quotas.add_group_quota(rig.d, "eleves", queue, hard=5)
    assert rig.print(queue, 4, user="alice").state == "completed"
    refused = rig.print(queue, 2, user="bob")                        # 4 + 2 > 5 for the group
    assert refused.state == "canceled" and "group eleves" in refused.message
    assert rig.print(queue, 1, user="bob").state == "completed"      # exactly 5


def test_passthrough_prints_and_records_without_charging(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100, passthrough=True)
    accounts.attach_user(rig.d, "alice", balance=1000)
    quotas.add_user_quota(rig.d, "alice", queue, hard=1)
    job = rig.print(queue, 3)
    assert job.state == "completed" and "not charged" in rig.log(job.id)
    assert rig.counter("alice", queue) == 0 and rig.balance("alice") == 1000
    [entry] = rig.jobs(queue)
    assert entry["pkAction"] == "ALLOW" and entry["pkJobPrice"] == "0"


def test_noprint_and_duplicates(rig):
    queue = rig.queue()
    rig.configure(**{queue: "denyduplicates: yes\nduplicatesdelay: 600"})
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    accounts.attach_user(rig.d, "bob", limit_by="noprint")
    quotas.add_user_quota(rig.d, "alice", queue)
    quotas.add_user_quota(rig.d, "bob", queue)
    assert rig.print(queue, 2).state == "completed"
    dup = rig.print(queue, 2)
    assert dup.state == "canceled" and "duplicate" in dup.message
    assert rig.print(queue, 3).state == "completed"                  # another document
    refused = rig.print(queue, 1, user="bob")
    assert refused.state == "canceled" and "may not print" in refused.message


def test_billing_code_is_created_and_charged(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", balance=5000)
    quotas.add_user_quota(rig.d, "alice", queue)
    assert rig.print(queue, 2, options={"job-billing": "PROJ42"}).state == "completed"
    out = rig.slapd.ldapsearch("cn=PROJ42,ou=BillingCodes,ou=PyKota,dc=example,dc=org", "(objectClass=*)",
                               "pkPageCounter", "pkBalance", scope="base")
    assert "pkPageCounter: 2" in out and "pkBalance: -200" in out


def test_an_overlong_billing_code_refuses_the_job_and_the_queue_keeps_running(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    job = rig.print(queue, 1, options={"job-billing": "x" * 300})
    assert job.state == "canceled" and "billing code is invalid" in rig.log(job.id)
    assert rig.print(queue, 1).state == "completed"          # the queue was not stopped


def test_filtered_queue_data_on_stdin(rig):
    """A PPD queue: the filters send PostScript on stdin; copies are in the data."""
    queue = f"ppd{rig.queue()}"
    rig.cups.add_queue(queue, f"cupspykota:{rig.printer.uri}/?snmp=false", ppd="drv:///sample.drv/generic.ppd")
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    job = rig.cups.wait_job(queue, rig.print(queue, 3, wait=False, copies=2), timeout=60)
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.printer.jobs[-1]["pages"] == 6
    assert rig.counter("alice", queue) == 6


def test_max_job_size(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, max_job_size=3)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    refused = rig.print(queue, 4)
    assert refused.state == "canceled" and "larger than the 3 allowed" in refused.message
    assert rig.print(queue, 3).state == "completed"


def test_parallel_count_in_a_forked_child(rig):
    queue = rig.queue()
    rig.configure(**{queue: "parallelcount: yes"})
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=4)
    assert rig.print(queue, 4).state == "completed"
    assert rig.counter("alice", queue) == 4
    refused = rig.print(queue, 2)                                    # laxist: 4 used >= 4
    assert refused.state == "canceled"
