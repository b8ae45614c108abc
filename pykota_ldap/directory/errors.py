"""Errors raised by the directory layer; each str() is one line a user can act on."""
from __future__ import annotations

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


class SchemaMissing(DirectoryError):
    """The server does not know the pykota-ldap schema."""


def error_for(result: Mapping[str, Any], what: str) -> DirectoryError:
    """The error an LDAP result stands for (an ldap3 result dict, or one read by directory.ber:
    result, description, message); `what` says which operation failed."""
    code = result.get("result")
    description = result.get("description")
    message = result.get("message") or description or ""
    text = f"{what}: {description}" + (f" ({message})" if message and message != description else "")
    if code == 32:
        return NotFound(text)
    if code == 68:
        return AlreadyExists(text)
    if code == 122:
        return AssertionFailed(text)
    if code in (49, 50):
        return AccessDenied(text)
    if code == 17 or (code in (21, 65) and "pk" in message):
        return SchemaMissing(f"{text}: is the pykota-ldap schema loaded? (pkschema install)")
    if code in (51, 52, 53, 81):
        return DirectoryUnavailable(text)
    return DirectoryError(text)
