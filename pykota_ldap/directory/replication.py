"""The replication recipe pykota-ldap ships, applied to a running slapd's cn=config.

Two roles, one command each (`pkschema replication provider|consumer`), run as root over ldapi on
every directory server:

- provider: delta-syncrepl multi-provider. Every provider gets the SAME list of providers, in the
  same order: serverIDs are their positions, and each slapd picks its own by matching its
  listener URL (so one command line, copied to every provider, sets them all up). Its data
  database logs every successful write in an accesslog database (purged after `keep_days`), and
  pulls the others' changes from THEIR accesslog (`syncdata=accesslog`): a Modify-Increment is
  replayed as an increment, so counters written on two providers at once add up. Plain syncrepl
  copies whole entries and lost half of the increments in the same test (docs/replication.md).
- consumer: a read-only replica of one provider (delta-syncrepl as well, so it reads the provider's
  log), with an update referral: a write sent to it is refused with a pointer to its provider.

The changes are made in the order slapd needs: modules, serverIDs, the accesslog database, the
syncrepl lines (slapd inserts the overlay that resolves delta-syncrepl conflicts when the first
one is added: it must come before the accesslog overlay), then syncprov and accesslog overlays.
Applying a role twice is refused (the database replicates already, serverIDs or an accesslog
exist); every argument is checked before the first change. The changes themselves are several
cn=config writes: one the server refuses midway is said with its step, and what came before stays
(slapd has no transaction on cn=config).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ldap3 import LEVEL, MODIFY_ADD, MODIFY_REPLACE

from .core import Directory, first, values
from .errors import DirectoryError

ACCESSLOG_SUFFIX = "cn=accesslog"
LOGFILTER = "(&(objectClass=auditWriteObject)(reqResult=0))"
_LDAP_URL = re.compile(r"ldaps?://[A-Za-z0-9.\-\[\]:%]+/?")
DEFAULT_KEEP_DAYS = 7       # a provider away longer than this comes back with a full refresh (see docs)


class RecipeError(DirectoryError):
    """The recipe cannot be applied as asked (bad argument, database not found, already replicated)."""


@dataclass(frozen=True)
class DataDatabase:
    dn: str
    suffix: str
    root_dn: str
    directory: str
    replicated: bool


def normal_url(url: str) -> str:
    """ldap://host:port/ as slapd writes its listeners (olcServerID URLs must match them exactly)."""
    url = url.strip()
    if not _LDAP_URL.fullmatch(url):    # slapd splits a syncrepl value on any blank: no keyword slips in
        raise RecipeError(f"not an LDAP URL: {url!r} (ldap://host[:port]/ or ldaps://...)")
    return url if url.endswith("/") else url + "/"


def data_database(d: Directory, suffix: str | None) -> DataDatabase:
    found = []
    for dn, entry in d.search("cn=config", "(olcSuffix=*)", ["olcSuffix", "olcRootDN", "olcDbDirectory",
                                                               "olcSyncrepl"], scope=LEVEL):
        own = first(entry, "olcSuffix", "")
        if own.lower() == ACCESSLOG_SUFFIX:
            continue
        if suffix is None or own.lower().replace(" ", "") == suffix.lower().replace(" ", ""):
            found.append(DataDatabase(dn, own, first(entry, "olcRootDN", ""), first(entry, "olcDbDirectory", ""),
                                      bool(values(entry, "olcSyncrepl"))))
    if len(found) != 1:
        raise RecipeError(f"{len(found)} databases hold {suffix or 'a suffix'} in cn=config: give -b with the "
                          "suffix of the pykota-ldap data")
    if not found[0].root_dn:
        raise RecipeError(f"{found[0].dn} has no olcRootDN: give --replicator-dn")
    return found[0]


def _quote(value: str) -> str:
    if not value:
        raise RecipeError("the replication bind DN and password may not be empty")
    if '"' in value or "\\" in value or "\n" in value:
        raise RecipeError("a replication bind DN or password may not hold a quote, a backslash or a new line")
    return f'"{value}"'


