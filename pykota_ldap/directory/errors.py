"""Errors raised by the directory layer; each str() is one line a user can act on."""


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
