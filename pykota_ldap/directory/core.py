"""The connection to the directory and the handful of LDAP operations everything else uses.

- Failover: the URIs of `storageserver` are tried in order, each with a connect timeout.
- A dropped connection is reopened once and the operation retried, but only when repeating it
  cannot change the result twice (reads, adds, replaces, increments that carry a charge mark).
  A bare increment that failed in flight is reported, never blindly re-sent.
- Counters change only with Modify-Increment (RFC 4525); guarded writes use the Assertion
  control (RFC 4528); writes that matter are read back with the Post-Read control (RFC 4527).
- Every operation is counted in `operations`, so benchmarks and tests can say what a job costs.
"""
from __future__ import annotations

import ssl
import urllib.parse
from typing import Iterator

import ldap3
from ldap3 import BASE, MODIFY_ADD, MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE, SUBTREE
from ldap3.core import exceptions as lx
from ldap3.operation.search import compile_filter, parse_filter
from ldap3.protocol.controls import build_control
from ldap3.protocol.rfc4527 import post_read_control

from ..config import LDAPSettings
from .escaping import dn_value
from .errors import (AccessDenied, AlreadyExists, AssertionFailed, DirectoryError, DirectoryUnavailable,
                     NotFound, SchemaMissing)

# ldap3 otherwise refuses a server for 5 s after one failed connect: failover must not wait.
ldap3.set_config_parameter("RESET_AVAILABILITY_TIMEOUT", 0)

ASSERTION_OID = "1.3.6.1.1.12"
PAGE_SIZE = 500
DEFAULT_LDAPI_PATH = "/var/run/slapd/ldapi"     # Debian's slapd, for a bare ldapi:///

Entry = tuple[str, dict[str, list]]


def assertion_control(filter_text: str):
    """The RFC 4528 control: the server applies the operation only if the entry matches."""
    node = parse_filter(filter_text, None, True, True, None, False)
    return build_control(ASSERTION_OID, True, compile_filter(node.elements[0]))


def _raise_for(result: dict, what: str) -> None:
    code = result.get("result")
    message = result.get("message") or result.get("description") or ""
    text = f"{what}: {result.get('description')}" + (f" ({message})" if message and message != result.get("description") else "")
    if code == 32:
        raise NotFound(text)
    if code == 68:
        raise AlreadyExists(text)
    if code == 122:
        raise AssertionFailed(text)
    if code in (49, 50):
        raise AccessDenied(text)
    if code == 17 or (code in (21, 65) and "pk" in message):
        raise SchemaMissing(f"{text}: is the pykota-ldap schema loaded? (pkschema install)")
    if code in (51, 52, 53) or code == 81:
        raise DirectoryUnavailable(text)
    raise DirectoryError(text)


