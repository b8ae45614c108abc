"""Simulated network printers for tests, benchmarks and the demo.

- `NetworkPrinter`: a raw TCP (JetDirect, `socket://`) listener plus a pysnmp 7 agent serving
  the Printer-MIB / Host-Resources values PyKota's hardware accounting reads:
  prtMarkerLifeCount (grows by the pages of each job received, counted with the pdl counter),
  hrPrinterStatus (4 printing while a job comes in, 3 idle); with `seconds_per_page` the printer
  "prints" after receiving the data, holding the connection open meanwhile (a socket backend then
  waits for it, as with a real printer), and counts the pages when done, hrDeviceStatus, and
  hrPrinterDetectedErrorState. The agent and the listener run in daemon threads of this process;
  tests change `values` directly (e.g. hrDeviceStatus 5 = down) or stop the listener.
  The raw port also answers PJL status queries (`@PJL INFO STATUS`, `@PJL INFO PAGECOUNT`)
  from the same counter, as HP JetDirect printers do (`answers_pjl` False: it stays silent).
- `IppEvePrinter`: CUPS' own `ippeveprinter` (an IPP Everywhere printer) as our child, for
  queues that use the stock ipp backend.
- `postscript(pages)`: a small DSC PostScript document with that many pages.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .process import Rig, stop_process
from .slapd import free_port

LIFE_COUNT = (1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4)
PRINTER_STATUS = (1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 1)
DEVICE_STATUS = (1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 5)
ERROR_STATE = (1, 3, 6, 1, 2, 1, 25, 3, 5, 1, 2)


def postscript(pages: int, label: str = "pykota-ldap test") -> bytes:
    body = [f"%!PS-Adobe-3.0\n%%Title: {label}\n%%Pages: {pages}\n%%BoundingBox: 0 0 595 842\n%%EndComments\n"
            "%%BeginProlog\n/Helvetica findfont 24 scalefont setfont\n%%EndProlog\n"]
    for n in range(1, pages + 1):
        body.append(f"%%Page: {n} {n}\n72 720 moveto ({label}: page {n} of {pages}) show\nshowpage\n")
    body.append("%%Trailer\n%%EOF\n")
    return "".join(body).encode()


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def count_job(path: Path) -> int:
    try:
        from ..accounting.pdl import count_pages
        return count_pages(str(path), timeout=30).total
    except Exception:  # noqa: BLE001 - a printer prints what it can
        data = path.read_bytes()
        return max(data.count(b"%%Page:"), 1 if data else 0)


class NetworkPrinter(Rig):
    """JetDirect listener on 127.0.0.1:tcp_port and an SNMP agent on 127.0.0.1:snmp_port."""

    def __init__(self, tcp_port: int | None = None, snmp_port: int | None = None, community: str = "public",
                 seconds_per_page: float = 0.0, start_counter: int = 1000, outdir: str | None = None):
        self.tcp_port = tcp_port or free_port()
        self.snmp_port = snmp_port or free_udp_port()
        self.community = community
        self.seconds_per_page = seconds_per_page
        self.values = {"pages": start_counter, "hrPrinterStatus": 3, "hrDeviceStatus": 2, "errorState": 0}
        self._own_outdir = outdir is None          # ours: removed by stop()
        self.outdir = Path(outdir or tempfile.mkdtemp(prefix="pkprn"))
        self.jobs: list[dict] = []
        self.errors: list[str] = []               # what went wrong receiving a job (for a test's report)
        self._lock = threading.Lock()
        self._server: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine = None
        self._threads: list[threading.Thread] = []
        self.answers_pjl: bool | None = True      # False: reads PJL queries, never answers; None: prints them
        self.pjl_queries = 0

    @property
    def uri(self) -> str:
        return f"socket://127.0.0.1:{self.tcp_port}"

    @property
    def counter(self) -> int:
        return self.values["pages"]

    # -- lifecycle -------------------------------------------------------------------------------
    def _start(self) -> None:
        self.start_tcp()
        self.start_snmp()

    def _stop(self) -> None:
        self.stop_tcp()
        self.stop_snmp()
        if self._own_outdir:
            shutil.rmtree(self.outdir, ignore_errors=True)

    # -- raw TCP ---------------------------------------------------------------------------------
    def start_tcp(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.tcp_port))
        server.listen(16)
        self._server = server
        thread = threading.Thread(target=self._accept_loop, args=(server,), daemon=True)
        thread.start()

    def stop_tcp(self) -> None:
        """The printer is unplugged: connections are refused."""
        if self._server is not None:
            try:
                self._server.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._server.close()
            self._server = None

    def _accept_loop(self, server: socket.socket) -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._receive_logged, args=(conn,), daemon=True).start()

    def _receive_logged(self, conn: socket.socket) -> None:
        try:
            self._receive(conn)
        except Exception as exc:  # noqa: BLE001 - a test's report says it; the printer goes on
            self.errors.append(f"{time.strftime('%H:%M:%S')} {type(exc).__name__}: {exc}")

    def _receive(self, conn: socket.socket) -> None:
        first = conn.recv(65536)
        if self.answers_pjl is not None and first.startswith(b"\x1b%-12345X@PJL") and b"@PJL INFO" in first \
                and b"ENTER LANGUAGE" not in first:
            self._answer_pjl(conn, first)
            return
        with self._lock:
            self.values["hrPrinterStatus"] = 4
            number = len(self.jobs) + 1
            self.jobs.append({"number": number, "pages": None, "bytes": 0})
        path = self.outdir / f"job-{number}.bin"
        size = 0
        with conn, open(path, "wb") as out:
            chunk = first
            while chunk:
                out.write(chunk)
                size += len(chunk)
                chunk = conn.recv(65536)
            out.close()
            with self._lock:
                self.jobs[number - 1]["received"] = size     # all the data is here; printing starts
            pages = count_job(path) if size else 0
            if self.seconds_per_page:
                time.sleep(self.seconds_per_page * pages)
            with self._lock:
                self.values["pages"] += pages
                self.jobs[number - 1].update(pages=pages, bytes=size, path=str(path))
                self.values["hrPrinterStatus"] = 3

    # -- PJL status queries on the raw port (hardware(pjl)) ----------------------------------------
    def _answer_pjl(self, conn: socket.socket, query: bytes) -> None:
        """Answer INFO STATUS and INFO PAGECOUNT as an HP printer does (each answer ends with a
        form feed); with answers_pjl False, read the query and say nothing (no PJL support)."""
        with conn:
            conn.settimeout(2)
            try:
                while not query.endswith(b"\x1b%-12345X") or query.count(b"\x1b%-12345X") < 2:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    query += chunk
                if not self.answers_pjl:
                    return
                with self._lock:
                    status, pages = self.values["hrPrinterStatus"], self.values["pages"]
                code = {4: 10023, 5: 10003}.get(status, 40079 if self.values["hrDeviceStatus"] == 5 else 10001)
                answer = b""
                if b"INFO STATUS" in query:
                    answer += f'@PJL INFO STATUS\r\nCODE={code}\r\nDISPLAY="Ready"\r\nONLINE=TRUE\r\n\x0c'.encode()
                if b"INFO PAGECOUNT" in query:
                    answer += f"@PJL INFO PAGECOUNT\r\nPAGECOUNT={pages}\r\n\x0c".encode()
                conn.sendall(answer)
                self.pjl_queries += 1
            except OSError:
                pass

    def pages_printed(self) -> int:
        return sum(j["pages"] or 0 for j in self.jobs)

    # -- SNMP ------------------------------------------------------------------------------------
    def start_snmp(self) -> None:
        ready = threading.Event()
        errors = []

        def serve():
            try:
                self._loop = asyncio.new_event_loop()
                asyncio.set_event_loop(self._loop)
                self._build_agent()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
                ready.set()
                return
            ready.set()
            self._loop.run_forever()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SNMP agent did not start in time")
        if errors:
            raise errors[0]

    def stop_snmp(self) -> None:
        if self._loop is not None:
            loop = self._loop

            def halt():
                try:
                    self._engine.transport_dispatcher.close_dispatcher()
                except Exception:  # noqa: BLE001
                    pass
                for task in asyncio.all_tasks(loop):
                    task.cancel()
                loop.call_soon(loop.stop)

            loop.call_soon_threadsafe(halt)
            self._loop = None

    def _build_agent(self) -> None:
        from pysnmp.carrier.asyncio.dgram import udp
        from pysnmp.entity import config, engine
        from pysnmp.entity.rfc3413 import cmdrsp, context
        from pysnmp.proto.api import v2c

        eng = engine.SnmpEngine()
        config.add_transport(eng, udp.DOMAIN_NAME, udp.UdpTransport().open_server_mode(("127.0.0.1", self.snmp_port)))
        config.add_v1_system(eng, "ro-area", self.community)
        config.add_vacm_user(eng, 1, "ro-area", "noAuthNoPriv", (1, 3, 6))
        config.add_vacm_user(eng, 2, "ro-area", "noAuthNoPriv", (1, 3, 6))
        snmp_context = context.SnmpContext(eng)
        builder = snmp_context.get_mib_instrum().get_mib_builder()
        MibScalar, MibScalarInstance = builder.import_symbols("SNMPv2-SMI", "MibScalar", "MibScalarInstance")
        printer = self

        def instance(key):
            class Instance(MibScalarInstance):
                def getValue(self, name, **ctx):  # noqa: N802 - pysnmp's name
                    value = printer.values[key]
                    if key == "errorState":
                        return self.getSyntax().clone(int(value).to_bytes(2, "big"))
                    return self.getSyntax().clone(value)
            return Instance

        objects = []
        for oid, index, syntax, key in ((LIFE_COUNT, (1, 1), v2c.Counter32(0), "pages"),
                                        (PRINTER_STATUS, (1,), v2c.Integer(0), "hrPrinterStatus"),
                                        (DEVICE_STATUS, (1,), v2c.Integer(0), "hrDeviceStatus"),
                                        (ERROR_STATE, (1,), v2c.OctetString(b"\0\0"), "errorState")):
            objects.append(MibScalar(oid, syntax.clone()).setMaxAccess("read-only"))
            objects.append(instance(key)(oid, index, syntax.clone()))
        builder.export_symbols("__PYKOTA_FAKE_PRINTER_MIB", *objects)
        cmdrsp.GetCommandResponder(eng, snmp_context)
        cmdrsp.NextCommandResponder(eng, snmp_context)
        cmdrsp.BulkCommandResponder(eng, snmp_context)
        eng.transport_dispatcher.job_started(1)
        self._engine = eng


_BUS_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={bus}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""

_AVAHI_CONF = """[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=lo
enable-dbus=yes
[publish]
[reflector]
[rlimits]
"""


class Unavailable(RuntimeError):
    """A tool ippeveprinter needs is not installed (ippeveprinter itself, or the D-Bus and Avahi
    daemons for a private DNS-SD); an installed tool that fails is a RuntimeError."""


class IppEvePrinter(Rig):
    """`ippeveprinter` on a loopback port; jobs are kept in its spool directory."""

    def __init__(self, name: str = "pkipp", port: int | None = None, command: str = "/bin/true"):
        """command: what ippeveprinter runs on each job's file (its stderr ATTR: lines, e.g.
        job-impressions-completed=N, become job attributes the ipp backend reports)."""
        self.name = name
        self.command = command
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pkipp"))
        self.process: subprocess.Popen | None = None
        self._helpers: list[subprocess.Popen] = []
        self._bus: str | None = None

    @property
    def uri(self) -> str:
        return f"ipp://127.0.0.1:{self.port}/ipp/print"

    def _start(self) -> None:
        if not shutil.which("ippeveprinter"):
            raise Unavailable("ippeveprinter not found: install cups-ipp-utils")
        try:
            self._launch()
            return
        except RuntimeError:
            if "DNS-SD" not in self.log():
                raise
        # No system D-Bus / Avahi here (containers, CI): ippeveprinter cannot work without
        # DNS-SD, so give it a private bus and an Avahi daemon limited to the loopback interface.
        self._start_avahi()
        self._launch()

    def log(self) -> str:
        path = self.dir / "ippeveprinter.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self._bus:
            env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={self._bus}"
        return env

    def _launch(self) -> None:
        log = open(self.dir / "ippeveprinter.log", "ab")
        self.process = subprocess.Popen(
            ["ippeveprinter", "-p", str(self.port), "-c", self.command, "-k", "-d", str(self.dir),
             "-f", "application/pdf,application/postscript,image/pwg-raster,image/urf,application/octet-stream",
             self.name], stdout=log, stderr=subprocess.STDOUT, env=self._env())
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ippeveprinter exited with {self.process.returncode}: {self.log()[-300:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"ippeveprinter did not start in time: {self.log()[-300:]}")

    def _start_avahi(self) -> None:
        if not (shutil.which("dbus-daemon") and shutil.which("avahi-daemon")):
            raise Unavailable("ippeveprinter needs DNS-SD: install dbus-daemon and avahi-daemon")
        self._bus = str(self.dir / "bus")
        (self.dir / "bus.conf").write_text(_BUS_CONF.format(bus=self._bus))
        (self.dir / "avahi.conf").write_text(_AVAHI_CONF)
        log = open(self.dir / "avahi.log", "ab")
        self._helpers.append(subprocess.Popen(["dbus-daemon", f"--config-file={self.dir / 'bus.conf'}", "--nofork"],
                                              stdout=log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 10
        while not _accepts(self._bus):     # the socket file appears at bind(), before dbus-daemon listens
            if time.monotonic() > deadline:
                log.close()
                raise RuntimeError("dbus-daemon did not start in time: " + self._avahi_log())
            time.sleep(0.02)
        self._helpers.append(subprocess.Popen(
            ["avahi-daemon", "-f", str(self.dir / "avahi.conf"), "--no-drop-root", "--no-chroot", "--no-rlimits"],
            stdout=log, stderr=subprocess.STDOUT, env=self._env()))
        log.close()
        while "Server startup complete" not in self._avahi_log(chars=None):
            if self._helpers[-1].poll() is not None:
                raise RuntimeError("avahi-daemon failed: " + self._avahi_log())
            if time.monotonic() > deadline:
                raise RuntimeError("avahi-daemon did not start in time: " + self._avahi_log())
            time.sleep(0.05)

    def _avahi_log(self, chars: int | None = 300) -> str:
        text = (self.dir / "avahi.log").read_text(errors="replace")
        return text if chars is None else text[-chars:]

    def _stop(self) -> None:
        for process in [self.process] + self._helpers[::-1]:
            stop_process(process)
        self._helpers = []
        shutil.rmtree(self.dir, ignore_errors=True)

    def received(self) -> list[Path]:
        return sorted(p for p in self.dir.rglob("*") if p.is_file() and p.suffix not in (".log",))


def _accepts(path: str) -> bool:
    """True once a Unix socket at ``path`` accepts connections."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            probe.connect(path)
        return True
    except OSError:
        return False
