"""Install and check the pykota-ldap schema on a live server (cn=config).

Installing is what an admin would do with `ldapadd -Y EXTERNAL -H ldapi:/// -f pykota-ldap.ldif`,
with the checks around it: already there and identical (nothing to do), there but older (add
the new definitions), or no right to write cn=config (say how to get it).
"""
from __future__ import annotations

import re
from pathlib import Path

from ldap3 import MODIFY_ADD

from .core import Directory, Entry, values
from .errors import AccessDenied, DirectoryError, SchemaMissing

SCHEMA_CONTAINER = "cn=schema,cn=config"
NAME = re.compile(r"NAME '([^']+)'")


def read_ldif_definitions(path: Path) -> dict[str, list[str]]:
    """{'olcAttributeTypes': [...], 'olcObjectClasses': [...]} from our schema LDIF (unfolded)."""
    text = re.sub(r"\n ", "", path.read_text())
    found: dict[str, list[str]] = {"olcAttributeTypes": [], "olcObjectClasses": []}
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        if key in found:
            found[key].append(value.strip())
    return found


def _name(definition: str) -> str:
    """The NAME of an attribute type or object class definition ("" if it has none)."""
    match = NAME.search(definition)
    return match.group(1) if match else ""


def _names(definitions: list[str]) -> dict[str, str]:
    return {_name(d).lower(): d for d in definitions if _name(d)}


def _strip_index(value: str) -> str:
    return re.sub(r"^\{\d+\}", "", value).strip()


def installed_entry(d: Directory) -> Entry | None:
    try:
        found = d.search(SCHEMA_CONTAINER, "(cn=*pykota-ldap)", ["cn", "olcAttributeTypes", "olcObjectClasses"])
    except AccessDenied:
        raise
    except DirectoryError as exc:
        if "insufficientAccessRights" in str(exc) or "noSuchObject" in str(exc):
            raise AccessDenied(f"cannot read {SCHEMA_CONTAINER}: {exc}") from None
        raise
    return found[0] if found else None


def install(d: Directory, ldif_path: Path) -> str:
    """Install or complete the schema; returns what was done, in words."""
    wanted = read_ldif_definitions(ldif_path)
    try:
        current = installed_entry(d)
        if current is None:
            d.add(f"cn=pykota-ldap,{SCHEMA_CONTAINER}", ["olcSchemaConfig"],
                  {"cn": "pykota-ldap", **wanted})
            return "installed"
        dn, entry = current
        changes: dict[str, list[tuple[str, list[str]]]] = {}
        for attr, definitions in wanted.items():
            have = _names([_strip_index(v) for v in values(entry, attr)])
            missing = [v for name, v in _names(definitions).items() if name not in have]
            if missing:
                changes[attr] = [(MODIFY_ADD, missing)]
        if not changes:
            return "already installed"
        d.modify(dn, changes)
        return "updated: added " + ", ".join(_name(v) for c in changes.values() for v in c[0][1])
    except DirectoryError as exc:
        if isinstance(exc, AccessDenied) or "insufficientAccessRights" in str(exc):
            raise AccessDenied(
                "no write access to cn=config: run as root with the default --uri ldapi:/// (SASL EXTERNAL), "
                "or give -D cn=admin,cn=config and its password") from None
        raise


def check(d: Directory, ldif_path: Path) -> list[str]:
    """Names of our attribute types and object classes the server does not know."""
    entry = d.read("cn=Subschema", ["attributeTypes", "objectClasses"]) or {}
    served = {n for attr in ("attributeTypes", "objectClasses") for n in _names(values(entry, attr))}
    wanted = read_ldif_definitions(ldif_path)
    return [_name(v) for defs in wanted.values() for v in defs if _name(v).lower() not in served]


def require_schema(d: Directory, ldif_path: Path) -> None:
    missing = check(d, ldif_path)
    if missing:
        raise SchemaMissing(f"the server lacks {len(missing)} pykota-ldap definitions (first: {missing[0]}): "
                            "run pkschema install")
