"""The accounters beyond SNMP through the real cupsd: hardware(pjl) against the simulated
printer's raw port (and its counter on the job, on the printer entry, in repykota's Real line
and dumpykota's history), what a silent printer does under onaccountererror stop and continue,
hardware(command), software(command) and preaccounter software(command)."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time

from pykota_ldap.directory import accounts, printers, quotas


def _setup(rig, queue):
    printers.add_printer(rig.d, queue, price_per_page=10)
    accounts.attach_user(rig.d, "alice", balance=100_000)
    quotas.add_user_quota(rig.d, "alice", queue)


def _command(rig, name: str, *args: str) -> str:
    env = {**os.environ, "PYKOTA_HOME": str(rig.home)}
    done = subprocess.run([sys.executable, "-m", f"pykota_ldap.cli.{name}", *args], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _attribute(rig, base: str, flt: str, attr: str) -> list[str]:
    out = rig.slapd.ldapsearch(base, flt, attr)
    return [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith(attr + ":")]


QUICK = "statusstabilizationdelay: 0.1\nstatusstabilizationloops: 2\nnoprintingmaxdelay: 5\n"


def test_hardware_pjl_counts_and_records_the_printers_counter(rig):
    queue = rig.queue()
    rig.configure(**{queue: "accounter: hardware(pjl)\n" + QUICK})
    _setup(rig, queue)
    queries = rig.printer.pjl_queries
    job = rig.print(queue, 3)
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.counter("alice", queue) == 3
    assert rig.printer.pjl_queries >= queries + 2                     # before and after, on the raw port
    real = str(rig.printer.counter)
    assert _attribute(rig, "ou=Jobs,ou=PyKota,dc=example,dc=org", f"(pkPrinterName={queue})",
                      "pkPrinterPageCounter") == [real]
    assert _attribute(rig, "ou=Printers,ou=PyKota,dc=example,dc=org", f"(cn={queue})",
                      "pkPrinterPageCounter") == [real]
    report = _command(rig, "repykota", "-P", queue)
    assert any(line.split() == ["Real", ":", real] for line in report.splitlines()), report
    history = _command(rig, "dumpykota", "-d", "history", "-f", "csv", f"printername={queue}")
    rows = list(csv.DictReader(io.StringIO(history)))
    assert [r["pagecounter"] for r in rows] == [real]


def test_a_silent_printer_stops_the_queue_or_is_charged_its_software_count(rig):
    stopped, going_on = rig.queue(), rig.queue()
    rig.configure("snmpmaxwait: 2\n", **{stopped: "accounter: hardware(pjl)\n" + QUICK,
                     going_on: "accounter: hardware(pjl)\nonaccountererror: continue\n" + QUICK})
    _setup(rig, stopped)
    quotas.add_user_quota(rig.d, "alice", going_on)
    printers.add_printer(rig.d, going_on, price_per_page=10)
    rig.printer.answers_pjl = False                                   # reads PJL, never answers
    received = rig.received()
    try:
        job = rig.print(stopped, 2, wait=False)
        deadline = time.monotonic() + 30
        while "queue stopped" not in rig.log(job) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "onaccountererror: stop" in rig.log(job)
        assert rig.cups.job(stopped, job).state in ("pending", "processing")   # kept, not printed
        assert rig.received() == received and rig.counter("alice", stopped) == 0

        done = rig.print(going_on, 2)
        assert done.state == "completed"
        assert rig.counter("alice", going_on) == 2                    # the software count
        assert "unreadable before the job" in rig.log(done.id)
    finally:
        rig.printer.answers_pjl = True
        rig.cancel(job)


def _script(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    tmp_path.chmod(0o755)
    return path


def test_hardware_command_and_software_command(rig, tmp_path):
    log = tmp_path / "calls.log"
    port = rig.printer.tcp_port
    counter = _script(tmp_path, "counter.sh", f"echo \"$1 $PYKOTAUSERNAME\" >> {log}\n"
                      f"exec {sys.executable} -c 'from pykota_ldap.accounting.pjlstatus import PrinterPJL; "
                      f"print(\"counter:\"); print(PrinterPJL(\"127.0.0.1\", {port}).read().counter)'\n")
    pages_plus_one = _script(tmp_path, "count.sh", "echo $(( $(grep -c '^%%Page:') + 1 ))\n")
    seven = _script(tmp_path, "seven.sh", "cat >/dev/null; echo 7\n")
    hardware, software = rig.queue(), rig.queue()
    rig.configure(**{hardware: f"accounter: hardware({counter} %(printer)s)",
                     software: f"accounter: software({pages_plus_one})\npreaccounter: software({seven})"})
    _setup(rig, hardware)
    printers.add_printer(rig.d, software, price_per_page=10)
    quotas.add_user_quota(rig.d, "alice", software)

    job = rig.print(hardware, 2)
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.counter("alice", hardware) == 2
    assert log.read_text().splitlines() == ["127.0.0.1 alice"] * 2     # before and after, no shell between

    job = rig.print(software, 3)
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.counter("alice", software) == 4
    entry = rig.slapd.ldapsearch("ou=Jobs,ou=PyKota,dc=example,dc=org", f"(pkPrinterName={software})",
                                 "pkPrecomputedJobSize")
    assert "pkPrecomputedJobSize: 7" in entry


def test_a_failing_preaccounter_command_refuses_the_job(rig, tmp_path):
    silent = _script(tmp_path, "silent.sh", "cat >/dev/null; exit 3\n")
    queue = rig.queue()
    rig.configure(**{queue: f"preaccounter: software({silent})"})
    _setup(rig, queue)
    received = rig.received()
    job = rig.print(queue, 1)
    assert job.state != "completed" and rig.received() == received
    assert "printed no number" in rig.log(job.id)


def test_hardware_ipp_counts_the_printers_impressions(rig, tmp_path):
    """The printer's own job-impressions-completed, asked by cupspykota itself (Get-Jobs) around
    the stock ipp backend's job to ippeveprinter: here a printer that adds a page to every job."""
    from .test_devices import ippeveprinter
    script = _script(tmp_path, "print.sh", "n=$(grep -c '^%%Page:' \"$1\")\n"
                     "echo \"ATTR: job-impressions-completed=$((n + 1))\" >&2\n")
    with ippeveprinter(command=str(script)) as ipp:
        queue = rig.queue(uri=ipp.uri)
        rig.configure(**{queue: "accounter: hardware(ipp)\n" + QUICK})
        _setup(rig, queue)
        job = rig.cups.wait_job(queue, rig.print(queue, 3, wait=False), timeout=60)
        assert job.state == "completed", rig.log(job.id)[-2000:]
        assert rig.counter("alice", queue) == 4                      # the printer's count, not the software's 3
        assert _attribute(rig, "ou=Jobs,ou=PyKota,dc=example,dc=org", "(objectClass=pkJob)",
                          "pkPrinterPageCounter") == []           # a job's count is not a life counter


