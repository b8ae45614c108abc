"""The test rigs leave nothing running when start() fails half-way: a server that started but is
given up on, a helper daemon started for another server, a listener opened before the agent."""
from __future__ import annotations

import os
import socket

import pytest

from pykota_ldap.testing.ci import require_tools, skip_unless_ci
from pykota_ldap.testing.cups import Cupsd
from pykota_ldap.testing.printer import IppEvePrinter, NetworkPrinter
from pykota_ldap.testing.slapd import Slapd


class SlapdWithBrokenData(Slapd):
    """slapd is up and listening, then loading the sample organisation fails."""

    def ldapadd(self, path_or_text, config=False):
        if not config:
            raise RuntimeError("ldapadd failed")
        super().ldapadd(path_or_text, config)


def test_slapd_is_stopped_when_loading_fails():
    server = SlapdWithBrokenData()
    with pytest.raises(RuntimeError, match="ldapadd failed"):
        server.start()
    assert server.process is not None and server.process.poll() is not None      # it did run, and was stopped
    assert not server.dir.exists()


class CupsdGivenUpOn(Cupsd):
    def _wait_ready(self, timeout=15.0):
        super()._wait_ready(timeout)
        raise RuntimeError("not ready")


def test_cupsd_is_stopped_when_it_is_given_up_on():
    require_tools("cupsd", "lpstat")
    if os.geteuid() != 0:
        skip_unless_ci("a private cupsd needs root")
    server = CupsdGivenUpOn(loglevel="warn")
    with pytest.raises(RuntimeError, match="not ready"):
        server.start()
    assert server.process is not None and server.process.poll() is not None
    assert not server.dir.exists()


class PrinterWithBrokenAgent(NetworkPrinter):
    def _build_agent(self):
        raise RuntimeError("SNMP agent failed")


def test_network_printer_closes_its_listener_when_the_agent_cannot_start():
    printer = PrinterWithBrokenAgent()
    with pytest.raises(RuntimeError, match="SNMP agent failed"):
        printer.start()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", printer.tcp_port), timeout=2).close()
    assert not printer.outdir.exists()


class IppEvePrinterFailingAfterAvahi(IppEvePrinter):
    """As on a machine without DNS-SD: the first launch asks for it, the rig starts a private
    D-Bus and Avahi, then ippeveprinter fails anyway."""

    def _launch(self):
        if not self._helpers:
            (self.dir / "ippeveprinter.log").write_text("DNS-SD registration failed\n")
            raise RuntimeError("no DNS-SD")
        self.helpers_started = list(self._helpers)
        raise RuntimeError("ippeveprinter failed")


def test_ippeveprinter_stops_the_daemons_it_started():
    require_tools("ippeveprinter", "dbus-daemon", "avahi-daemon")
    printer = IppEvePrinterFailingAfterAvahi()
    with pytest.raises(RuntimeError, match="ippeveprinter failed"):
        printer.start()
    assert len(printer.helpers_started) == 2
    assert all(helper.poll() is not None for helper in printer.helpers_started)
    assert not printer.dir.exists()
