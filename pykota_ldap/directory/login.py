"""Checking a user's own password: an LDAP simple bind as the user's entry (pkweb's login).

The DN is the one the directory gave for the user (accounts.get_user, an escaped filter), never
one built from what was typed. An empty password is refused here: LDAP takes a simple bind
with a DN and no password as an anonymous bind (RFC 4513 5.1.2) and would answer "success".
The bind goes to the servers of `storageserver`, with the same TLS settings as every other
connection, on a connection of its own that is closed at once. ldap3 prepares the password
with SASLprep (RFC 4013) and refuses one holding control or private-use characters before
sending it: no entry can have that password, so it is a wrong one (not a directory that does
not answer).
"""
from __future__ import annotations

from dataclasses import replace

from ldap3.core.exceptions import LDAPSASLPrepError
from ldap3.protocol.sasl.sasl import sasl_prep

from ..config import LDAPSettings
from .core import Directory
from .errors import AccessDenied


def password_is_right(settings: LDAPSettings, user_dn: str, password: str) -> bool:
    """True when the directory accepts `password` for `user_dn`; DirectoryUnavailable when no
    server answers (the caller must not read that as a wrong password)."""
    if not password or not user_dn:
        return False
    try:
        sasl_prep(password)
    except LDAPSASLPrepError:
        return False
    attempt = Directory(replace(settings, bind_dn=user_dn, bind_password=password, is_admin=False), read_only=True)
    try:
        attempt.connect()
    except AccessDenied:
        return False
    attempt.close()
    return True
