"""The only package that speaks LDAP. See core.Directory for the connection and the operations,
and the area modules (accounts, printers, quotas, history, jobcontext) for what they mean."""
from ..config import Config
from .core import Directory
from .errors import (
    AccessDenied,
    AlreadyExists,
    AssertionFailed,
    DirectoryError,
    DirectoryUnavailable,
    NotFound,
    PermissionDenied,
    ReadOnly,
    SchemaMissing,
)


def open_directory(config: Config, admin: bool | None = None) -> Directory:
    """Connect and bind: as the admin when pykotadmin.conf was readable (or admin=True)."""
    return Directory(config.ldap(admin)).connect()


__all__ = ["Directory", "open_directory", "DirectoryError", "DirectoryUnavailable", "NotFound", "AlreadyExists",
           "AssertionFailed", "AccessDenied", "PermissionDenied", "ReadOnly", "SchemaMissing"]
