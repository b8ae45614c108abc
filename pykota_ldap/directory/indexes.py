"""The indexes pykota-ldap needs, compared with those of the database in cn=config, and added.

slapd rejects a whole olcDbIndex change when one of its attributes has an index already
("duplicate index definition for attr member"), so the shipped LDIF holds only what Debian's
default database lacks. Here, what a database lacks is worked out value by value: an attribute
without any index gets a value of its own; one indexed without a wanted type (`pkUserName eq`
from an older release, wanted `eq,sub`) has its value replaced, in the same modify, by one with
both. Adding is idempotent: what is there is said, not added again.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ldap3 import LEVEL, MODIFY_ADD, MODIFY_DELETE

from .core import Directory, values
from .errors import AccessDenied, DirectoryError, NotFound

# Looked up by pykota-ldap besides its own attributes (entry classes, quota entries by cn, users,
# memberships); Debian's default database indexes them already, elsewhere they may be missing.
BASE_INDEXES: dict[str, tuple[str, ...]] = {"objectClass": ("eq",), "cn": ("eq",), "uid": ("eq",),
                                             "memberUid": ("eq",), "member": ("eq",)}
ALIASES = {"equality": "eq", "substr": "sub", "substring": "sub"}
SUB_PARTS = {"subinitial", "subany", "subfinal"}


@dataclass(frozen=True)
class IndexPlan:
    """The database, the indexes it has of those wanted, and the change that adds the others."""
    database: str
    present: list[str]                    # "member eq", as wanted, for the message
    missing: list[str]
    delete: list[str]                     # olcDbIndex values replaced by ones that say more
    add: list[str]


def wanted_indexes(ldif_path: Path) -> dict[str, tuple[str, ...]]:
    """{attribute: index types}: BASE_INDEXES and the olcDbIndex lines of the shipped LDIF."""
    wanted: dict[str, tuple[str, ...]] = dict(BASE_INDEXES)
    for line in ldif_path.read_text().splitlines():
        if line.startswith("olcDbIndex:"):
            for attribute, types in _parse(line.split(":", 1)[1]).items():
                wanted[attribute] = types
    return wanted


def _parse(value: str, default: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """'cn,uid eq,sub' -> {'cn': ('eq', 'sub'), 'uid': ('eq', 'sub')}; no types: the default ones."""
    value = re.sub(r"^\{\d+\}", "", value).strip()
    attributes, _, types = value.partition(" ")
    kinds = tuple(ALIASES.get(t.strip().lower(), t.strip().lower()) for t in types.split(",") if t.strip())
    return {a.strip(): kinds or default for a in attributes.split(",") if a.strip()}


def _covers(have: tuple[str, ...], kind: str) -> bool:
    return kind in have or (kind == "sub" and SUB_PARTS <= set(have))


def _shown(attribute: str, types: tuple[str, ...]) -> str:
    return f"{attribute} {','.join(types)}"


def database_of(d: Directory, base: str | None) -> tuple[str, list[str]]:
    """(DN, olcDbIndex values) of the database holding base; without a base, the only database
    with a suffix. AccessDenied when cn=config cannot be read."""
    try:
        found = d.search("cn=config", "(olcSuffix=*)", ["olcSuffix", "olcDbIndex"], scope=LEVEL)
    except (NotFound, AccessDenied) as exc:
        raise AccessDenied(f"cannot read cn=config as {d.account} ({exc})") from None
    if not found:       # slapd answers an account that may not read cn=config with nothing at all
        raise AccessDenied(f"cannot read cn=config as {d.account}")
    if base is None:
        if len(found) > 1:
            suffixes = ", ".join(values(entry, "olcSuffix")[0] for _, entry in found)
            raise DirectoryError(f"several databases ({suffixes}): say which with -b BASE")
        return found[0][0], values(found[0][1], "olcDbIndex")
    wanted = _normal_dn(base)
    for dn, entry in found:
        if any(_normal_dn(suffix) == wanted for suffix in values(entry, "olcSuffix")):
            return dn, values(entry, "olcDbIndex")
    raise NotFound(f"no database in cn=config holds {base}")


def _normal_dn(dn: str) -> str:
    return ",".join(part.strip().lower() for part in dn.split(","))


def plan(database: str, current: list[str], wanted: dict[str, tuple[str, ...]]) -> IndexPlan:
    """What the database has of the wanted indexes, and the values to delete and add for the rest."""
    default = next((types for value in current for attr, types in _parse(value).items()
                    if attr.lower() == "default"), ())
    lines = [(value, _parse(value, default)) for value in current]
    have = {attr.lower(): types for _, parsed in lines for attr, types in parsed.items()}
    present, missing, delete, add = [], [], [], []
    for attribute, types in wanted.items():
        indexed = have.get(attribute.lower())
        if indexed is not None and all(_covers(indexed, kind) for kind in types):
            present.append(_shown(attribute, types))
            continue
        missing.append(_shown(attribute, types))
        if indexed is None:
            add.append(_shown(attribute, types))
            continue
        value, parsed = next((v, p) for v, p in lines if attribute.lower() in {a.lower() for a in p})
        delete.append(value)
        others = [a for a in parsed if a.lower() != attribute.lower()]
        if others:
            add.append(_shown(",".join(others), parsed[others[0]]))
        add.append(_shown(attribute, tuple(dict.fromkeys(indexed + types))))
    return IndexPlan(database, present, missing, delete, add)


def index_plan(d: Directory, base: str | None, ldif_path: Path) -> IndexPlan:
    database, current = database_of(d, base)
    return plan(database, current, wanted_indexes(ldif_path))


def add_missing(d: Directory, found: IndexPlan) -> None:
    """One modify: slapd takes it whole or not at all."""
    changes: dict[str, list[tuple[str, list[str]]]] = {"olcDbIndex": []}
    if found.delete:
        changes["olcDbIndex"].append((MODIFY_DELETE, found.delete))
    if found.add:
        changes["olcDbIndex"].append((MODIFY_ADD, found.add))
    if changes["olcDbIndex"]:
        d.modify(found.database, changes)
