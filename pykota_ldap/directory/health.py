"""What pkdoctor asks the directory, changing nothing that is already there.

May the bound account make every write the backend and the commands make? slapd checks the
access rules of a modify before anything else, so each write is sent in a form that then has
nothing to do: a counter incremented by 0, a value added that is there already, or one deleted
that is not (both refused after the access check). Only adding entries needs real ones:
under each base of ou=PyKota a scratch entry `cn=pkdoctor-<random>` is added, changed the way
the commands change such entries, and deleted at once.

And, from cn=config (readable over ldapi as root): the indexes of the database holding our
data, and how it replicates.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from ldap3 import LEVEL, MODIFY_ADD, MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE

from ..config import LDAPSettings
from .core import Attributes, Changes, Directory, Entry, values
from .errors import AccessDenied, DirectoryError, DirectoryUnavailable, NotFound, SchemaMissing

PROBE_PREFIX = "pkdoctor-"
NOWHERE = "19700101000000Z"          # a date no job ever has: throwaway charge marks


@dataclass(frozen=True)
class Refusal:
    """The account may not do `action` (write <attribute>, add entries, delete entries) on the
    entry `dn` (the base itself when a scratch entry under it was refused), so not on the
    entries under `base` either."""

    action: str
    dn: str
    base: str
    server_said: str
    left: str | None = None         # a scratch entry that could not be deleted again
    needed: bool = True             # False: no command does this (deleting history entries)


@dataclass(frozen=True)
class _Area:
    """Entries of one base under ou=PyKota: how the commands create and change them."""

    base: str                                   # the LDAPSettings field
    object_class: str
    must: dict[str, str]                        # besides cn
    created_with: dict[str, str] = field(default_factory=dict)
    replaced: tuple[str, ...] = ()
    incremented: tuple[str, ...] = ()
    marked: bool = False                        # pkAppliedCharge: charges applied once
    deleted: bool = True                        # some command deletes such entries


_LIMITS = {"pkSoftLimit": "0", "pkHardLimit": "0", "pkMaxJobSize": "0"}
AREAS = (
    _Area("printerbase", "pkPrinter", {},
          {"description": "pkdoctor probe", "pkPricePerPage": "0", "pkPricePerJob": "0", "pkMaxJobSize": "0",
           "pkPassThrough": "FALSE"},
          replaced=("description", "pkPricePerPage", "pkPricePerJob", "pkMaxJobSize", "pkPassThrough", "member",
                    "pkPrinterPageCounter")),
    _Area("userquotabase", "pkUserQuota", {"pkUserName": "pkdoctor", "pkPrinterName": "pkdoctor"},
          {**_LIMITS, "pkPageCounter": "0", "pkLifePageCounter": "0", "pkWarnCount": "0"},
          replaced=("pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkWarnCount", "pkMaxJobSize", "pkPageCounter",
                    "pkLifePageCounter"),
          incremented=("pkPageCounter", "pkLifePageCounter"), marked=True),
    _Area("groupquotabase", "pkGroupQuota", {"pkGroupName": "pkdoctor", "pkPrinterName": "pkdoctor"}, _LIMITS,
          replaced=("pkSoftLimit", "pkHardLimit", "pkDateLimit", "pkMaxJobSize")),
    _Area("jobbase", "pkJob",
          {"pkJobId": "0", "pkJobDate": NOWHERE, "pkUserName": "pkdoctor", "pkPrinterName": "pkdoctor"},
          {"pkAction": "ALLOW", "pkJobSize": "0", "pkJobPrice": "0", "pkTitle": "pkdoctor probe",
           "pkFileName": "pkdoctor", "pkCopies": "1", "pkOptions": "pkdoctor", "pkHostName": "pkdoctor",
           "pkJobSizeBytes": "0", "pkMD5Sum": "0" * 32, "pkBillingCode": "pkdoctor", "pkPrecomputedJobSize": "0",
           "pkPrecomputedJobPrice": "0", "pkPrinterPageCounter": "0"},
          deleted=False),
    _Area("paymentbase", "pkPayment", {"pkUserName": "pkdoctor", "pkAmount": "0", "pkPaymentDate": NOWHERE},
          {"description": "pkdoctor probe"}, replaced=("pkAmount", "description")),
    _Area("billingcodebase", "pkBillingCode", {},
          {"description": "pkdoctor probe", "pkPageCounter": "0", "pkBalance": "0"},
          replaced=("description", "pkPageCounter", "pkBalance"), incremented=("pkPageCounter", "pkBalance"),
          marked=True),
)
BASES = ("userbase", "groupbase") + tuple(area.base for area in AREAS)
_SAMPLE = {"pkDateLimit": NOWHERE, "pkPassThrough": "FALSE", "description": "pkdoctor probe",
           "pkPrinterPageCounter": "0", "pkAmount": "0"}


def _refused(d: Directory, dn: str, changes: Changes) -> str | None:
    """What the server said when it refused the access, or None when the access rules let it
    through (whatever the change then did, or found it had to refuse for another reason)."""
    try:
        d.modify(dn, changes)
    except AccessDenied as exc:
        return str(exc)
    except (DirectoryUnavailable, NotFound):
        raise
    except DirectoryError:
        return None                 # refused after the access check: value there already, ...
    return None


_INTEGERS = {"pkBalance", "pkLifeTimePaid", "pkOverCharge"}
_DNS = {"member", "uniquemember"}


def _absent_value(attribute: str) -> str:
    """A value of the attribute's syntax that no entry holds."""
    if attribute in _INTEGERS:
        return "-987654321"
    if attribute.lower() in _DNS:
        return f"cn={PROBE_PREFIX}probe"
    return f"{NOWHERE} {PROBE_PREFIX}{secrets.token_hex(4)}"