def syncrepl_line(rid: int, provider: str, base: str, bind_dn: str, password: str, retry: str = "5 +") -> str:
    """One olcSyncrepl value pulling `base` from `provider`'s accesslog."""
    return (f"rid={rid:03d} provider={provider} bindmethod=simple binddn={_quote(bind_dn)} "
            f"credentials={_quote(password)} searchbase={_quote(base)} type=refreshAndPersist "
            f'retry="{retry}" timeout=3 schemachecking=on logbase="{ACCESSLOG_SUFFIX}" '
            f'logfilter="{LOGFILTER}" syncdata=accesslog')


def _modules(d: Directory) -> None:
    """syncprov and accesslog in the module list (Debian's slapd loads back_mdb only)."""
    loaded, module_dn = [], None
    for dn, entry in d.search("cn=config", "(objectClass=olcModuleList)", ["olcModuleLoad"], scope=LEVEL):
        module_dn = module_dn or dn
        loaded += [v.split("}", 1)[-1].lower().removesuffix(".la") for v in values(entry, "olcModuleLoad")]
    wanted = [m for m in ("syncprov", "accesslog") if m not in loaded]
    if not wanted:
        return
    if module_dn is None:
        d.add("cn=module,cn=config", ["olcModuleList"], {"cn": "module", "olcModulePath": "/usr/lib/ldap",
                                                          "olcModuleLoad": wanted})
    else:
        d.modify(module_dn, {"olcModuleLoad": [(MODIFY_ADD, wanted)]})


def _not_set_up_yet(d: Directory) -> None:
    """Refused before the first change: serverIDs or an accesslog database made by someone else."""
    if values(d.read("cn=config", ["olcServerID"]) or {}, "olcServerID"):
        raise RecipeError("cn=config has olcServerID values already: this server is set up for replication")
    if any(first(e, "olcSuffix", "").lower() == ACCESSLOG_SUFFIX
           for _, e in d.search("cn=config", "(olcSuffix=*)", ["olcSuffix"], scope=LEVEL)):
        raise RecipeError(f"a database for {ACCESSLOG_SUFFIX} exists already: this server is set up for replication")


def _accesslog_database(d: Directory, db: DataDatabase, folder: Path, replicator: str) -> None:
    """The log every provider keeps of its successful writes, readable by the rootdn and the
    replication account only (the peers' delta-syncrepl reads it as that account)."""
    readers = [dn for dn in dict.fromkeys([db.root_dn, replicator]) if dn]
    owner = Path(db.directory).stat() if db.directory and Path(db.directory).exists() else None
    if owner is not None:
        os.chown(folder, owner.st_uid, owner.st_gid)      # slapd runs as Debian's openldap user
    d.add("olcDatabase=mdb,cn=config", ["olcDatabaseConfig", "olcMdbConfig"], {
        "olcDatabase": "mdb", "olcSuffix": ACCESSLOG_SUFFIX, "olcDbDirectory": str(folder),
        "olcRootDN": db.root_dn, "olcDbMaxSize": "1073741824",
        "olcDbIndex": ["default eq", "entryCSN,objectClass,reqEnd,reqResult,reqStart,reqDN"],
        "olcAccess": ["{0}to * " + " ".join(f"by dn.exact={_quote(dn)} read" for dn in readers) + " by * none"],
        "olcLimits": [f"{{{n}}}dn.exact={_quote(dn)} time=unlimited size=unlimited" for n, dn in enumerate(readers)]})
    log_db = [dn for dn, e in d.search("cn=config", "(olcSuffix=*)", ["olcSuffix"], scope=LEVEL)
              if first(e, "olcSuffix", "").lower() == ACCESSLOG_SUFFIX][0]
    # reloadhint FALSE: with it, syncprov checks a returning peer's cookie against the log root's
    # minCSN, which holds a serverID-0 CSN as soon as this provider logged an entry written before
    # serverIDs (its first load by refresh does). No cookie ever carries serverID 0, so every peer
    # that came back behind was told "sync cookie is stale" and fell back to a full refresh that
    # copies whole entries, losing increments (docs/replication.md, finding 4).
    d.add(f"olcOverlay=syncprov,{log_db}", ["olcOverlayConfig", "olcSyncProvConfig"],
          {"olcOverlay": "syncprov", "olcSpNoPresent": "TRUE", "olcSpReloadHint": "FALSE", "olcSpCheckpoint": "1 1"})


