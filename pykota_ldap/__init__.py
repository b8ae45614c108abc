"""pykota-ldap: print quota and accounting for CUPS, with its data in LDAP."""

__version__ = "0.1.0"
