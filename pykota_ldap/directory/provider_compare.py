"""Compare two providers' pykota data, and repair what a crash left (docs/replication.md, findings 5, 6).

A provider SIGKILLed between committing a write to its data and writing the accesslog record
keeps the write; its peer never gets it, and delta-syncrepl never heals it: the two agree on
contextCSN and differ on values for good (finding 5). This module reads every entry of a pykota
objectClass from each provider (paged), compares the pykota attributes, and decides per entry
which side is right: the one whose charge marks (pkAppliedCharge, reservations included) are a
strict superset of the other's, since every charge and reservation adds a mark and none removes one.

Equal marks with different values have one known cause, which the accesslog shows (finding 6): a
provider restarted after a crash with a contextCSN behind its own last writes gets them back from
its peer, and slapd replays a modify of an entry written again since by "resolving" it against its
own log record of the same write: the mark's add is dropped as already there, the increments are
applied a second time. That provider holds two successful log records of the entry with the same
entryCSN; when their increments are the whole difference, the other one is right
(provider_log.py).

The repair is one modify on the RIGHT provider that replaces the differing attributes with that
provider's own current values, under an assertion that they are still those values (a job's
write made since is never overwritten). A replace applies cleanly on both sides, so the peer
takes it from the log as any other write; an add or an increment could fail on one side and send
delta-syncrepl to a full refresh.

A job entry (pkJob) on one side only is a lost add when neither accesslog has its add although
both reach back to its date (a purged job's add is in both logs). The repair then deletes it on
its holder and adds it back with the same values: the peer replays a delete of an entry it lacks
as done (noSuchObject, no full refresh: measured on 2.5.13) and the add creates it. Any other
entry on one side only is reported (a lost add and a lost delete look the same).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from ldap3 import BASE, MODIFY_REPLACE

from . import provider_log
from .core import Attributes, Directory
from .errors import AssertionFailed, DirectoryError, NotFound
from .escaping import all_of, eq
from .records import from_time

MARKS = "pkappliedcharge"
SAME_MARKS = "same marks on both"
DATA_CLASSES = ("pkUserQuota", "pkGroupQuota", "pkAccount", "pkGroup", "pkPrinter", "pkJob", "pkPayment",
                "pkBillingCode")
DATA_FILTER = "(|" + "".join(f"(objectClass={name})" for name in DATA_CLASSES) + ")"
OTHER_COMPARED = ("description", "member")      # ours too (printer groups, descriptions), without a pk prefix

Entries = dict[str, Attributes]


def normal_dn(dn: str) -> str:
    return ",".join(part.strip() for part in dn.split(",")).lower()


def _ours(entry: Attributes) -> Attributes:
    """The pykota attributes of an entry, names in lower case, values sorted (replicas order them freely)."""
    return {name.lower(): sorted(found) for name, found in entry.items()
            if name.lower().startswith("pk") or name.lower() in OTHER_COMPARED}


def _same(name: str, first: list[str], second: list[str]) -> bool:
    """Equal once normalised (member DNs in any case and spacing); the values themselves are kept
    as the server spells them, for the report and the repair."""
    def normal(found: list[str]) -> list[str]:
        return sorted(normal_dn(v) for v in found) if name == "member" else sorted(v.strip() for v in found)
    return normal(first) == normal(second)


@dataclass
class Snapshot:
    """One provider's pykota entries, keyed by normal DN."""
    entries: Entries = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)      # the DN as the server spells it
    stamps: dict[str, str] = field(default_factory=dict)       # entryCSN: the repair's guard
    classes: dict[str, set[str]] = field(default_factory=dict)  # objectClass values, lower case


def read_data(d: Directory, base: str) -> Snapshot:
    found = Snapshot()
    for dn, entry in d.search_paged(base, DATA_FILTER, ["*", "entryCSN"]):
        key = normal_dn(dn)
        found.entries[key], found.spelled[key] = _ours(entry), dn
        found.stamps[key] = (entry.get("entrycsn") or [""])[0]
        found.classes[key] = {name.lower() for name in entry.get("objectclass", [])}
    return found