def _data_overlays(d: Directory, db: DataDatabase, keep_days: int) -> None:
    d.add(f"olcOverlay=syncprov,{db.dn}", ["olcOverlayConfig", "olcSyncProvConfig"],
          {"olcOverlay": "syncprov", "olcSpCheckpoint": "1 1", "olcSpSessionlog": "10000"})
    d.add(f"olcOverlay=accesslog,{db.dn}", ["olcOverlayConfig", "olcAccessLogConfig"], {
        "olcOverlay": "accesslog", "olcAccessLogDB": ACCESSLOG_SUFFIX, "olcAccessLogOps": "writes",
        "olcAccessLogSuccess": "TRUE", "olcAccessLogPurge": f"{keep_days:02d}+00:00 01+00:00"})


def _replication_indexes(d: Directory, db: DataDatabase) -> None:
    have = {v.split("}", 1)[-1].split()[0].lower() for v in values(d.read(db.dn, ["olcDbIndex"]) or {}, "olcDbIndex")}
    wanted = [f"{a} eq" for a in ("entryCSN", "entryUUID") if a.lower() not in have]
    if wanted:
        d.modify(db.dn, {"olcDbIndex": [(MODIFY_ADD, wanted)]})


def provider(d: Directory, providers: list[str], password: str, suffix: str | None = None,
             bind_dn: str | None = None, accesslog_dir: Path | None = None,
             keep_days: int = DEFAULT_KEEP_DAYS) -> str:
    """Make the data database one provider of a delta-syncrepl multi-provider set; what was done."""
    urls = [normal_url(u) for u in providers]
    if len(urls) < 2 or len(set(urls)) != len(urls):
        raise RecipeError("give every provider once, at least two, in the same order on every provider")
    if not 1 <= keep_days <= 365:
        raise RecipeError("--keep-days must be between 1 and 365")
    db = data_database(d, suffix)
    if db.replicated:
        raise RecipeError(f"{db.dn} replicates already (olcSyncrepl): change it by hand, or start from a "
                          "server without replication")
    replicator = bind_dn or db.root_dn
    lines = [syncrepl_line(n, url, db.suffix, replicator, password) for n, url in enumerate(urls, 1)]
    folder = accesslog_dir or Path(db.directory or "/var/lib/ldap").parent / "accesslog"
    if not folder.is_absolute():    # slapd would look for it from its own folder, after the first changes
        raise RecipeError(f"--accesslog-dir must be an absolute path, not {str(folder)!r}")
    _not_set_up_yet(d)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise RecipeError(f"cannot make the accesslog directory {folder}: {exc.strerror or exc}") from None
    _modules(d)
    d.modify("cn=config", {"olcServerID": [(MODIFY_ADD, [f"{n} {url}" for n, url in enumerate(urls, 1)])]})
    _accesslog_database(d, db, folder, replicator)
    _replication_indexes(d, db)
    d.modify(db.dn, {"olcSyncrepl": [(MODIFY_ADD, lines)], "olcMultiProvider": [(MODIFY_REPLACE, ["TRUE"])]})
    _data_overlays(d, db, keep_days)
    return (f"{db.dn} ({db.suffix}) is a delta-syncrepl provider among {', '.join(urls)}; accesslog in "
            f"{folder}, kept {keep_days} days")


def consumer(d: Directory, provider_url: str, password: str, suffix: str | None = None,
             bind_dn: str | None = None, rid: int = 100) -> str:
    """Make the data database a read-only replica of one provider; what was done."""
    url = normal_url(provider_url)
    if not 1 <= rid <= 999:
        raise RecipeError("--rid must be between 1 and 999")
    db = data_database(d, suffix)
    if db.replicated:
        raise RecipeError(f"{db.dn} replicates already (olcSyncrepl)")
    line = syncrepl_line(rid, url, db.suffix, bind_dn or db.root_dn, password)   # checked before any change
    _replication_indexes(d, db)
    d.modify(db.dn, {"olcSyncrepl": [(MODIFY_ADD, [line])], "olcUpdateRef": [(MODIFY_ADD, [url])]})
    return f"{db.dn} ({db.suffix}) is a read-only replica of {url} (writes are referred there)"
