"""The provisioning rules of pykota.conf: [sync] and one [sync:<group>] section per group.

Pure: sections come in as dicts (Config.section), a SyncRules object comes out, and every
mistake is a SyncRuleError naming the file, the section, the key and the form expected.

    [sync]
    userfilter: (objectClass=posixAccount)   # who is managed, under userbase
    printers: *                               # names, wildcards or printer groups
    quotaentries: firstjob                    # or upfront: when their quota entries are written
    limitby: noquota                          # defaults for managed users in no ruled group

    [sync:eleves]
    limitby: quota
    softlimit: 100
    hardlimit: 120

A key a group rule leaves out is taken from [sync]. A user in several ruled groups gets, for each
setting, the most generous value among those rules (`most_generous`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from .. import money
from ..config_errors import ConfigError
from ..model import LIMIT_MODES

if TYPE_CHECKING:
    from ..config import Config

SECTION = "sync"
GROUP_PREFIX = "sync:"
PERIODS = ("daily", "weekly", "monthly")
PERIODS_PER_YEAR = {"daily": 365, "weekly": 52, "monthly": 12}
RULE_KEYS = ("limitby", "softlimit", "hardlimit", "initialbalance", "allocate")
GLOBAL_KEYS = ("userfilter", "printers", "quotaentries") + RULE_KEYS
DEFAULT_USERFILTER = "(objectClass=posixAccount)"
# When the quota entries of the sync printers are written: at the user's first job on the
# printer (by the backend, from the rule), or all of them by pksync (docs/sync.md).
FIRSTJOB, UPFRONT = "firstjob", "upfront"
QUOTA_ENTRIES = (FIRSTJOB, UPFRONT)

# From the least to the most generous: noprint refuses everything, nochange does not even count.
LIMITBY_GENEROSITY = ("noprint", "quota", "balance", "noquota", "nochange")
assert set(LIMITBY_GENEROSITY) == set(LIMIT_MODES)

_INLINE_COMMENT = re.compile(r"\s+[#;].*$")
_ALLOCATE = re.compile(r"^(?P<period>\w+)\s+(?P<amount>\S+)(?:\s+max\s+(?P<cap>\S+))?$", re.IGNORECASE)


class SyncRuleError(ConfigError):
    """A [sync] or [sync:<group>] section holds a bad value."""


@dataclass(frozen=True)
class Allocation:
    """`allocate: weekly 10.0 max 100.0`: a credit once per period, never above the cap."""

    period: str                     # daily, weekly or monthly
    amount: int                     # thousandths
    cap: int | None = None          # thousandths; None: no cap

    @property
    def per_year(self) -> int:
        return self.amount * PERIODS_PER_YEAR[self.period]

    def describe(self) -> str:
        cap = f" max {money.format(self.cap)}" if self.cap is not None else ""
        return f"{self.period} {money.format(self.amount)}{cap}"


@dataclass(frozen=True)
class Rule:
    """What a managed user gets. Limits of None mean no limit."""

    name: str                       # the group, or "" for the [sync] defaults
    limit_by: str = "noquota"
    soft_limit: int | None = None
    hard_limit: int | None = None
    initial_balance: int = 0        # thousandths, given once when the account is attached
    allocation: Allocation | None = None

    @property
    def label(self) -> str:
        return self.name or "defaults"


@dataclass(frozen=True)
class SyncRules:
    userfilter: str
    printers: tuple[str, ...]       # patterns
    defaults: Rule
    groups: dict[str, Rule]         # by group name, lower case
    where: str = "pykota.conf"      # the file, for messages
    quota_entries: str = FIRSTJOB   # firstjob: the backend creates them; upfront: pksync does

    @property
    def upfront(self) -> bool:
        return self.quota_entries == UPFRONT

    def bad_userfilter(self, reason: str) -> SyncRuleError:
        return SyncRuleError(f"{self.where} [sync]: userfilter: expected a valid LDAP filter ({reason}), "
                             f"got '{self.userfilter}'")

    def rule_for(self, group_names: Iterable[str]) -> Rule:
        """The rule of a user in these groups: the most generous of their rules, or the defaults."""
        found = [self.groups[g.lower()] for g in group_names if g.lower() in self.groups]
        return most_generous(found) if found else self.defaults


# -- merging -----------------------------------------------------------------------------------

def _higher_limit(a: int | None, b: int | None) -> int | None:
    """None is no limit, the most generous of all."""
    return None if a is None or b is None else max(a, b)


def _better_allocation(a: Allocation | None, b: Allocation | None) -> Allocation | None:
    """The one that credits more over a year; on a tie, the higher cap (None: no cap)."""
    if a is None or b is None:
        return a or b

    def key(alloc: Allocation) -> tuple[int, float]:
        return alloc.per_year, float("inf") if alloc.cap is None else alloc.cap

    return a if key(a) >= key(b) else b


def most_generous(rules: list[Rule]) -> Rule:
    """Setting by setting, the most generous value among the rules (their order does not matter)."""
    ordered = sorted(rules, key=lambda r: r.name.lower())
    merged = ordered[0]
    for rule in ordered[1:]:
        merged = Rule(
            name=f"{merged.name}+{rule.name}",
            limit_by=max(merged.limit_by, rule.limit_by, key=LIMITBY_GENEROSITY.index),
            soft_limit=_higher_limit(merged.soft_limit, rule.soft_limit),
            hard_limit=_higher_limit(merged.hard_limit, rule.hard_limit),
            initial_balance=max(merged.initial_balance, rule.initial_balance),
            allocation=_better_allocation(merged.allocation, rule.allocation))
    return merged


# -- parsing -----------------------------------------------------------------------------------

def _clean(value: str) -> str:
    """Values may carry a trailing '# comment' (the INI reader keeps it)."""
    return _INLINE_COMMENT.sub("", value).strip()


class _Section:
    def __init__(self, where: str, section: str, values: dict[str, str]):
        self.where, self.section = where, section
        self.values = {k.lower(): _clean(v) for k, v in values.items()}

    def bad(self, key: str, form: str, value: str | None = None) -> SyncRuleError:
        got = f", got '{value}'" if value is not None else ""
        return SyncRuleError(f"{self.where} [{self.section}]: {key}: expected {form}{got}")

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.values:
            if key not in allowed:
                raise SyncRuleError(f"{self.where} [{self.section}]: unknown key '{key}' "
                                    f"(expected one of {', '.join(allowed)})")

    def get(self, key: str) -> str | None:
        value = self.values.get(key)
        return value if value else None

    def pages(self, key: str) -> int | None:
        value = self.get(key)
        if value is None or value.lower() in ("none", "unlimited"):
            return None
        if not value.isdigit():
            raise self.bad(key, "a whole number of pages, or none", value)
        return int(value)

    def amount(self, key: str, text: str | None = None, form: str | None = None) -> int:
        value = text if text is not None else self.get(key)
        try:
            milli = money.parse(value or "")
        except ValueError:
            milli = -1
        if milli < 0:
            raise self.bad(key, form or "an amount such as 10.0 (not negative)", value)
        return milli


def _one_filter(text: str) -> bool:
    """One parenthesised filter, balanced (literal parentheses in values are escaped as \\28 \\29)."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0 or (depth == 0 and index != len(text) - 1):
            return False
    return text.startswith("(") and depth == 0