def _no_op(entry: Attributes, attribute: str, counter: bool) -> Changes:
    """A write of the attribute that the access rules judge and that then changes nothing: a
    counter incremented by 0, a value added that the entry has (refused as there already), or
    one deleted that it has not (refused as missing)."""
    present = values(entry, attribute)
    if counter and present:
        return {attribute: [(MODIFY_INCREMENT, [0])]}
    if present:
        return {attribute: [(MODIFY_ADD, present[:1])]}
    return {attribute: [(MODIFY_DELETE, [_absent_value(attribute)])]}


def _entry_probes(d: Directory, base: str, found_entry: Entry, counters: tuple[str, ...],
                  others: tuple[str, ...]) -> list[Refusal]:
    dn, entry = found_entry
    found = []
    for attribute in counters + others:
        said = _refused(d, dn, _no_op(entry, attribute, attribute in counters))
        if said:
            found.append(Refusal(f"write {attribute}", dn, base, said))
    return found


def _one(d: Directory, base: str, filters: tuple[str, ...], attributes: list[str]) -> Entry | None:
    for filter_text in filters:
        found = d.search(base, filter_text, attributes, size_limit=1)
        if found:
            return found[0]
    return None


def account_refusals(d: Directory) -> tuple[list[Refusal], list[str]]:
    """The writes on the organisation's user and group entries (a managed one when there is
    one): (refusals, what could not be tried)."""
    s: LDAPSettings = d.settings
    found: list[Refusal] = []
    untried: list[str] = []
    user_attrs = ["objectClass", "pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge", "description",
                  "pkAppliedCharge", s.usermail]
    user = _one(d, s.userbase, ("(objectClass=pkAccount)", f"({s.userrdn}=*)"), user_attrs)
    if user is None:
        untried.append(f"no user entry under {s.userbase} to test the writes on users with")
    else:
        found += _entry_probes(d, s.userbase, user, ("pkBalance", "pkLifeTimePaid"),
                               ("objectClass", "pkLimitBy", "pkOverCharge", "description", s.usermail,
                                "pkAppliedCharge"))
    group_attrs = ["objectClass", "pkLimitBy", "description", s.groupmembers]
    group = _one(d, s.groupbase, ("(objectClass=pkGroup)", f"({s.grouprdn}=*)"), group_attrs)
    if group is None:
        untried.append(f"no group entry under {s.groupbase} to test the writes on groups with")
    else:
        found += _entry_probes(d, s.groupbase, group, (), ("objectClass", "pkLimitBy", "description",
                                                           s.groupmembers))
    return found, untried


