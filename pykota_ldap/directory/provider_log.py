"""What one provider's accesslog says about one entry (docs/replication.md, findings 5 and 6).

`pkschema replication compare` asks it two questions the data cannot answer. Was this write
applied twice here (finding 6: the provider logs the second application as a record with the
same entryCSN, holding the increments it applied again)? Was this entry's add ever logged (a job
entry on one side only is a lost add when neither log has its add, and a lost delete, a purge's,
when both do)? Records are read paged: an entry charged by every job has thousands of them
within the log's `--keep-days`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .core import Directory
from .errors import AccessDenied, NotFound
from .escaping import all_of, eq
from .records import to_time
from .replication import ACCESSLOG_SUFFIX


@dataclass
class Record:
    start: str                      # reqStart: the log's own order
    csn: str                        # the write's entryCSN
    added: bool                     # an add of the entry
    increments: dict[str, int] = field(default_factory=dict)    # attribute (lower case): delta
    replaced: set[str] = field(default_factory=set)             # attributes replaced or deleted


@dataclass
class Doubled:
    csn: str
    increments: dict[str, int]      # what the second application added again


def _parse(entry: dict[str, list[str]]) -> Record:
    increments: dict[str, int] = {}
    replaced: set[str] = set()
    for line in entry.get("reqmod", []):
        name, _, rest = line.partition(":")
        op, value = rest[:1], rest[2:]
        name = name.split(";", 1)[0].lower()
        if op == "#":
            try:
                increments[name] = increments.get(name, 0) + int(value)
            except ValueError:
                continue
        elif op in ("=", "-") and name not in ("entrycsn", "modifiersname", "modifytimestamp"):
            replaced.add(name)
    classes = {value.lower() for value in entry.get("objectclass", [])}
    return Record((entry.get("reqstart") or [""])[0], (entry.get("entrycsn") or [""])[0], "auditadd" in classes,
                  increments, replaced)


def records(d: Directory, dn: str) -> list[Record] | None:
    """The successful writes logged on the entry, oldest first; None when this account may not
    read the log (or it has none: the server is not a provider)."""
    flt = all_of("(objectClass=auditWriteObject)", eq("reqDN", dn), "(reqResult=0)")
    try:
        found = [_parse(entry) for _, entry in
                 d.search_paged(ACCESSLOG_SUFFIX, flt, ["objectClass", "reqStart", "entryCSN", "reqMod"])]
    except (NotFound, AccessDenied):
        return None
    return sorted(found, key=lambda record: record.start)


def doubled(log: list[Record]) -> list[Doubled]:
    """Writes applied twice: each later record whose entryCSN an earlier one has, unless a newer
    write replaced the attributes it incremented (a repair made since: it is settled)."""
    seen: set[str] = set()
    found = []
    for index, record in enumerate(log):
        if record.csn in seen and record.increments:
            settled = any(set(record.increments) & later.replaced for later in log[index + 1:])
            if not settled:
                found.append(Doubled(record.csn, dict(record.increments)))
        seen.add(record.csn)
    return found


def explains(twice: list[Doubled], doubled_side: dict[str, list[str]], other: dict[str, list[str]]) -> bool:
    """The differing attributes are exactly those the doubled writes incremented, each off by
    their sum: then those writes are the whole difference."""
    sums: dict[str, int] = {}
    for write in twice:
        for name, delta in write.increments.items():
            sums[name] = sums.get(name, 0) + delta
    sums = {name: delta for name, delta in sums.items() if delta}
    if set(sums) != set(doubled_side):
        return False
    try:
        return all(int(doubled_side[name][0]) - int(other[name][0]) == delta
                   and len(doubled_side[name]) == len(other[name]) == 1 for name, delta in sums.items())
    except (ValueError, IndexError):
        return False


def logged_add(log: list[Record]) -> bool:
    return any(record.added for record in log)


def reaches_back_to(d: Directory, when: datetime) -> bool:
    """The log holds a record at least as old as `when`: the records since were not purged yet,
    so an add made then would be in it."""
    flt = all_of("(objectClass=auditWriteObject)", f"(reqStart<={to_time(when)})")
    try:
        found = d.search(ACCESSLOG_SUFFIX, flt, ["1.1"], size_limit=1)
    except (NotFound, AccessDenied):
        return False
    return bool(found)
