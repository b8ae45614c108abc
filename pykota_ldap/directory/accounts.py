"""Users and groups: the organisation's own entries, with pkAccount / pkGroup attached.

Nothing here copies a user or a membership: names and members are read from the entries that
account provisioning maintains (posixAccount / posixGroup, or groupOfNames with `member`).
"""
from __future__ import annotations

from typing import Iterator, Mapping, Sequence

from ldap3 import BASE, MODIFY_ADD, MODIFY_DELETE

from ..model import Group, User
from . import escaping as esc
from .core import Attributes, Directory, Writer, first, first_int, values, written
from .errors import AlreadyExists, AssertionFailed, DirectoryError, NotFound
from .fastsearch import search_paged_fast
from .records import USER_ATTRS, user_from

PK_ACCOUNT_ATTRS = ["pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge"]
# What pkAccount alone allows on the entry, removed with it (the marks of charges applied to the
# balance, pkAppliedCharge, included: left behind, they would make the modify fail).
DETACHED_ATTRS = PK_ACCOUNT_ATTRS + ["pkAppliedCharge"]

# -- becoming managed --------------------------------------------------------------------------

def account_values(limit_by: str, balance: int, lifetime_paid: int, overcharge: int = 1000,
                   description: str | None = None) -> dict[str, object]:
    """What pkAccount holds when attached: the counters start with a value, so that
    Modify-Increment works on them."""
    pk_values: dict[str, object] = {"pkLimitBy": limit_by, "pkBalance": balance, "pkLifeTimePaid": lifetime_paid,
                                    "pkOverCharge": overcharge}
    if description:
        pk_values["description"] = description
    return pk_values


def attach_class(d: Writer, dn: str, object_class: str, pk_values: Mapping[str, object]) -> None:
    """One modify, guarded by the class being absent: the auxiliary class and its values appear
    together or not at all, and two attaches at once cannot both pass (AssertionFailed)."""
    changes: dict[str, Sequence[tuple[str, Sequence[object]]]] = {"objectClass": [(MODIFY_ADD, [object_class])]}
    changes.update({attr: [(MODIFY_ADD, [value])] for attr, value in pk_values.items()})
    d.modify(dn, changes, assertion=f"(!(objectClass={object_class}))")


def _attach_or_add(d: Directory, kind: str, name: str, found: User | Group | None, object_class: str,
                   pk_values: Mapping[str, object], base: str,
                   new_entry: tuple[str, list[str], dict[str, object]] | None) -> None:
    """The user or group (kind) `name` becomes managed: `object_class` with `pk_values` on the
    organisation's entry (`found`), or, when it has none, `new_entry` (DN, classes, attributes)
    under `base` if the settings allow it (newuser / newgroup: below)."""
    if found is None:
        if new_entry is None:
            raise NotFound(f"{kind} {name} is not in the directory under {base} (new{kind}: attach)")
        d.add(*new_entry)
    elif found.managed:
        raise AlreadyExists(f"{kind} {name} is already managed")
    else:
        attach_class(d, found.dn, object_class, pk_values)


# -- users -------------------------------------------------------------------------------------

def user_attributes(d: Directory) -> list[str]:
    return USER_ATTRS + [d.settings.userrdn, d.settings.usermail]


def user_from_entry(d: Directory, dn: str, entry: Attributes) -> User:
    return user_from(dn, first(entry, d.settings.userrdn, ""), entry, d.settings.usermail)


def get_user(d: Directory, name: str) -> User | None:
    """The user entry called `name` (managed or not); one search."""
    s = d.settings
    found = d.search(s.userbase, esc.eq(s.userrdn, name), user_attributes(d), size_limit=2)
    return user_from_entry(d, *found[0]) if found else None


def entry_matches(d: Directory, dn: str, filter_text: str) -> bool:
    """Whether the entry matches an admin's filter (e.g. [sync] userfilter); one base search."""
    return bool(d.search(dn, filter_text, ["1.1"], scope=BASE))