def _scratch_changes(area: _Area, dn: str) -> list[tuple[str, Changes]]:
    """(attribute, a change of it) as the commands change such entries."""
    changes: list[tuple[str, Changes]] = []
    for attribute in area.replaced:
        sample = dn if attribute == "member" else _SAMPLE.get(attribute, "0")
        changes.append((attribute, {attribute: [(MODIFY_REPLACE, [sample])]}))
    changes += [(attribute, {attribute: [(MODIFY_INCREMENT, [0])]}) for attribute in area.incremented]
    if area.marked:
        mark = f"{NOWHERE} {PROBE_PREFIX}probe"
        changes += [("pkAppliedCharge", {"pkAppliedCharge": [(MODIFY_ADD, [mark])]}),
                    ("pkAppliedCharge", {"pkAppliedCharge": [(MODIFY_DELETE, [mark])]})]
    return changes


def _add_scratch(d: Directory, area: _Area, base: str, dn: str, name: str) -> list[Refusal]:
    """Add the scratch entry as the commands add such entries; when refused, find out whether
    entries may not be added at all or which attribute may not be set."""
    must = {"cn": name, **area.must}
    try:
        d.add(dn, [area.object_class], {**must, **area.created_with})
        return []
    except AccessDenied:
        pass
    try:
        d.add(dn, [area.object_class], must)
    except AccessDenied as exc:
        return [Refusal("add entries", base, base, str(exc))]
    found = []
    for attribute, value in area.created_with.items():
        said = _refused(d, dn, {attribute: [(MODIFY_REPLACE, [value])]})
        if said:
            found.append(Refusal(f"write {attribute}", base, base, said))
    return found


def _area_refusals(d: Directory, area: _Area) -> list[Refusal]:
    base = getattr(d.settings, area.base)
    name = f"{PROBE_PREFIX}{secrets.token_hex(6)}"
    dn = d.dn("cn", name, base)
    try:
        found = _add_scratch(d, area, base, dn, name)
    except (NotFound, SchemaMissing):       # no base, no schema: said elsewhere
        return []
    if any(refusal.action == "add entries" for refusal in found):
        return found
    try:
        for attribute, changes in _scratch_changes(area, dn):
            said = _refused(d, dn, changes)
            if said and not any(r.action == f"write {attribute}" for r in found):
                found.append(Refusal(f"write {attribute}", base, base, said))
    finally:
        try:
            d.delete(dn)
        except AccessDenied as exc:
            found.append(Refusal("delete entries", base, base, str(exc), left=dn, needed=area.deleted))
    return found


def pykota_refusals(d: Directory) -> list[Refusal]:
    """The writes under each base of ou=PyKota, on scratch entries deleted at once."""
    found: list[Refusal] = []
    for area in AREAS:
        found += _area_refusals(d, area)
    return found


def missing_bases(d: Directory) -> list[str]:
    s = d.settings
    return [getattr(s, name) for name in BASES if d.read(getattr(s, name), ["objectClass"]) is None]


