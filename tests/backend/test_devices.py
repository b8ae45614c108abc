"""Hardware accounting over SNMP, the stock ipp backend to ippeveprinter, discovery, exit codes."""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.ci import skip_unless_ci
from pykota_ldap.testing.printer import IppEvePrinter, Unavailable

from .conftest import run_backend


@contextmanager
def ippeveprinter(**options):
    """An ippeveprinter for one test; a missing tool skips outside CI and fails under CI
    (.ci/apt-packages-backend installs cups-ipp-utils, dbus-daemon and avahi-daemon)."""
    printer = IppEvePrinter(**options)
    try:
        printer.start()
    except Unavailable as exc:
        skip_unless_ci(str(exc))
    try:
        yield printer
    finally:
        printer.stop()


def _setup(rig, queue):
    printers.add_printer(rig.d, queue, price_per_page=10)
    accounts.attach_user(rig.d, "alice", balance=100_000)
    quotas.add_user_quota(rig.d, "alice", queue)


def test_hardware_snmp_counts_what_the_printer_counted(rig):
    queue = rig.queue()
    rig.configure(**{queue: f"accounter: hardware(snmp:public@127.0.0.1:{rig.printer.snmp_port})"})
    _setup(rig, queue)
    before = rig.printer.counter
    job = rig.print(queue, 4, copies=2)
    assert job.state == "completed"
    assert rig.printer.counter == before + 8
    assert rig.counter("alice", queue) == 8
    assert "8 pages charged" in rig.log(job.id)


def test_hardware_snmp_trusts_the_printer_over_the_precount(rig):
    queue = rig.queue()
    rig.configure(**{queue: f"accounter: hardware(snmp@127.0.0.1:{rig.printer.snmp_port})\n"
                            "statusstabilizationdelay: 0.1\nnoprintingmaxdelay: 1"})
    _setup(rig, queue)
    original = rig.printer.values["pages"]

    # A printer that prints one page more than the data says (a banner page, say).
    import pykota_ldap.testing.printer as printer_module
    real = printer_module.count_job
    printer_module.count_job = lambda path: real(path) + 1
    try:
        job = rig.print(queue, 2)
    finally:
        printer_module.count_job = real
    assert job.state == "completed"
    assert rig.printer.values["pages"] == original + 3
    assert rig.counter("alice", queue) == 3


def test_ipp_backend_to_ippeveprinter(rig):
    with ippeveprinter() as ipp:
        queue = rig.queue(uri=ipp.uri)
        _setup(rig, queue)
        job = rig.cups.wait_job(queue, rig.print(queue, 3, wait=False), timeout=60)
        assert job.state == "completed", rig.log(job.id)[-2000:]
        assert rig.counter("alice", queue) == 3
        assert ipp.received()


@pytest.fixture
def acme_backend(rig):
    """Another backend in the private cupsd's backend directory, which finds one device."""
    path = rig.cups.backend_dir / "acme"
    path.write_text("#!/bin/sh\n"
                    "[ $# -eq 0 ] && echo 'network acme://10.9.8.7 \"Acme Laser\" \"Acme Laser (net)\" \"MFG:Acme;\"'\n"
                    "exit 0\n")
    path.chmod(0o755)
    yield "acme://10.9.8.7"
    path.unlink()


def test_discovery_lists_wrapped_devices(rig, acme_backend):
    out = rig.cups.run("lpinfo", "-h", rig.cups.host, "-v").stdout.splitlines()
    assert f"network {acme_backend}" in out                       # what the other backend found...
    assert f"network cupspykota:{acme_backend}" in out            # ...offered again through cupspykota
    assert "direct cupspykota" in out


def test_discovery_by_hand(rig, acme_backend):
    env = {"PATH": "/usr/bin:/bin", "CUPS_SERVERBIN": str(rig.cups.dir / "serverbin")}
    done = run_backend(rig.cups, env=env)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == 'direct cupspykota "PyKota+Nothing" "PyKota managed Virtual Printer"'
    assert f'network cupspykota:{acme_backend} "PyKota+Acme Laser" "PyKota managed Acme Laser (net)" "MFG:Acme;"' \
        in lines


@pytest.mark.parametrize("args,expected", [(("1", "alice", "t"), 1), (("--bogus",), 1), (("--help",), 0)])
def test_command_line_exit_codes(rig, args, expected):
    done = run_backend(rig.cups, *args, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == expected


def test_bad_configuration_stops_the_queue_never_exit_2(rig, tmp_path):
    home = tmp_path / "broken"
    home.mkdir()
    (home / "pykota.conf").write_text("[global]\nstorageserver: nonsense\n")
    data = tmp_path / "job.ps"
    data.write_bytes(rig.document(1).read_bytes())
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(home), "PRINTER": "q", "DEVICE_URI": "cupspykota:socket://127.0.0.1:9",
           "CUPS_SERVERBIN": str(rig.cups.dir / "serverbin")}
    done = run_backend(rig.cups, "1", "alice", "t", "1", "", str(data), env=env)
    assert done.returncode == 4
    assert "ERROR: cupspykota: configuration" in done.stderr


def test_checkout_script_never_exits_2():
    from pathlib import Path
    script = Path(__file__).resolve().parents[2] / "backend" / "cupspykota"
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "cupspykota --install" in done.stdout


def test_installed_backend_is_root_only(rig):
    st = os.stat(rig.cups.backend_dir / "cupspykota")
    assert st.st_mode & 0o777 == 0o700 and st.st_uid == 0


def test_ipp_printer_count_through_hardware_backend(rig, tmp_path):
    """accounter hardware(backend): the IPP printer's job-impressions-completed, as the stock ipp
    backend reports it (PAGE: total N), here one page more than the data (a banner, say)."""
    script = tmp_path / "print.sh"
    script.write_text("#!/bin/sh\nn=$(grep -c '^%%Page:' \"$1\")\n"
                      "echo \"ATTR: job-impressions-completed=$((n + 1))\" >&2\n")
    script.chmod(0o755)
    tmp_path.chmod(0o755)
    with ippeveprinter(command=str(script)) as ipp:
        queue = rig.queue(uri=ipp.uri)
        rig.configure(**{queue: "accounter: hardware(backend)"})
        _setup(rig, queue)
        job = rig.cups.wait_job(queue, rig.print(queue, 3, wait=False), timeout=60)
        assert job.state == "completed", rig.log(job.id)[-2000:]
        assert rig.counter("alice", queue) == 4