def _allocation(section: _Section) -> Allocation | None:
    value = section.get("allocate")
    if value is None or value.lower() == "none":
        return None
    form = "daily|weekly|monthly AMOUNT [max CAP], e.g. 'weekly 10.0 max 100.0'"
    match = _ALLOCATE.match(value)
    if not match or match["period"].lower() not in PERIODS:
        raise section.bad("allocate", form, value)
    amount = section.amount("allocate", match["amount"], form)
    cap = section.amount("allocate", match["cap"], form) if match["cap"] else None
    if amount == 0:
        raise section.bad("allocate", "an amount above 0 (" + form + ")", value)
    return Allocation(match["period"].lower(), amount, cap)


def _rule(section: _Section, name: str, base: Rule) -> Rule:
    limit_by = (section.get("limitby") or base.limit_by).lower()
    if limit_by not in LIMIT_MODES:
        raise section.bad("limitby", "one of " + ", ".join(LIMIT_MODES), section.get("limitby"))
    soft = section.pages("softlimit") if "softlimit" in section.values else base.soft_limit
    hard = section.pages("hardlimit") if "hardlimit" in section.values else base.hard_limit
    if soft is not None and hard is not None and hard < soft:
        raise section.bad("hardlimit", f"a number >= softlimit ({soft})", str(hard))
    initial = section.amount("initialbalance") if section.get("initialbalance") else base.initial_balance
    allocation = _allocation(section) if "allocate" in section.values else base.allocation
    return Rule(name, limit_by, soft, hard, initial, allocation)


def parse_rules(sections: dict[str, dict[str, str]], where: str = "pykota.conf") -> SyncRules:
    """sections: every [sync] / [sync:*] section by name (others are ignored)."""
    main = _Section(where, SECTION, sections.get(SECTION) or {})
    main.check_keys(GLOBAL_KEYS)
    userfilter = main.get("userfilter") or DEFAULT_USERFILTER
    if not _one_filter(userfilter):
        raise main.bad("userfilter", "an LDAP filter in parentheses, e.g. (objectClass=posixAccount)", userfilter)
    printers = tuple(p for p in re.split(r"[\s,]+", main.get("printers") or "*") if p)
    quota_entries = (main.get("quotaentries") or FIRSTJOB).lower()
    if quota_entries not in QUOTA_ENTRIES:
        raise main.bad("quotaentries", " or ".join(QUOTA_ENTRIES), main.get("quotaentries"))
    defaults = _rule(main, "", Rule(""))

    groups: dict[str, Rule] = {}
    for name, values in sections.items():
        if not name.lower().startswith(GROUP_PREFIX):
            continue
        group = name[len(GROUP_PREFIX):].strip()
        if not group:
            raise SyncRuleError(f"{where} [{name}]: a rule section needs a group name, e.g. [sync:eleves]")
        section = _Section(where, name, values)
        section.check_keys(RULE_KEYS)
        groups[group.lower()] = _rule(section, group, replace(defaults, name=group))
    return SyncRules(userfilter, printers, defaults, groups, where, quota_entries)


def rules_from_config(config: Config) -> SyncRules:
    """The rules of a Config (pykota.conf); a missing [sync] section means all the defaults."""
    names = [n for n in config.sections() if n.lower() == SECTION or n.lower().startswith(GROUP_PREFIX)]
    return parse_rules({n if n.lower() != SECTION else SECTION: config.section(n) or {} for n in names},
                       str(config.path))


def firstjob_rules(config: Config | None) -> SyncRules | None:
    """The rules when quota entries are written at the first job (the backend, the listings);
    None without a [sync] section (the site does not provision) or with quotaentries: upfront."""
    if config is None or not any(name.lower() == SECTION for name in config.sections()):
        return None
    rules = rules_from_config(config)
    return None if rules.upfront else rules
