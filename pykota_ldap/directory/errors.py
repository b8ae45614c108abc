"""Errors raised by the directory layer; each str() is one line a user can act on.

error_for is the one place where an LDAP result becomes an error: a refusal by the ACL is
named as one (which account, what it tried, on which entry), never as an outage or a missing
schema, and an answer cut by the server's size limit is never taken for the whole answer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping


class DirectoryError(Exception):
    """Something went wrong talking to the directory."""


class DirectoryUnavailable(DirectoryError):
    """No server in storageserver answered (or the bind failed for network reasons)."""


class NotFound(DirectoryError):
    """The entry (or the base it should be under) does not exist."""


class AlreadyExists(DirectoryError):
    """An entry with that DN exists already."""


class AssertionFailed(DirectoryError):
    """A guarded write was refused because its condition no longer held (RFC 4528)."""


class AccessDenied(DirectoryError):
    """The bind DN may not do this (ACLs), or the credentials are wrong."""


class PermissionDenied(AccessDenied):
    """The ACL in force does not let the bound account make this change: the directory's access
    rules need fixing (pkdoctor names them), the server itself is fine."""


class ReadOnly(DirectoryError):
    """A write on a read-only connection (the users' query service never changes anything)."""


class SchemaMissing(DirectoryError):
    """The server does not know the pykota-ldap schema."""


@dataclass(frozen=True)
class Attempt:
    """An operation as its error names it: `what` ("modifying uid=alice,..."), and for a refusal,
    the account that asked ("the service account cn=pykota,...") and what it tried ("write
    pkBalance, pkAppliedCharge on uid=alice,...")."""

    what: str
    account: str = ""
    tried: str = ""


def account_name(bind_dn: str | None, is_admin: bool) -> str:
    """How messages name the bound account."""
    if not bind_dn:
        return "the bind without a DN (anonymous or SASL EXTERNAL)"
    return f"the service account {bind_dn}" if is_admin else f"the account {bind_dn}"


def _refused(attempt: Attempt, message: str) -> PermissionDenied:
    detail = f" ({message})" if message else ""
    if attempt.account and attempt.tried:
        return PermissionDenied(f"{attempt.account} may not {attempt.tried}{detail}: "
                                "see the ACL (pkdoctor checks it)")
    return PermissionDenied(f"{attempt.what}: refused by the ACL{detail}: see the ACL (pkdoctor checks it)")


def _size_limited(attempt: Attempt) -> DirectoryError:
    who = attempt.account or "the bound account"
    return DirectoryError(f"{attempt.what}: the server's size limit cut the answer short: {who} needs "
                          "no limit (olcLimits ... size=unlimited, see pykota-ldap-acl.ldif)")


def error_for(result: Mapping[str, Any], what: str | Attempt) -> DirectoryError:
    """The error an LDAP result stands for (an ldap3 result dict, or one read by directory.ber:
    result, description, message); `what` says which operation failed."""
    attempt = what if isinstance(what, Attempt) else Attempt(what)
    code = result.get("result")
    description = result.get("description")
    message = result.get("message") or ""
    text = f"{attempt.what}: {description}" + (f" ({message})" if message and message != description else "")
    if code == 32:
        return NotFound(text)
    if code == 68:
        return AlreadyExists(text)
    if code == 122:
        return AssertionFailed(text)
    if code == 50:
        return _refused(attempt, message)
    if code == 49:
        return AccessDenied(text)
    if code == 4:
        return _size_limited(attempt)
    if code == 17 or (code == 21 and "objectClass" in message):       # an attribute or class the server lacks
        return SchemaMissing(f"{text}: is the pykota-ldap schema loaded? (pkschema install)")
    if code in (51, 52, 53, 81):
        return DirectoryUnavailable(text)
    return DirectoryError(text)