def find_users(d: Directory, patterns: list[str] | None = None, managed_only: bool = True) -> Iterator[User]:
    """Users matching any of the shell patterns (all when None), streamed with paged results."""
    s = d.settings
    name_filter = esc.any_pattern(s.userrdn, patterns)
    base_filter = "(objectClass=pkAccount)" if managed_only else f"({s.userrdn}=*)"
    wanted = esc.matcher(patterns)
    for dn, entry in search_paged_fast(d, s.userbase, esc.all_of(base_filter, name_filter), user_attributes(d)):
        user = user_from_entry(d, dn, entry)
        if wanted(user.name):
            yield user


def attach_user(d: Directory, name: str, limit_by: str = "quota", balance: int = 0, overcharge: int = 1000,
                description: str | None = None) -> User:
    """Make a user managed: pkAccount on the existing entry (newuser: attach), or a new entry under
    userbase (newuser: below)."""
    s = d.settings
    pk_values = account_values(limit_by, balance, 0, overcharge, description)
    new_entry = ((d.dn(s.userrdn, name, s.userbase), ["account", "pkAccount"], {s.userrdn: name, **pk_values})
                 if s.newuser == "below" else None)
    _attach_or_add(d, "user", name, get_user(d, name), "pkAccount", pk_values, s.userbase, new_entry)
    return written(get_user(d, name), f"user {name}")


def detach_user(d: Directory, user: User) -> None:
    """Remove pkAccount and its attributes in one modify; the organisation's entry itself stays."""
    entry = d.read(user.dn, ["objectClass"] + DETACHED_ATTRS) or {}
    changes: dict[str, Sequence[tuple[str, Sequence[object]]]] = {"objectClass": [(MODIFY_DELETE, ["pkAccount"])]}
    for attr in DETACHED_ATTRS:
        if values(entry, attr):
            changes[attr] = [(MODIFY_DELETE, [])]
    classes = {c.lower() for c in values(entry, "objectClass")}
    if classes <= {"account", "pkaccount", "top"}:
        d.delete(user.dn)            # an entry we created ourselves (newuser: below)
    else:
        d.modify(user.dn, changes)


def set_user_fields(d: Writer, user: User, **fields: object) -> None:
    """limit_by, overcharge, description: plain values (never counters)."""
    mapping = {"limit_by": "pkLimitBy", "overcharge": "pkOverCharge", "description": "description"}
    d.replace(user.dn, {mapping[k]: v for k, v in fields.items()})


def change_balance(d: Directory, user: User, delta: int, paid: bool = True,
                   floor: int | None = None) -> int:
    """Add delta (thousandths, may be negative) to the balance atomically; returns the new balance.

    paid: also add it to pkLifeTimePaid (money paid in by an admin, not a charge).
    floor: refuse (AssertionFailed) when the balance would go below it: the check and the
    debit are one server-side step, so concurrent jobs cannot overspend.
    """
    deltas: dict[str, int] = {"pkBalance": delta}
    if paid:
        deltas["pkLifeTimePaid"] = delta
    assertion = f"(pkBalance>={floor - delta})" if floor is not None else None
    return d.increment(user.dn, deltas, assertion=assertion)["pkBalance"]


# -- groups ------------------------------------------------------------------------------------

def _member_attr(d: Directory) -> str:
    return d.settings.groupmembers


def _members_to_names(d: Directory, raw: list[str]) -> list[str]:
    """memberUid values are names; member / uniqueMember DNs are turned into user names."""
    if _member_attr(d).lower() == "memberuid":
        return [str(v) for v in raw]
    s = d.settings
    names: list[str] = []
    unresolved: list[str] = []
    userbase = s.userbase.lower().replace(", ", ",")
    for dn in raw:
        try:
            attr, value, parent = esc.rdn_value(dn)
        except Exception:  # a malformed DN in a member value is skipped, not fatal
            continue
        if attr.lower() == s.userrdn.lower() and parent.lower() == userbase:
            names.append(value)
        else:
            unresolved.append(dn)
    for dn in unresolved:      # rare: users outside userbase or named by another attribute
        name = first(d.read(dn, [s.userrdn]) or {}, s.userrdn)
        if name:
            names.append(name)
    return names


