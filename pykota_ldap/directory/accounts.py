"""Users and groups: the organisation's own entries, with pkAccount / pkGroup attached.

Nothing here copies a user or a membership: names and members are read from the entries that
account provisioning maintains (posixAccount / posixGroup, or groupOfNames with `member`).
"""
from __future__ import annotations

from typing import Iterator

from ldap3 import MODIFY_ADD, MODIFY_DELETE

from ..model import Group, User
from . import escaping as esc
from .core import Directory, first, values
from .errors import AlreadyExists, DirectoryError, NotFound
from .records import USER_ATTRS, user_from

PK_ACCOUNT_ATTRS = ["pkLimitBy", "pkBalance", "pkLifeTimePaid", "pkOverCharge"]


# -- users -------------------------------------------------------------------------------------

def _user_attrs(d: Directory) -> list[str]:
    return USER_ATTRS + [d.settings.userrdn, d.settings.usermail]


def _user_from_entry(d: Directory, dn: str, entry: dict) -> User:
    return user_from(dn, first(entry, d.settings.userrdn), entry, d.settings.usermail)


def get_user(d: Directory, name: str) -> User | None:
    """The user entry called `name` (managed or not); one search."""
    s = d.settings
    found = d.search(s.userbase, esc.eq(s.userrdn, name), _user_attrs(d), size_limit=2)
    return _user_from_entry(d, *found[0]) if found else None


def find_users(d: Directory, patterns: list[str] | None = None, managed_only: bool = True) -> Iterator[User]:
    """Users matching any of the shell patterns (all when None), streamed with paged results."""
    s = d.settings
    name_filter = esc.any_pattern(s.userrdn, patterns)
    base_filter = "(objectClass=pkAccount)" if managed_only else f"({s.userrdn}=*)"
    for dn, entry in d.search_paged(s.userbase, esc.all_of(base_filter, name_filter), _user_attrs(d)):
        user = _user_from_entry(d, dn, entry)
        if not patterns or any(esc.matches(user.name, p) for p in patterns):
            yield user


def attach_user(d: Directory, name: str, limit_by: str = "quota", balance: int = 0, overcharge: int = 1000,
                description: str | None = None) -> User:
    """Make a user managed: pkAccount on the existing entry (newuser: attach), or a new entry under
    userbase (newuser: below). Counters start at 0 so that Modify-Increment works on them."""
    s = d.settings
    pk_values = {"pkLimitBy": limit_by, "pkBalance": balance, "pkLifeTimePaid": 0, "pkOverCharge": overcharge}
    if description:
        pk_values["description"] = description
    user = get_user(d, name)
    if user is None:
        if s.newuser != "below":
            raise NotFound(f"user {name} is not in the directory under {s.userbase} (newuser: attach)")
        dn = d.dn(s.userrdn, name, s.userbase)
        d.add(dn, ["account", "pkAccount"], {s.userrdn: name, **pk_values})
        return get_user(d, name)
    if user.managed:
        raise AlreadyExists(f"user {name} is already managed")
    _attach_class(d, user.dn, "pkAccount", pk_values)
    return get_user(d, name)


def _attach_class(d: Directory, dn: str, object_class: str, pk_values: dict) -> None:
    """One modify, guarded by the class being absent: the auxiliary class and its values (the
    counters at 0) appear together or not at all, and two attaches at once cannot both pass."""
    changes = {"objectClass": [(MODIFY_ADD, [object_class])]}
    changes.update({attr: [(MODIFY_ADD, [value])] for attr, value in pk_values.items()})
    d.modify(dn, changes, assertion=f"(!(objectClass={object_class}))")


def detach_user(d: Directory, user: User) -> None:
    """Remove pkAccount and its attributes; the organisation's entry itself stays."""
    entry = d.read(user.dn, ["objectClass"] + PK_ACCOUNT_ATTRS + ["description"]) or {}
    changes = {"objectClass": [(MODIFY_DELETE, ["pkAccount"])]}
    for attr in PK_ACCOUNT_ATTRS:
        if values(entry, attr):
            changes[attr] = [(MODIFY_DELETE, [])]
    classes = {c.lower() for c in values(entry, "objectClass")}
    if classes <= {"account", "pkaccount", "top"}:
        d.delete(user.dn)            # an entry we created ourselves (newuser: below)
    else:
        d.modify(user.dn, changes)


