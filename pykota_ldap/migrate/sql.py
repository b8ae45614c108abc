"""PyKota's relational storage (SQLite, PostgreSQL, MySQL/MariaDB), read directly.

The queries select what dumpykota's SQL storage dumps for each dataset (the same columns), so the
rows go through the same conversion as the dumps'. The history is streamed (a server-side cursor):
100,000 jobs never sit in memory as rows.
"""
from __future__ import annotations

import sqlite3
import urllib.parse
from contextlib import closing
from pathlib import Path
from typing import Any, Iterator

from .rows import DATASETS, Row

QUERIES = {
    "printers": "SELECT * FROM printers",
    "pmembers": "SELECT p1.printername AS pgroupname, p2.printername AS printername, m.* FROM printergroupsmembers m "
                "JOIN printers p1 ON p1.id = m.groupid JOIN printers p2 ON p2.id = m.printerid",
    "users": "SELECT * FROM users",
    "groups": "SELECT * FROM {groups}",
    "billingcodes": "SELECT * FROM billingcodes",
    "umembers": "SELECT g.groupname, u.username, m.* FROM groupsmembers m JOIN {groups} g ON g.id = m.groupid "
                "JOIN users u ON u.id = m.userid",
    "upquotas": "SELECT u.username, p.printername, q.* FROM userpquota q JOIN users u ON u.id = q.userid "
                "JOIN printers p ON p.id = q.printerid",
    "gpquotas": "SELECT g.groupname, p.printername, q.* FROM grouppquota q JOIN {groups} g ON g.id = q.groupid "
                "JOIN printers p ON p.id = q.printerid",
    "payments": "SELECT u.username, pm.* FROM payments pm JOIN users u ON u.id = pm.userid ORDER BY pm.id",
    "history": "SELECT u.username, p.printername, j.* FROM jobhistory j JOIN users u ON u.id = j.userid "
               "JOIN printers p ON p.id = j.printerid ORDER BY j.id",
}
# `groups` is a reserved word in MySQL 8: quoted the way each server quotes names.
GROUPS_TABLE = {"sqlite": '"groups"', "postgresql": '"groups"', "mysql": "`groups`"}


class DatabaseError(ValueError):
    pass


def read_sql(kind: str, url: str) -> Iterator[tuple[str, Row]]:
    connection = _connect(kind, url)
    with closing(connection):
        for dataset in DATASETS:
            query = QUERIES[dataset].format(groups=GROUPS_TABLE[kind])
            try:
                yield from ((dataset, row) for row in _rows(kind, connection, query, streamed=dataset == "history"))
            except Exception as exc:          # each driver has its own error classes
                if isinstance(exc, GeneratorExit):
                    raise
                raise DatabaseError(f"reading {dataset}: {str(exc).splitlines()[0]} (is this PyKota's database?)")\
                    from None


def _rows(kind: str, connection: Any, query: str, streamed: bool) -> Iterator[Row]:
    if kind == "postgresql" and streamed:
        cursor = connection.cursor(name="pkmigrate_history")       # server-side cursor
    elif kind == "mysql" and streamed:
        import pymysql.cursors
        cursor = connection.cursor(pymysql.cursors.SSCursor)
    else:
        cursor = connection.cursor()
    try:
        cursor.execute(query)
        names: list[str] | None = None
        while True:
            batch = cursor.fetchmany(2000)
            if not batch:
                return
            if names is None:
                names = [column[0].lower() for column in cursor.description]
            for values in batch:
                yield dict(zip(names, values, strict=True))
    finally:
        cursor.close()


def _connect(kind: str, url: str) -> Any:
    try:
        if kind == "sqlite":
            path = url[len("sqlite://"):] if url.lower().startswith("sqlite://") else url
            path = path[1:] if path.startswith("//") else path
            if not Path(path).is_file():
                raise DatabaseError(f"{path}: no such SQLite file")
            return sqlite3.connect(f"file:{urllib.parse.quote(path)}?mode=ro", uri=True)
        if kind == "postgresql":
            import psycopg
            return psycopg.connect(url.replace("postgres://", "postgresql://", 1), connect_timeout=10)
        return _connect_mysql(url)
    except ImportError as exc:
        raise DatabaseError(f"the {kind} driver is not installed ({exc.name}): pip install 'pykota-ldap[migrate]'")\
            from None
    except DatabaseError:
        raise
    except Exception as exc:          # the drivers' own connection errors
        raise DatabaseError(f"cannot connect: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}")\
            from None


def _connect_mysql(url: str) -> Any:
    import pymysql
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    options: dict[str, Any] = {"user": urllib.parse.unquote(parts.username or ""),
                               "password": urllib.parse.unquote(parts.password or ""),
                               "database": parts.path.lstrip("/"), "charset": query.get("charset", "utf8mb4"),
                               "connect_timeout": 10}
    if parts.password is None and Path("~/.my.cnf").expanduser().is_file():
        # Kept out of the command line, where every local user's `ps` would see it.
        options["read_default_file"] = "~/.my.cnf"
    if "unix_socket" in query:
        options["unix_socket"] = query["unix_socket"]
    else:
        options["host"] = parts.hostname or "localhost"
        options["port"] = parts.port or 3306
    return pymysql.connect(**options)