def group_from_entry(d: Directory, dn: str, entry: Attributes, with_members: bool = True) -> Group:
    s = d.settings
    classes = {c.lower() for c in values(entry, "objectClass")}
    members = _members_to_names(d, values(entry, _member_attr(d))) if with_members else []
    return Group(name=first(entry, s.grouprdn, ""), dn=dn, managed="pkgroup" in classes,
                 limit_by=(first(entry, "pkLimitBy") or "quota").lower(),
                 description=first(entry, "description"), members=members)


def group_attributes(d: Directory, with_members: bool = True) -> list[str]:
    attrs = ["objectClass", "pkLimitBy", "description", d.settings.grouprdn]
    return attrs + [_member_attr(d)] if with_members else attrs


def get_group(d: Directory, name: str) -> Group | None:
    s = d.settings
    found = d.search(s.groupbase, esc.eq(s.grouprdn, name), group_attributes(d), size_limit=2)
    return group_from_entry(d, *found[0]) if found else None


def group_members(d: Directory, group: Group) -> list[str]:
    """The members' names of one group, read when needed (a big group holds thousands)."""
    return _members_to_names(d, values(d.read(group.dn, [_member_attr(d)]) or {}, _member_attr(d)))


def find_groups(d: Directory, patterns: list[str] | None = None, managed_only: bool = True,
                with_members: bool = True) -> Iterator[Group]:
    s = d.settings
    name_filter = esc.any_pattern(s.grouprdn, patterns)
    base_filter = "(objectClass=pkGroup)" if managed_only else f"({s.grouprdn}=*)"
    wanted = esc.matcher(patterns)
    for dn, entry in search_paged_fast(d, s.groupbase, esc.all_of(base_filter, name_filter),
                                       group_attributes(d, with_members)):
        group = group_from_entry(d, dn, entry, with_members)
        if wanted(group.name):
            yield group


def membership_value(d: Directory, user: User) -> str:
    """What the group entries hold for this user: the name, or the DN."""
    return user.name if _member_attr(d).lower() == "memberuid" else user.dn


def user_groups(d: Directory, user: User, managed_only: bool = True, with_members: bool = False) -> list[Group]:
    """Groups that list the user as a member; one search."""
    s = d.settings
    flt = esc.all_of("(objectClass=pkGroup)" if managed_only else "",
                     esc.eq(_member_attr(d), membership_value(d, user)))
    return [group_from_entry(d, dn, entry, with_members)
            for dn, entry in d.search(s.groupbase, flt, group_attributes(d, with_members))]


def groups_listing(d: Directory, user: User, names: Sequence[str]) -> list[str]:
    """The groups among these names that list the user, members compared as pksync compares
    them: memberUid without case (its equality is case-exact: 'ALICE' lists alice for pksync).
    One search of those groups, their members not read."""
    if not names:
        return []
    attr, s = _member_attr(d), d.settings
    if attr.lower() == "memberuid":
        member = f"(|{esc.eq(attr, user.name)}({attr}:caseIgnoreIA5Match:={esc.filter_value(user.name)}))"
    else:
        member = esc.eq(attr, user.dn)
    return [first(entry, s.grouprdn, "") for _, entry in
            d.search(s.groupbase, esc.all_of(esc.any_of(s.grouprdn, names), member), [s.grouprdn])]


def attach_group(d: Directory, name: str, limit_by: str = "quota", description: str | None = None) -> Group:
    """Make a group managed: pkGroup on the existing entry (newgroup: attach), or a new entry under
    groupbase (newgroup: below)."""
    s = d.settings
    pk_values: dict[str, object] = {"pkLimitBy": limit_by}
    if description:
        pk_values["description"] = description
    # groupOfNames needs a member; posixGroup needs a gidNumber we cannot choose: a bare
    # extensible entry would be wrong, so 'below' groups are posixGroups with gidNumber 0.
    new_entry = ((d.dn(s.grouprdn, name, s.groupbase), ["posixGroup", "pkGroup"],
                  {s.grouprdn: name, "gidNumber": 0, **pk_values}) if s.newgroup == "below" else None)
    _attach_or_add(d, "group", name, get_group(d, name), "pkGroup", pk_values, s.groupbase, new_entry)
    return written(get_group(d, name), f"group {name}")


