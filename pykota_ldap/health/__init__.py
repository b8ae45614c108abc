"""pkdoctor: is this print server set up to charge every job, once, without leaking anyone's data?

Each check says what it found as Findings, one line each: OK, WARNING (worth knowing; nothing
is charged wrongly because of it, or pkdoctor cannot tell) or PROBLEM (jobs may print uncharged,
be refused, be charged wrongly, or data leak; the line says how to fix it).

    files      the configuration: every key and value (config_check), the files' modes
    ldap       binds, schema, bases, every write the backend and the commands make (probed
               without changing data), what anonymous binds can read
    server     cn=config: the indexes of the database holding our data, and its replication
    local      CUPS queues not routed through cupspykota, the journal, the resident helper
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

OK, WARNING, PROBLEM = "ok", "warning", "problem"


@dataclass(frozen=True)
class Finding:
    level: str
    text: str
    fix: str = ""

    def line(self) -> str:
        return f"{self.level}: {self.text}" + (f"; fix: {self.fix}" if self.fix else "")


def examine(home: Path | None = None, config_uri: str | None = None) -> list[Finding]:
    """Every check, in order; those that need what an earlier one could not get are left out."""
    from . import files, ldap, local, server
    config, found = files.findings(home)
    if config is None:
        return found
    directory, more = ldap.findings(config)
    found += more
    try:
        found += server.findings(config, config_uri)
        found += local.findings(config, directory)
    finally:
        if directory is not None:
            directory.close()
    return found
