"""A throwaway OpenLDAP server for tests, benchmarks and the demo.

Like python-ldap's slapdtest: a real slapd per instance, in a short temporary directory (the
ldapi socket path must stay under 108 bytes), on a free loopback port, cn=config built with
slapadd from LDIF, run in the foreground with `-d 0` so it stays our child. Two profiles:

- "debian" (the default): cn=config is the one Debian's slapd package makes, from its own
  /usr/share/slapd/slapd.init.ldif (its ACLs, with `to * by * read` last, its indexes, its
  500-entry size limit), and the pykota-ldap schema, indexes and ACL are loaded over ldapi
  exactly as README's "Installing into an existing OpenLDAP" says. What a new admin gets.
- "permissive": everything readable, the service account writes everything, no size limit; for
  the benchmarks (their numbers stay comparable) and tests that say why they need it.

Knobs (environment): SLAPD (path of slapd), PYKOTA_TEST_TMP (parent of instance dirs, default
/tmp), PYKOTA_SLAPD_DEBUG=1 (slapd logs to <dir>/slapd.log).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from pathlib import Path

from ..backend.install import write_private
from ..schema_files import schema_path
from .process import Rig, stop_process

SUFFIX = "dc=example,dc=org"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PW = "secret"
SERVICE_DN = f"cn=pykota,ou=PyKota,{SUFFIX}"
SERVICE_PW = "pykota-service"

DEBIAN = "debian"
PERMISSIVE = "permissive"
DEBIAN_INIT_LDIF = Path("/usr/share/slapd/slapd.init.ldif")

_PERMISSIVE_CONFIG = """\
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: {d}/slapd.pid
olcArgsFile: {d}/slapd.args
olcLogLevel: {loglevel}

dn: cn=module{{0}},cn=config
objectClass: olcModuleList
cn: module{{0}}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={{-1}}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {{-1}}frontend
olcSizeLimit: unlimited

dn: olcDatabase={{0}}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {{0}}config
olcRootDN: cn=admin,cn=config
olcRootPW: {pw}
olcAccess: {{0}}to * by dn.exact=gidNumber={gid}+uidNumber={uid},cn=peercred,cn=external,cn=auth manage by * break

dn: olcDatabase={{1}}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {{1}}mdb
olcSuffix: {suffix}
olcRootDN: {admin}
olcRootPW: {pw}
olcDbDirectory: {d}/db
olcDbMaxSize: 2147483648
olcSizeLimit: unlimited
olcDbIndex: objectClass eq
olcDbIndex: uid,cn,memberUid eq
olcAccess: {{0}}to attrs=userPassword by self write by anonymous auth by * none
olcAccess: {{1}}to * by dn.exact={service} write by * read
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def debian_config(folder: Path, loglevel: str) -> str:
    """Debian's initial cn=config for this instance: its paths moved into `folder`, and the local
    root it trusts over ldapi (uid 0) made the uid running the tests."""
    if not DEBIAN_INIT_LDIF.exists():
        raise RuntimeError(f"{DEBIAN_INIT_LDIF} not found: install Debian's slapd package (see README)")
    text = DEBIAN_INIT_LDIF.read_text()
    hashed = subprocess.run(["slappasswd", "-s", ADMIN_PW], capture_output=True, text=True, check=True).stdout.strip()
    for old, new in {"@SUFFIX@": SUFFIX, "@PASSWORD@": hashed,
                     "/var/run/slapd/slapd.pid": f"{folder}/slapd.pid",
                     "/var/run/slapd/slapd.args": f"{folder}/slapd.args",
                     "/var/lib/ldap": f"{folder}/db",
                     "gidNumber=0+uidNumber=0,": f"gidNumber={os.getgid()}+uidNumber={os.getuid()},",
                     "olcLogLevel: none": f"olcLogLevel: {loglevel}"}.items():
        if old not in text:
            raise RuntimeError(f"{DEBIAN_INIT_LDIF} has no {old!r}: the rig must follow Debian's new layout")
        text = text.replace(old, new)
    return text


def _find_slapd() -> str:
    found = os.environ.get("SLAPD") or shutil.which("slapd") or "/usr/sbin/slapd"
    if not Path(found).exists():
        raise RuntimeError("slapd not found: install Debian's slapd and ldap-utils (see README)")
    return found