def detach_group(d: Directory, group: Group) -> None:
    entry = d.read(group.dn, ["pkLimitBy"]) or {}
    changes: dict[str, Sequence[tuple[str, Sequence[object]]]] = {"objectClass": [(MODIFY_DELETE, ["pkGroup"])]}
    if values(entry, "pkLimitBy"):
        changes["pkLimitBy"] = [(MODIFY_DELETE, [])]
    d.modify(group.dn, changes)


def add_member(d: Directory, group: Group, user: User) -> bool:
    """Add the user to the group entry; False when already a member. Atomic: no list rewrite."""
    try:
        d.add_values(group.dn, _member_attr(d), [membership_value(d, user)])
        return True
    except DirectoryError as exc:
        if "attributeOrValueExists" in str(exc) or "already exists" in str(exc).lower():
            return False
        raise


def remove_member(d: Directory, group: Group, user: User) -> bool:
    try:
        d.delete_values(group.dn, _member_attr(d), [membership_value(d, user)])
        return True
    except DirectoryError as exc:
        if "noSuchAttribute" in str(exc) or isinstance(exc, NotFound):
            return False
        raise


def sum_balances(d: Directory, names: list[str]) -> int:
    """Sum of the members' balances (balance-limited groups), paged OR searches."""
    s = d.settings
    total = 0
    for chunk in _chunks(names, 500):
        flt = esc.all_of("(objectClass=pkAccount)", esc.any_of(s.userrdn, chunk))
        for _, entry in d.search_paged(s.userbase, flt, ["pkBalance"]):
            total += first_int(entry, "pkBalance", 0)
    return total


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- admin commands (pkusers) ------------------------------------------------------------------

def set_user_mail(d: Directory, user: User, mail: str | None) -> None:
    """The e-mail lives on the organisation's entry, in the `usermail` attribute."""
    d.replace(user.dn, {d.settings.usermail: mail})


def set_balance(d: Directory, user: User, target: int, attempts: int = 10) -> int:
    """Make the balance `target` without losing a concurrent charge; returns the change applied.

    The difference from the value read is applied as a Modify-Increment guarded by an assertion
    that the balance is still that value; if a job was charged in between, read again and retry.
    """
    for _ in range(attempts):
        entry = d.read(user.dn, ["pkBalance"]) or {}
        current = first_int(entry, "pkBalance", 0)
        delta = target - current
        if delta == 0:
            return 0
        try:
            d.increment(user.dn, {"pkBalance": delta, "pkLifeTimePaid": delta},
                        assertion=f"(pkBalance={current})")
            return delta
        except AssertionFailed:
            continue
    raise DirectoryError(f"the balance of {user.name} kept changing: try again")


def set_group_fields(d: Directory, group: Group, **fields: object) -> None:
    """limit_by, description on a managed group entry."""
    mapping = {"limit_by": "pkLimitBy", "description": "description"}
    d.replace(group.dn, {mapping[k]: v for k, v in fields.items()})


def user_dn_for(d: Directory, name: str) -> str:
    """The DN a user of userbase has (for reports: no search needed)."""
    return d.dn(d.settings.userrdn, name, d.settings.userbase)


def account_totals(d: Directory) -> dict[str, tuple[int, int]]:
    """name (lower case) -> (balance, lifetime paid) of every managed user; one paged search.
    Group balances in reports are sums over members: read everyone once, not once per group."""
    s = d.settings
    totals: dict[str, tuple[int, int]] = {}
    for _, entry in d.search_paged(s.userbase, "(objectClass=pkAccount)", [s.userrdn, "pkBalance", "pkLifeTimePaid"]):
        name = first(entry, s.userrdn)
        if name:
            totals[name.lower()] = (first_int(entry, "pkBalance", 0), first_int(entry, "pkLifeTimePaid", 0))
    return totals