def set_user_fields(d: Directory, user: User, **fields) -> None:
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
    deltas = {"pkBalance": delta}
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
    names, unresolved = [], []
    userbase = s.userbase.lower().replace(", ", ",")
    for dn in raw:
        try:
            attr, value, parent = esc.rdn_value(str(dn))
        except Exception:  # a malformed DN in a member value is skipped, not fatal
            continue
        if attr.lower() == s.userrdn.lower() and parent.lower() == userbase:
            names.append(value)
        else:
            unresolved.append(str(dn))
    for dn in unresolved:      # rare: users outside userbase or named by another attribute
        entry = d.read(dn, [s.userrdn])
        if entry and first(entry, s.userrdn):
            names.append(first(entry, s.userrdn))
    return names


def _group_from(d: Directory, dn: str, entry: dict, with_members: bool = True) -> Group:
    s = d.settings
    classes = {str(c).lower() for c in values(entry, "objectClass")}
    members = _members_to_names(d, values(entry, _member_attr(d))) if with_members else []
    return Group(name=first(entry, s.grouprdn), dn=dn, managed="pkgroup" in classes,
                 limit_by=(first(entry, "pkLimitBy") or "quota").lower(),
                 description=first(entry, "description"), members=members)


def _group_attrs(d: Directory, with_members: bool = True) -> list[str]:
    attrs = ["objectClass", "pkLimitBy", "description", d.settings.grouprdn]
    return attrs + [_member_attr(d)] if with_members else attrs


def get_group(d: Directory, name: str) -> Group | None:
    s = d.settings
    found = d.search(s.groupbase, esc.eq(s.grouprdn, name), _group_attrs(d), size_limit=2)
    return _group_from(d, *found[0]) if found else None


def find_groups(d: Directory, patterns: list[str] | None = None, managed_only: bool = True,
                with_members: bool = True) -> Iterator[Group]:
    s = d.settings
    name_filter = esc.any_pattern(s.grouprdn, patterns)
    base_filter = "(objectClass=pkGroup)" if managed_only else f"({s.grouprdn}=*)"
    for dn, entry in d.search_paged(s.groupbase, esc.all_of(base_filter, name_filter),
                                    _group_attrs(d, with_members)):
        group = _group_from(d, dn, entry, with_members)
        if not patterns or any(esc.matches(group.name, p) for p in patterns):
            yield group


def membership_value(d: Directory, user: User) -> str:
    """What the group entries hold for this user: the name, or the DN."""
    return user.name if _member_attr(d).lower() == "memberuid" else user.dn


def user_groups(d: Directory, user: User, managed_only: bool = True, with_members: bool = False) -> list[Group]:
    """Groups that list the user as a member; one search."""
    s = d.settings
    flt = esc.all_of("(objectClass=pkGroup)" if managed_only else "",
                     esc.eq(_member_attr(d), membership_value(d, user)))
    return [_group_from(d, dn, entry, with_members)
            for dn, entry in d.search(s.groupbase, flt, _group_attrs(d, with_members))]


def attach_group(d: Directory, name: str, limit_by: str = "quota", description: str | None = None) -> Group:
    s = d.settings
    pk_values = {"pkLimitBy": limit_by}
    if description:
        pk_values["description"] = description
    group = get_group(d, name)
    if group is None:
        if s.newgroup != "below":
            raise NotFound(f"group {name} is not in the directory under {s.groupbase} (newgroup: attach)")
        dn = d.dn(s.grouprdn, name, s.groupbase)
        # groupOfNames needs a member; posixGroup needs a gidNumber we cannot choose: a bare
        # extensible entry would be wrong, so 'below' groups are posixGroups with gidNumber 0.
        d.add(dn, ["posixGroup", "pkGroup"], {s.grouprdn: name, "gidNumber": 0, **pk_values})
        return get_group(d, name)
    if group.managed:
        raise AlreadyExists(f"group {name} is already managed")
    _attach_class(d, group.dn, "pkGroup", pk_values)
    return get_group(d, name)


def detach_group(d: Directory, group: Group) -> None:
    entry = d.read(group.dn, ["pkLimitBy"]) or {}
    changes = {"objectClass": [(MODIFY_DELETE, ["pkGroup"])]}
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
            total += int(first(entry, "pkBalance", 0))
    return total


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- admin commands (pkusers) ------------------------------------------------------------------

from .errors import AssertionFailed  # noqa: E402

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
        current = int(first(entry, "pkBalance", 0))
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


def set_group_fields(d: Directory, group: Group, **fields) -> None:
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
    totals = {}
    for _, entry in d.search_paged(s.userbase, "(objectClass=pkAccount)", [s.userrdn, "pkBalance", "pkLifeTimePaid"]):
        name = first(entry, s.userrdn)
        if name:
            totals[str(name).lower()] = (int(first(entry, "pkBalance", 0)), int(first(entry, "pkLifeTimePaid", 0)))
    return totals