class Slapd(Rig):
    """One slapd instance. Use as a context manager, or start() / stop()."""

    def __init__(self, load_schema: bool = True, sample_data: bool = True, profile: str = DEBIAN):
        if profile not in (DEBIAN, PERMISSIVE):
            raise ValueError(f"unknown slapd profile {profile!r}")
        self.profile = profile
        self.load_schema_on_start = load_schema
        self.sample_data = sample_data
        parent = os.environ.get("PYKOTA_TEST_TMP", "/tmp")
        self.dir = Path(tempfile.mkdtemp(prefix="pk", dir=parent))
        self.port = free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        socket_path = str(self.dir / "ldapi")
        if len(socket_path.encode()) > 100:
            raise RuntimeError(f"ldapi path too long for a unix socket: {socket_path}")
        self.ldapi = "ldapi://" + urllib.parse.quote(socket_path, safe="")
        self.process: subprocess.Popen | None = None
        self.suffix, self.admin_dn, self.admin_pw = SUFFIX, ADMIN_DN, ADMIN_PW

    # -- lifecycle -------------------------------------------------------------------------------
    def _start(self) -> None:
        (self.dir / "slapd.d").mkdir()
        (self.dir / "db").mkdir()
        loglevel = "stats" if os.environ.get("PYKOTA_SLAPD_DEBUG") == "1" else "none"
        if self.profile == DEBIAN:
            config = debian_config(self.dir, loglevel)
        else:
            config = _PERMISSIVE_CONFIG.format(d=self.dir, pw=ADMIN_PW, gid=os.getgid(), uid=os.getuid(),
                                               suffix=SUFFIX, admin=ADMIN_DN, service=SERVICE_DN, loglevel=loglevel)
        (self.dir / "config.ldif").write_text(config)
        self._run(["slapadd", "-n0", "-F", str(self.dir / "slapd.d"), "-l", str(self.dir / "config.ldif")])
        self._launch()
        if self.load_schema_on_start:
            self.install_pykota_ldap()
        if self.sample_data:
            self.ldapadd(schema_path("sample-organisation.ldif"))

    def install_pykota_ldap(self) -> None:
        """The schema, then (debian) the indexes and the ACL, the way the README's install guide
        has an admin load them; the permissive profile has its own rules and takes the indexes."""
        self.ldapadd(schema_path("pykota-ldap.ldif"), config=True)        # = pkschema install
        self.ldapmodify(schema_path("pykota-ldap-indexes.ldif"), config=True)
        if self.profile == DEBIAN:
            self.ldapmodify(schema_path("pykota-ldap-acl.ldif"), config=True)

    def _wait_ready(self, timeout: float = 10.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd exited with {self.process.returncode}: "
                                   f"{(self.dir / 'slapd.log').read_text(errors='replace')[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("slapd did not start listening in time")

    def _launch(self) -> None:
        log = open(self.dir / "slapd.log", "ab")
        self.process = subprocess.Popen(
            [_find_slapd(), "-d", "0", "-h", f"{self.uri}/ {self.ldapi}", "-F", str(self.dir / "slapd.d")],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self._wait_ready()

    def kill(self) -> None:
        """Stop the server but keep its data: the directory is "down" until restart()."""
        stop_process(self.process)

    def restart(self) -> None:
        self.kill()
        self._launch()

    def _stop(self) -> None:
        stop_process(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- LDIF tools ------------------------------------------------------------------------------
    def _auth(self, config: bool) -> list[str]:
        if config:
            return ["-Q", "-Y", "EXTERNAL", "-H", self.ldapi]
        return ["-x", "-H", self.uri, "-D", ADMIN_DN, "-w", ADMIN_PW]

    def _run(self, args: list[str], stdin: str | None = None) -> str:
        done = subprocess.run(args, input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout

    def ldapadd(self, path_or_text, config: bool = False) -> None:
        self._ldif("ldapadd", path_or_text, config)

    def ldapmodify(self, path_or_text, config: bool = False) -> None:
        self._ldif("ldapmodify", path_or_text, config)

    def _ldif(self, tool: str, path_or_text, config: bool) -> None:
        if isinstance(path_or_text, Path):
            self._run([tool, *self._auth(config), "-f", str(path_or_text)])
        else:
            self._run([tool, *self._auth(config)], stdin=path_or_text)

    def bulk_load(self, ldif_path: Path) -> None:
        """Load a large LDIF offline with slapadd (much faster than ldapadd), then restart."""
        self.kill()
        self._run(["slapadd", "-q", "-n1", "-F", str(self.dir / "slapd.d"), "-l", str(ldif_path)])
        self._launch()

    def ldapsearch(self, base: str, filter_text: str = "(objectClass=*)", *attrs: str, scope: str = "sub") -> str:
        return self._run(["ldapsearch", "-LLL", "-o", "ldif-wrap=no", *self._auth(False), "-b", base, "-s", scope,
                          filter_text, *attrs])

    # -- configuration for the commands ------------------------------------------------------------
    def write_config(self, home: Path | str, extra_global: str = "", extra: str = "") -> Path:
        """pykota.conf (no password in it: readable by everyone) + pykotadmin.conf (born 0600, never readable by others)
        pointing at this server."""
        home = Path(home)
        home.mkdir(parents=True, exist_ok=True)
        (home / "pykota.conf").write_text(
            f"[global]\nstorageserver: {self.uri}\nstoragename: {SUFFIX}\n{extra_global}\n{extra}")
        write_private(home / "pykotadmin.conf",
                      f"[global]\nstorageadmin: {SERVICE_DN}\nstorageadminpw: {SERVICE_PW}\n".encode())
        return home

    def env(self) -> dict[str, str]:
        return {"PYKOTA_TEST_LDAP_URI": self.uri, "PYKOTA_TEST_LDAPI": self.ldapi}