class Directory:
    """One bound connection to the first server of `storageserver` that answers."""

    def __init__(self, settings: LDAPSettings):
        self.settings = settings
        self.operations = 0
        self.server_uri: str | None = None
        self._conn: ldap3.Connection | None = None

    # -- connection ----------------------------------------------------------------------------
    def connect(self) -> "Directory":
        errors = []
        for uri in self.settings.uris:
            try:
                self._conn = self._open(uri)
                self.server_uri = uri
                return self
            except AccessDenied:
                raise
            except (lx.LDAPException, OSError) as exc:
                errors.append(f"{uri}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        raise DirectoryUnavailable("no LDAP server answered: " + "; ".join(errors))

    def _open(self, uri: str) -> ldap3.Connection:
        timeout = self.settings.timeout
        if uri.lower().rstrip("/") == "ldapi:":
            uri = "ldapi://" + urllib.parse.quote(DEFAULT_LDAPI_PATH, safe="")
        # ldap3 does not check certificates unless told to: always require a valid one.
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.settings.ca_file)
        server = ldap3.Server(uri, get_info=ldap3.NONE, connect_timeout=timeout, tls=tls)
        options = dict(receive_timeout=int(max(timeout, 10)),  # ldap3 packs it as an integer
                       raise_exceptions=False, auto_referrals=False,
                       return_empty_attributes=False)
        if self.settings.bind_dn:
            conn = ldap3.Connection(server, self.settings.bind_dn, self.settings.bind_password, **options)
        elif uri.lower().startswith("ldapi://"):
            conn = ldap3.Connection(server, authentication=ldap3.SASL, sasl_mechanism=ldap3.EXTERNAL,
                                    sasl_credentials="", **options)
        else:
            conn = ldap3.Connection(server, **options)
        conn.open()
        if self.settings.start_tls and not uri.lower().startswith(("ldaps://", "ldapi://")):
            if not conn.start_tls():
                conn.unbind()
                raise lx.LDAPStartTLSError(f"StartTLS refused: {conn.result.get('description')}")
        if not conn.bind():
            result = conn.result
            conn.unbind()
            if result.get("result") in (49, 50, 48):
                raise AccessDenied(f"bind as {self.settings.bind_dn or 'anonymous'} refused by {uri}: "
                                   f"{result.get('description')}")
            raise lx.LDAPBindError(f"bind failed: {result.get('description')}")
        return conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.unbind()
            except lx.LDAPException:
                pass
            self._conn = None

    def __enter__(self) -> "Directory":
        if self._conn is None:
            self.connect()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _run(self, operation, retry_safe: bool):
        """Run operation(conn); reopen once on a dropped connection when it is safe to repeat."""
        if self._conn is None:
            self.connect()
        self.operations += 1
        try:
            return operation(self._conn)
        except lx.LDAPCommunicationError as exc:
            if not retry_safe:
                self._conn = None
                raise DirectoryUnavailable(f"connection to {self.server_uri} lost: {exc}") from None
        except lx.LDAPResponseTimeoutError as exc:
            self._conn = None
            raise DirectoryUnavailable(f"{self.server_uri} did not answer in time: {exc}") from None
        self._conn = None
        self.connect()
        try:
            return operation(self._conn)
        except lx.LDAPException as exc:
            self._conn = None
            raise DirectoryUnavailable(f"connection to {self.server_uri} lost again: {exc}") from None

    # -- reads ---------------------------------------------------------------------------------
    def search(self, base: str, filter_text: str, attributes: list[str] | None = None, scope=SUBTREE,
               size_limit: int = 0) -> list[Entry]:
        attrs = attributes if attributes is not None else [ldap3.ALL_ATTRIBUTES]

        def op(conn):
            conn.search(base, filter_text, search_scope=scope, attributes=attrs, size_limit=size_limit)
            return conn.result, list(conn.response or [])

        result, response = self._run(op, retry_safe=True)
        if result.get("result") not in (0, 4):  # 4: size limit, the caller asked for it
            if result.get("result") == 32 and scope == BASE:
                return []
            _raise_for(result, f"search under {base}")
        return [(item["dn"], dict(item["attributes"])) for item in response if item.get("type") == "searchResEntry"]

    def search_paged(self, base: str, filter_text: str, attributes: list[str] | None = None,
                     page_size: int = PAGE_SIZE) -> Iterator[Entry]:
        """Stream a large result with the paged-results control: memory stays flat."""
        attrs = attributes if attributes is not None else [ldap3.ALL_ATTRIBUTES]
        cookie = None
        while True:
            def op(conn, cookie=cookie):
                conn.search(base, filter_text, search_scope=SUBTREE, attributes=attrs,
                            paged_size=page_size, paged_cookie=cookie)
                return conn.result, list(conn.response or [])

            result, response = self._run(op, retry_safe=cookie is None)
            if result.get("result") != 0:
                _raise_for(result, f"search under {base}")
            for item in response:
                if item.get("type") == "searchResEntry":
                    yield item["dn"], dict(item["attributes"])
            controls = result.get("controls") or {}
            cookie = controls.get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie")
            if not cookie:
                return

    def read(self, dn: str, attributes: list[str] | None = None) -> dict[str, list] | None:
        found = self.search(dn, "(objectClass=*)", attributes, scope=BASE)
        return found[0][1] if found else None

    # -- writes --------------------------------------------------------------------------------
    def add(self, dn: str, object_classes: list[str], attributes: dict) -> None:
        attributes = {k: v for k, v in attributes.items() if v is not None and v != []}

        def op(conn):
            conn.add(dn, object_classes, attributes, controls=None)
            return conn.result

        result = self._run(op, retry_safe=True)
        if result.get("result") != 0:
            _raise_for(result, f"adding {dn}")

    def modify(self, dn: str, changes: dict, assertion: str | None = None,
               read_back: list[str] | None = None, retry_safe: bool = True) -> dict[str, list]:
        """Apply changes {attr: [(MODIFY_*, [values])]}; returns the read-back attributes."""
        controls = []
        if assertion:
            controls.append(assertion_control(assertion))
        if read_back:
            controls.append(post_read_control(read_back))

        def op(conn):
            conn.modify(dn, changes, controls=controls or None)
            return conn.result

        result = self._run(op, retry_safe=retry_safe)
        if result.get("result") != 0:
            _raise_for(result, f"modifying {dn}")
        if read_back:
            value = (result.get("controls") or {}).get("1.3.6.1.1.13.2", {}).get("value", {})
            return dict(value.get("result") or {})
        return {}

    def replace(self, dn: str, values: dict, assertion: str | None = None) -> None:
        """Set (or, with None, remove) plain attributes. Never used for counters."""
        changes = {}
        for attr, value in values.items():
            if value is None:
                changes[attr] = [(MODIFY_REPLACE, [])]
            else:
                changes[attr] = [(MODIFY_REPLACE, value if isinstance(value, list) else [value])]
        if changes:
            self.modify(dn, changes, assertion=assertion)

    def increment(self, dn: str, deltas: dict[str, int], assertion: str | None = None) -> dict[str, int]:
        """Atomically add each delta (RFC 4525); returns the new values read back in the same step."""
        changes = {attr: [(MODIFY_INCREMENT, [int(delta)])] for attr, delta in deltas.items()}
        after = self.modify(dn, changes, assertion=assertion, read_back=list(deltas), retry_safe=False)
        return {attr: int(_first(after.get(attr), 0)) for attr in deltas}

    def add_values(self, dn: str, attribute: str, values: list[str]) -> None:
        """Add values to a multi-valued attribute (membership); one atomic server-side change."""
        self.modify(dn, {attribute: [(MODIFY_ADD, list(values))]})

    def delete_values(self, dn: str, attribute: str, values: list[str]) -> None:
        self.modify(dn, {attribute: [(MODIFY_DELETE, list(values))]})

    def delete(self, dn: str) -> None:
        def op(conn):
            conn.delete(dn, controls=None)
            return conn.result

        result = self._run(op, retry_safe=True)
        if result.get("result") not in (0, 32):
            _raise_for(result, f"deleting {dn}")

    # -- DN helpers ----------------------------------------------------------------------------
    def dn(self, rdn_attr: str, value: str, base: str) -> str:
        return f"{rdn_attr}={dn_value(value)},{base}"


def _first(values, default=None):
    if values is None:
        return default
    if isinstance(values, list):
        return values[0] if values else default
    return values


def first(entry: dict, attribute: str, default=None):
    """First value of an attribute in a search result, with ldap3's case-insensitive keys."""
    for key, values in entry.items():
        if key.lower() == attribute.lower():
            return _first(values, default)
    return default


def values(entry: dict, attribute: str) -> list:
    for key, vals in entry.items():
        if key.lower() == attribute.lower():
            return list(vals) if isinstance(vals, list) else [vals]
    return []