def context_csns(d: Directory, base: str) -> dict[str, str]:
    """{serverID: CSN} of the base's contextCSN."""
    found = d.search(base, "(objectClass=*)", ["contextCSN"], scope=BASE)
    csns = found[0][1].get("contextcsn", []) if found else []
    return {csn.split("#")[2]: csn for csn in csns if csn.count("#") == 3}


def csns_agree(csns: list[dict[str, str]]) -> bool:
    """Every serverID two providers both know is at the same CSN (000: the data loaded before
    serverIDs existed, which a provider loaded by refresh may know and its peer not)."""
    first, second = csns
    return all(first[sid] == second[sid] for sid in (set(first) & set(second)) - {"000"})


def wait_for_csns(directories: list[Directory], base: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if csns_agree([context_csns(d, base) for d in directories]):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.5)


@dataclass
class EntryDiff:
    dn: str                                 # as the right (else the first) provider spells it
    values: tuple[Attributes, Attributes]   # the differing attributes on each provider ([] when absent)
    right: int | None                       # the provider that holds the lost write, or None: by hand
    why: str = ""
    stamps: tuple[str, str] = ("", "")      # both providers' entryCSNs when read

    @property
    def stamp(self) -> str:
        """The right provider's entryCSN when read: the repair's guard."""
        return self.stamps[self.right] if self.right is not None else ""


@dataclass
class OneSided:
    side: int                               # the provider holding it
    dn: str
    recreate: bool                          # a lost add: --repair re-creates it (else by hand)
    why: str
    stamp: str = ""                         # its entryCSN on the holder when read
    job: bool = False                       # a pkJob entry: the accesslogs may tell
    date: datetime | None = None            # its pkJobDate


@dataclass
class Comparison:
    differing: list[EntryDiff] = field(default_factory=list)
    only: list[OneSided] = field(default_factory=list)
    entries: int = 0

    @property
    def agree(self) -> bool:
        return not self.differing and not self.only


def _right_side(first: Attributes, second: Attributes) -> tuple[int | None, str]:
    marks = set(first.get(MARKS, [])), set(second.get(MARKS, []))
    if marks[0] > marks[1]:
        return 0, f"its marks are a superset ({len(marks[0] - marks[1])} more)"
    if marks[1] > marks[0]:
        return 1, f"its marks are a superset ({len(marks[1] - marks[0])} more)"
    return None, SAME_MARKS if marks[0] == marks[1] else "each has marks the other lacks"


def _undecided(diff: EntryDiff, logs: list[list[provider_log.Record] | None]) -> None:
    """A difference with equal marks: decided when one provider's log shows writes applied twice
    that account for all of it (finding 6)."""
    if logs[0] is None or logs[1] is None:
        diff.why = f"{SAME_MARKS}; the accesslog is not readable by this account to tell more"
        return
    twice = [provider_log.doubled(logs[0]), provider_log.doubled(logs[1])]
    for side in (0, 1):
        if twice[side] and not twice[1 - side] and provider_log.explains(twice[side], diff.values[side],
                                                                         diff.values[1 - side]):
            diff.right = 1 - side
            diff.why = (f"a write applied twice on the other provider (entryCSN {twice[side][0].csn}: its own "
                        "write replayed after a restart, finding 6)")


def _lost_add(directories: list[Directory], lost: OneSided) -> None:
    """A job entry on one side only: re-created when neither log has its add although both reach
    back to its date (a lost add, finding 5); a purge's lost delete has its add in both logs."""
    if lost.date is None:
        lost.why = "a job entry whose date cannot be read: by hand"
        return
    first, second = (provider_log.records(d, lost.dn) for d in directories)
    if first is None or second is None:
        lost.why = "a job entry, but the accesslog is not readable by this account to tell a lost add"
    elif not all(provider_log.reaches_back_to(d, lost.date) for d in directories):
        lost.why = "a job entry older than the accesslogs: a lost add or a purge's lost delete, by hand"
    elif provider_log.logged_add(first) or provider_log.logged_add(second):
        lost.why = "its add is in the accesslog: a delete (a purge) lost on this side, by hand"
    else:
        lost.recreate, lost.why = True, "a job entry whose add was never logged: lost on the other side"