def readable_by_anyone(d: Directory) -> list[str]:
    """Entries holding pk* data this (anonymous) connection can read: one DN per kind found."""
    s = d.settings
    probes = ((s.userbase, "(objectClass=pkAccount)", ["pkBalance"]),
              (s.userquotabase, "(objectClass=pkUserQuota)", ["pkPageCounter"]),
              (s.jobbase, "(objectClass=pkJob)", ["pkTitle", "pkUserName"]),
              (s.paymentbase, "(objectClass=pkPayment)", ["pkAmount"]))
    found = []
    for base, filter_text, attributes in probes:
        try:
            entries = d.search(base, filter_text, attributes, size_limit=1)
        except (AccessDenied, NotFound, SchemaMissing):
            continue
        except DirectoryError as exc:
            if "insufficientAccess" in str(exc):
                continue
            raise
        found += [dn for dn, entry in entries if any(values(entry, a) for a in attributes)]
    return found


# -- cn=config -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatabaseConfig:
    dn: str
    suffix: str
    indexes: tuple[str, ...]
    syncrepl: tuple[str, ...]
    multi_provider: bool
    overlays: tuple[str, ...]           # syncprov, accesslog ...
    update_ref: tuple[str, ...] = ()    # olcUpdateRef: where a read-only replica refers writes
    log_databases: tuple[str, ...] = ()  # suffixes of the server's other databases (cn=accesslog ...)
    reload_hints: tuple[str, ...] = ()   # suffixes of those whose syncprov has olcSpReloadHint TRUE


def _normal_dn(dn: str) -> str:
    return ",".join(part.strip().lower() for part in dn.split(","))


def _strip_order(value: str) -> str:
    return value.split("}", 1)[1] if value.startswith("{") and "}" in value else value


def database_config(d: Directory, suffix: str) -> DatabaseConfig | None:
    """The database of cn=config whose suffix holds `suffix` (d bound to cn=config), or None."""
    wanted = _normal_dn(suffix)
    best: Entry | None = None
    suffixes: list[str] = []
    suffix_of: dict[str, list[str]] = {}
    for dn, entry in d.search("cn=config", "(olcSuffix=*)", ["olcSuffix", "olcDbIndex", "olcSyncrepl",
                                                               "olcMultiProvider", "olcMirrorMode", "olcUpdateRef"],
                              scope=LEVEL):
        suffixes += [_normal_dn(v) for v in values(entry, "olcSuffix")]
        suffix_of[_normal_dn(dn)] = [_normal_dn(v) for v in values(entry, "olcSuffix")]
        for value in values(entry, "olcSuffix"):
            own = _normal_dn(value)
            if wanted == own or wanted.endswith("," + own):
                if best is None or len(own) > len(_normal_dn(values(best[1], "olcSuffix")[0])):
                    best = (dn, entry)
    if best is None:
        return None
    dn, entry = best
    overlays = tuple(_strip_order(value).lower() for _, child in d.search(dn, "(objectClass=olcOverlayConfig)",
                                                                          ["olcOverlay"], scope=LEVEL)
                     for value in values(child, "olcOverlay"))
    hinted = [suffix for overlay, _ in d.search("cn=config", "(&(objectClass=olcSyncProvConfig)(olcSpReloadHint=TRUE))",
                                                 ["1.1"])
              for suffix in suffix_of.get(_normal_dn(overlay).split(",", 1)[-1], [])]
    multi = any(value.upper() == "TRUE" for attr in ("olcMultiProvider", "olcMirrorMode")
                for value in values(entry, attr))
    return DatabaseConfig(dn=dn, suffix=values(entry, "olcSuffix")[0],
                          indexes=tuple(values(entry, "olcDbIndex")),
                          syncrepl=tuple(_strip_order(v) for v in values(entry, "olcSyncrepl")),
                          multi_provider=multi, overlays=overlays, update_ref=tuple(values(entry, "olcUpdateRef")),
                          log_databases=tuple(x for x in suffixes
                                              if x not in map(_normal_dn, values(entry, "olcSuffix"))),
                          reload_hints=tuple(hinted))


def can_read_config(d: Directory) -> bool:
    try:
        return d.read("cn=config", ["cn"]) is not None
    except AccessDenied:
        return False