CYAN_PAGE = (b"%!PS-Adobe-3.0\n%%Pages: 1\n%%BoundingBox: 0 0 595 842\n%%EndComments\n%%Page: 1 1\n"
             b"<< /PageSize [595 842] >> setpagedevice\n1 0 0 0 setcmykcolor 0 0 595 842 rectfill\nshowpage\n%%EOF\n")


def test_ink_accounting_prices_each_page_by_its_coverage_and_coefficients(rig):
    """A page covered with cyan (100 % C) at 1.00 a page: coefficient_cyan 3 in [global] makes it
    3.00; an empty coefficient_cyan in the queue's section cancels that (1.00), also for the price
    before printing (preaccounter ink)."""
    path = rig.cups.document_dir / "cyan.ps"
    path.write_bytes(CYAN_PAGE)
    path.chmod(0o644)
    weighted, plain = rig.queue(), rig.queue()
    rig.configure("coefficient_cyan: 3\n", **{weighted: "accounter: ink(cmyk)",
                                               plain: "accounter: ink(cmyk, 100)\npreaccounter: ink(cmyk)\n"
                                                      "coefficient_cyan:"})
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=100_000)
    for queue in (weighted, plain):
        printers.add_printer(rig.d, queue, price_per_page=1000)
        quotas.add_user_quota(rig.d, "alice", queue)

    job = rig.cups.wait_job(weighted, rig.cups.lp(weighted, path, user="alice"))
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.balance("alice") == 100_000 - 3000
    job = rig.cups.wait_job(plain, rig.cups.lp(plain, path, user="alice"))
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.balance("alice") == 100_000 - 3000 - 1000
    assert _attribute(rig, "ou=Jobs,ou=PyKota,dc=example,dc=org", f"(pkPrinterName={plain})",
                      "pkPrecomputedJobPrice") == ["1000"]
    assert rig.counter("alice", weighted) == 1 and rig.counter("alice", plain) == 1

    text = rig.print(weighted, 1)                                       # black text: a fraction of a page
    assert text.state == "completed"
    assert 0 < 100_000 - 4000 - rig.balance("alice") < 100


def test_skipinitialwait_no_waits_for_a_still_counter_before_the_job(rig):
    quick, careful = rig.queue(), rig.queue()
    rig.configure(**{quick: "accounter: hardware(pjl)\n" + QUICK,
                     careful: "accounter: hardware(pjl)\nskipinitialwait: no\n" + QUICK})
    _setup(rig, quick)
    printers.add_printer(rig.d, careful)
    quotas.add_user_quota(rig.d, "alice", careful)
    queries = {}
    for queue in (quick, careful):
        start = rig.printer.pjl_queries
        assert rig.print(queue, 1).state == "completed"
        queries[queue] = rig.printer.pjl_queries - start
    assert queries[careful] >= queries[quick] + 2                    # several still readings before the job
