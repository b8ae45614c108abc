"""PyKota's relational storage for pkmigrate's tests: its tables (after PyKota's own SQL scripts),
filled from a made-up site, in SQLite, and in real PostgreSQL and MariaDB servers started in
temporary directories as their system users (Debian's postgres and mysql), on free loopback ports.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from .process import Rig, stop_process
from .pykota_site import Rows
from .slapd import free_port

# table: (dataset of pykota_site's rows, its columns, their SQL types)
TABLES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "printers": ("printers", [("id", "INT"), ("printername", "TEXT"), ("description", "TEXT"),
                              ("priceperpage", "FLOAT"), ("priceperjob", "FLOAT"), ("passthrough", "BOOL"),
                              ("maxjobsize", "INT")]),
    "printergroupsmembers": ("pmembers", [("groupid", "INT"), ("printerid", "INT")]),
    "users": ("users", [("id", "INT"), ("username", "TEXT"), ("email", "TEXT"), ("balance", "FLOAT"),
                        ("lifetimepaid", "FLOAT"), ("limitby", "TEXT"), ("description", "TEXT"),
                        ("overcharge", "FLOAT")]),
    "groups": ("groups", [("id", "INT"), ("groupname", "TEXT"), ("description", "TEXT"), ("limitby", "TEXT")]),
    "billingcodes": ("billingcodes", [("id", "INT"), ("billingcode", "TEXT"), ("description", "TEXT"),
                                      ("balance", "FLOAT"), ("pagecounter", "INT")]),
    "groupsmembers": ("umembers", [("groupid", "INT"), ("userid", "INT")]),
    "userpquota": ("upquotas", [("id", "INT"), ("userid", "INT"), ("printerid", "INT"), ("lifepagecounter", "INT"),
                                ("pagecounter", "INT"), ("softlimit", "INT"), ("hardlimit", "INT"),
                                ("datelimit", "TIMESTAMP"), ("maxjobsize", "INT"), ("warncount", "INT")]),
    "grouppquota": ("gpquotas", [("id", "INT"), ("groupid", "INT"), ("printerid", "INT"), ("softlimit", "INT"),
                                 ("hardlimit", "INT"), ("datelimit", "TIMESTAMP"), ("maxjobsize", "INT")]),
    "payments": ("payments", [("id", "INT"), ("userid", "INT"), ("amount", "FLOAT"), ("description", "TEXT"),
                              ("date", "TIMESTAMP")]),
    "jobhistory": ("history", [("id", "INT"), ("jobid", "TEXT"), ("userid", "INT"), ("printerid", "INT"),
                               ("pagecounter", "INT"), ("jobsizebytes", "INT"), ("jobsize", "INT"),
                               ("jobprice", "FLOAT"), ("action", "TEXT"), ("filename", "TEXT"), ("title", "TEXT"),
                               ("copies", "INT"), ("options", "TEXT"), ("hostname", "TEXT"), ("md5sum", "TEXT"),
                               ("pages", "TEXT"), ("billingcode", "TEXT"), ("precomputedjobsize", "INT"),
                               ("precomputedjobprice", "FLOAT"), ("jobdate", "TIMESTAMP")]),
}
# PyKota's scripts: PostgreSQL FLOAT is double precision, MySQL's FLOAT single (its text shows 6 digits).
TYPES = {
    "sqlite": {"INT": "INTEGER", "TEXT": "TEXT", "FLOAT": "FLOAT", "BOOL": "BOOLEAN", "TIMESTAMP": "TEXT"},
    "postgresql": {"INT": "INT4", "TEXT": "TEXT", "FLOAT": "FLOAT", "BOOL": "BOOLEAN", "TIMESTAMP": "TIMESTAMP"},
    "mysql": {"INT": "INT", "TEXT": "VARCHAR(255)", "FLOAT": "FLOAT", "BOOL": "BOOLEAN", "TIMESTAMP": "DATETIME"},
}
QUOTE = {"sqlite": '"', "postgresql": '"', "mysql": "`"}
PLACEHOLDER = {"sqlite": "?", "postgresql": "%s", "mysql": "%s"}


def create_and_fill(kind: str, connection: Any, rows: Rows) -> None:
    """PyKota's tables in an empty database, then the site's rows (the join columns left out)."""
    q, mark = QUOTE[kind], PLACEHOLDER[kind]
    cursor = connection.cursor()
    for table, (dataset, columns) in TABLES.items():
        types = ", ".join(f"{q}{name}{q} {TYPES[kind][kind_]}" for name, kind_ in columns)
        cursor.execute(f"CREATE TABLE {q}{table}{q} ({types})")
        names = [name for name, _ in columns]
        cursor.executemany(f"INSERT INTO {q}{table}{q} ({', '.join(q + n + q for n in names)}) "
                           f"VALUES ({', '.join([mark] * len(names))})",
                           [tuple(row.get(name) for name in names) for row in rows[dataset]])
    connection.commit()
    cursor.close()


def make_sqlite(path: Path, rows: Rows) -> Path:
    import sqlite3
    connection = sqlite3.connect(path)
    create_and_fill("sqlite", connection, rows)
    connection.close()
    return path


def _as_user(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _demote(user: str) -> Any:
    """Run a child as `user` when we are root (the servers refuse root)."""
    if os.getuid() != 0:
        return None
    uid, gid = _as_user(user)

    def switch() -> None:
        os.setgid(gid)
        os.setuid(uid)
    return switch


class _Server(Rig):
    user = ""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pkdb", dir=os.environ.get("PYKOTA_TEST_TMP", "/tmp")))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        if os.getuid() == 0:
            uid, gid = _as_user(self.user)
            os.chown(self.dir, uid, gid)

    def _run(self, args: list[str]) -> None:
        done = subprocess.run(args, capture_output=True, text=True, preexec_fn=_demote(self.user), cwd=self.dir)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def _wait(self, ready: Any, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                log = (self.dir / "server.log").read_text(errors="replace")[-800:]
                raise RuntimeError(f"{self.user} server exited: {log}")
            try:
                ready()
                return
            except Exception:
                time.sleep(0.2)
        raise RuntimeError(f"the {self.user} server did not start in time")

    def _stop(self) -> None:
        stop_process(self.process, timeout=20)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgreSQL(_Server):
    user = "postgres"

    @staticmethod
    def binaries() -> str | None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        return str(Path(found[-1]).parent) if found else None

    @property
    def url(self) -> str:
        return f"postgresql://pykotaadmin:readonly@127.0.0.1:{self.port}/pykota"

    def _start(self) -> None:
        bindir = self.binaries()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (Debian package postgresql)")
        data = self.dir / "data"
        self._run([f"{bindir}/initdb", "-D", str(data), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "-E", "UTF8",
                   "--locale=C.UTF-8"])
        log = open(self.dir / "server.log", "ab")
        options = ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.dir}", "-c", "fsync=off"]
        self.process = subprocess.Popen([f"{bindir}/postgres", "-D", str(data), "-p", str(self.port), *options],
                                        stdout=log, stderr=subprocess.STDOUT, preexec_fn=_demote(self.user))
        log.close()
        self._wait(lambda: self.connect("postgres").close())
        admin = self.connect("postgres")
        admin.autocommit = True
        admin.execute("CREATE ROLE pykotaadmin LOGIN PASSWORD 'readonly'")
        admin.execute("CREATE DATABASE pykota OWNER pykotaadmin ENCODING 'UTF8'")
        admin.close()

    def connect(self, database: str = "pykota") -> Any:
        import psycopg
        # over the socket (trusted); pkmigrate's logins come over TCP and need their password
        return psycopg.connect(host=str(self.dir), port=self.port, user="postgres", dbname=database,
                               connect_timeout=3)

    def fill(self, rows: Rows) -> None:
        connection = self.connect()
        create_and_fill("postgresql", connection, rows)
        connection.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO pykotaadmin")
        connection.commit()
        connection.close()


class MariaDB(_Server):
    user = "mysql"

    @property
    def url(self) -> str:
        return f"mysql://pykotaadmin:readonly@127.0.0.1:{self.port}/pykota"

    def _start(self) -> None:
        if shutil.which("mariadbd") is None and not Path("/usr/sbin/mariadbd").exists():
            raise RuntimeError("MariaDB is not installed (Debian package mariadb-server)")
        data = self.dir / "data"
        self._run(["mariadb-install-db", f"--datadir={data}", "--auth-root-authentication-method=normal",
                   "--skip-test-db", f"--user={self.user}"])
        log = open(self.dir / "server.log", "ab")
        self.process = subprocess.Popen(
            ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={data}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.dir}/mysqld.sock", f"--pid-file={self.dir}/mysqld.pid",
             "--innodb-flush-log-at-trx-commit=0", f"--user={self.user}"],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_demote(self.user))
        log.close()
        self._wait(lambda: self.connect(None).close())
        admin = self.connect(None)
        with admin.cursor() as cursor:
            cursor.execute("CREATE DATABASE pykota CHARACTER SET utf8mb4")
            cursor.execute("CREATE USER 'pykotaadmin'@'%' IDENTIFIED BY 'readonly'")
            cursor.execute("GRANT SELECT ON pykota.* TO 'pykotaadmin'@'%'")
        admin.commit()
        admin.close()

    def connect(self, database: str | None = "pykota") -> Any:
        import pymysql
        return pymysql.connect(unix_socket=f"{self.dir}/mysqld.sock", user="root", database=database,
                               charset="utf8mb4", connect_timeout=3)

    def fill(self, rows: Rows) -> None:
        connection = self.connect()
        create_and_fill("mysql", connection, rows)
        connection.close()
