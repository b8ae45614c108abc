"""The directory server's own configuration (cn=config, readable over ldapi as root): the
indexes of the database holding our data, and whether its replication keeps counters exact.

Replication, as measured (two OpenLDAP 2.5 providers, 2000 increments of one counter): plain
syncrepl between several providers copies whole values and lost half the increments;
delta-syncrepl (syncdata=accesslog, an accesslog overlay on each provider) replays them as
increments and was exact. One provider with read-only consumers is exact too.
"""
from __future__ import annotations

import re

from ..config import Config, settings_for_server
from ..directory import Directory, DirectoryError, health
from ..schema_files import schema_path
from . import OK, PROBLEM, WARNING, Finding

INDEX_FILE = "pykota-ldap-indexes.ldif"


def _index_types(lines: tuple[str, ...] | list[str]) -> dict[str, set[str]]:
    """{attribute (lower case): index types} from olcDbIndex values ('uid,cn eq,sub'); an
    attribute given without types gets the database's `default` ones."""
    default: set[str] = set()
    found: dict[str, set[str]] = {}
    for line in lines:
        words = line.split(None, 1)
        if not words:
            continue
        types = {t.strip().lower() for t in words[1].split(",")} if len(words) > 1 else set()
        for attribute in (a.strip().lower() for a in words[0].split(",")):
            if attribute == "default":
                default = types
            else:
                found.setdefault(attribute, set()).update(types or {"<default>"})
    for types in found.values():
        if "<default>" in types:
            types.discard("<default>")
            types.update(default)
    return found


def wanted_indexes() -> list[tuple[str, str]]:
    """(attribute, types) of every olcDbIndex line of the shipped indexes file."""
    text = schema_path(INDEX_FILE).read_text()
    return [(m[1], m[2].strip()) for m in re.finditer(r"^olcDbIndex:\s*(\S+)\s+(.+)$", text, re.M)]


def _indexes(db: health.DatabaseConfig) -> list[Finding]:
    have = _index_types(db.indexes)
    found = []
    for attributes, types in wanted_indexes():
        for attribute in attributes.split(","):
            lacking = sorted({t.lower() for t in types.split(",")} - have.get(attribute.lower(), set()))
            if lacking:
                found.append(Finding(PROBLEM, f"{db.dn} has no {','.join(lacking)} index on {attribute}: every job's "
                                              "lookups scan the database",
                                     f"ldapmodify -Q -Y EXTERNAL -H ldapi:/// with 'dn: {db.dn}', "
                                     f"'add: olcDbIndex', 'olcDbIndex: {attribute} {','.join(lacking)}'"))
    return found or [Finding(OK, f"{db.dn} has the indexes of {INDEX_FILE}")]


RECIPE = "pkschema replication provider --providers URL,URL... on every provider (docs/replication.md)"


def replication(db: health.DatabaseConfig, written_to: bool = False) -> Finding:
    """Whether counters stay exact under this database's replication. `written_to`: the print
    servers' storageserver names this server first (they write to it)."""
    if not db.syncrepl:
        if "syncprov" in db.overlays:
            return Finding(OK, f"{db.dn} is a single provider (syncprov, no other provider): counters stay exact")
        return Finding(OK, f"{db.dn} is not replicated: counters stay exact")
    delta = ["syncdata=accesslog" in value.lower() for value in db.syncrepl]
    if not db.multi_provider:
        return _consumer(db, written_to)
    if not any(delta):
        return Finding(PROBLEM, f"{db.dn} replicates between several providers with plain syncrepl: jobs counted on "
                                "two providers at once lose counts (whole values are copied, not increments)",
                       "use delta-syncrepl (syncdata=accesslog and an accesslog overlay on every provider): "
                       f"{RECIPE}; or write to one provider only (the others read-only consumers)")
    if not all(delta):
        return Finding(WARNING, f"{db.dn} replicates between providers, some syncrepl lines with syncdata=accesslog "
                                "and some without: pkdoctor cannot tell whether counters stay exact",
                       "use delta-syncrepl on every provider")
    logbases = {m.group(1).lower().replace(" ", "") for v in db.syncrepl
                for m in [re.search(r'logbase="?([^"\s]+)', v, re.I)] if m}
    if "accesslog" not in db.overlays or not logbases <= set(db.log_databases):
        return Finding(PROBLEM, f"{db.dn} pulls its peers' accesslog, but keeps no accesslog of its own writes "
                                "(no accesslog overlay or no database for its logbase): its peers cannot replay them "
                                "and fall back to full refreshes, which copy whole entries and lose counts",
                       f"add the accesslog database and overlay: {RECIPE}")
    hinted = sorted(logbases & set(db.reload_hints))
    if hinted:
        return Finding(WARNING, f"{db.dn} replicates with delta-syncrepl, but the syncprov of {', '.join(hinted)} has "
                                "olcSpReloadHint TRUE: a provider coming back behind its peer is sent to a full "
                                "refresh, which copies whole entries and loses counts (docs/replication.md, finding 4)",
                       f"ldapmodify on the syncprov overlay of {', '.join(hinted)}: 'replace: olcSpReloadHint', "
                       "'olcSpReloadHint: FALSE'")
    return Finding(OK, f"{db.dn} replicates between providers with delta-syncrepl: increments are replayed as "
                       "increments, counters stay exact")


def _consumer(db: health.DatabaseConfig, written_to: bool) -> Finding:
    if written_to:
        return Finding(PROBLEM, f"{db.dn} is a read-only replica, and storageserver names it first: the print "
                                "servers' writes are refused here (or, as its rootdn, diverge from the provider)",
                       "list a provider first in storageserver; the replica may follow, for reads")
    if not db.update_ref:
        return Finding(WARNING, f"{db.dn} is a read-only consumer without olcUpdateRef: a write sent here is "
                                "refused without saying where to write",
                       f"ldapmodify: 'dn: {db.dn}', 'add: olcUpdateRef', 'olcUpdateRef: <provider URL>'")
    return Finding(OK, f"{db.dn} is a read-only consumer: counters are written on its provider only "
                       "(storageserver must name the provider first)")


def _config_uri(config: Config, given: str | None) -> str:
    if given:
        return given
    local = [uri for uri in (config.get("storageserver") or "").split() if uri.lower().startswith("ldapi:")]
    return local[0] if local else "ldapi:///"


def findings(config: Config, config_uri: str | None = None) -> list[Finding]:
    suffix = config.get("storagename")
    if not suffix:
        return []                           # the configuration's own problem, said already
    uri = _config_uri(config, config_uri)
    cannot = ("run pkdoctor as root on the directory server (SASL EXTERNAL over ldapi may read cn=config), "
              "or give --config-uri")
    try:
        with Directory(settings_for_server(uri, None, None)) as d:
            if not health.can_read_config(d):
                return [Finding(WARNING, f"cn=config is not readable over {uri}: indexes and replication not "
                                         "checked, pkdoctor cannot tell whether counters stay exact", cannot)]
            db = health.database_config(d, suffix)
    except DirectoryError as exc:
        return [Finding(WARNING, f"cannot read cn=config over {uri} ({exc}): indexes and replication not checked, "
                                 "pkdoctor cannot tell whether counters stay exact", cannot)]
    if db is None:
        return [Finding(WARNING, f"no database of the server on {uri} holds {suffix}: is "
                                 "it the server of storageserver?", "give --config-uri")]
    first = (config.get("storageserver") or "").split()[:1]
    written_to = bool(first) and first[0].rstrip("/") == uri.rstrip("/")
    return _indexes(db) + [replication(db, written_to)]