def explain_by_log(directories: list[Directory], found: Comparison) -> None:
    """What the accesslogs tell about the differences the data alone cannot decide."""
    for diff in found.differing:
        if diff.right is None and diff.why == SAME_MARKS:
            _undecided(diff, [provider_log.records(d, diff.dn) for d in directories])
    for lost in found.only:
        if lost.job:
            _lost_add(directories, lost)


def _one_sided(snapshot: Snapshot, side: int, key: str) -> OneSided:
    dn, stamp = snapshot.spelled[key], snapshot.stamps[key]
    if "pkjob" not in snapshot.classes[key]:
        return OneSided(side, dn, False, "a lost add or a lost delete: only a job entry's log tells")
    try:
        date = from_time((snapshot.entries[key].get("pkjobdate") or [""])[0])
    except ValueError:
        date = None
    return OneSided(side, dn, False, "a job entry (its accesslogs not read)", stamp, job=True, date=date)


def compare(snapshots: tuple[Snapshot, Snapshot]) -> Comparison:
    data = snapshots[0].entries, snapshots[1].entries
    result = Comparison(entries=len(set(data[0]) | set(data[1])))
    for key in sorted(set(data[0]) | set(data[1])):
        if key not in data[1] or key not in data[0]:
            side = 0 if key in data[0] else 1
            result.only.append(_one_sided(snapshots[side], side, key))
            continue
        first, second = data[0][key], data[1][key]
        differ = sorted(name for name in set(first) | set(second)
                        if not _same(name, first.get(name, []), second.get(name, [])))
        if differ:
            right, why = _right_side(first, second)
            holder = snapshots[right or 0]
            result.differing.append(EntryDiff(
                holder.spelled[key], ({n: first.get(n, []) for n in differ}, {n: second.get(n, []) for n in differ}),
                right, why, (snapshots[0].stamps[key], snapshots[1].stamps[key])))
    return result


def _still(attributes: Attributes, stamp: str) -> str:
    """An assertion that the entry still holds these values and was not written since it was read
    (its entryCSN: a mark added meanwhile would not show in the values, and a replace would drop it)."""
    parts = [eq("entryCSN", stamp)]
    for name, found in sorted(attributes.items()):
        parts += [eq(name, value) for value in found] or [f"(!({name}=*))"]
    return all_of(*parts)


def repair(d: Directory, diff: EntryDiff) -> str | None:
    """Replace the differing attributes on the right provider `d` with its own values, guarded;
    None when done, else why not (the entry changed since it was read: compare again)."""
    assert diff.right is not None
    if not diff.stamp:
        return "its entryCSN is not readable by this account, so the repair could not be guarded: bind as the rootdn"
    wanted = diff.values[diff.right]
    changes = {name: [(MODIFY_REPLACE, list(found))] for name, found in wanted.items()}
    try:
        d.modify(diff.dn, changes, assertion=_still(wanted, diff.stamp))
    except AssertionFailed:
        return "changed since it was read (a job wrote to it): run the compare again"
    except DirectoryError as exc:
        return str(exc)
    return None


def recreate(d: Directory, lost: OneSided) -> str | None:
    """Delete the entry on its holder `d` and add it back with the same values, so that the peer
    that lacks it replays the add; None when done, else why not. The delete is guarded by the
    entryCSN read (a refund written since is never undone); if the add then fails, the message
    holds the values to add back by hand."""
    if not lost.stamp:
        return "its entryCSN is not readable by this account, so the repair could not be guarded: bind as the rootdn"
    entry = d.read(lost.dn, ["*"])
    if entry is None:
        return "gone since it was read: run the compare again"
    classes = entry.pop("objectclass", [])
    try:
        d.delete(lost.dn, assertion=eq("entryCSN", lost.stamp), missing_ok=False)
    except AssertionFailed:
        return "changed since it was read (a refund wrote to it): run the compare again"
    except NotFound:
        return "gone since it was read (a purge?): run the compare again"
    except DirectoryError as exc:
        return str(exc)
    try:
        d.add(lost.dn, classes, entry)
    except DirectoryError as exc:
        values = "; ".join(f"{name}: {', '.join(found)}" for name, found in sorted(entry.items()))
        return (f"deleted, then the add failed ({exc}): add it back by hand with objectClass: "
                f"{', '.join(classes)}; {values}")
    return None
