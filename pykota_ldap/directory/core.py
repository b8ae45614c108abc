"""The connection to the directory and the handful of LDAP operations everything else uses.

- Failover: the URIs of `storageserver` are tried in order, each with a connect timeout. A
  writable Directory then stays on the server it reached for its whole life: a reconnect goes back
  to that server only. Under multi-provider replication a write whose answer was lost may be on
  that provider and nowhere else yet; re-sent to another provider it would be applied twice once
  they converge (and its refused mark would stop delta-syncrepl: docs/replication.md).
- A dropped connection is reopened once and the operation retried, but only when repeating it
  cannot change the result twice (reads, adds, replaces, increments that carry a charge mark).
  A bare increment that failed in flight is reported, never blindly re-sent.
- Counters change only with Modify-Increment (RFC 4525); guarded writes use the Assertion
  control (RFC 4528); writes that matter are read back with the Post-Read control (RFC 4527).
- Every operation is counted in `operations`, so benchmarks and tests can say what a job costs.
- A read-only Directory (read_only=True: the users' query service) refuses every write before
  it is sent, whatever the account could do.
- The server's size limit never passes for the whole answer: a search cut by it is an error
  that names the account (the shipped ACL gives the service account no limit).
"""
from __future__ import annotations

import ssl
import urllib.parse
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence, TypeVar, overload

import ldap3
from ldap3 import BASE, MODIFY_ADD, MODIFY_DELETE, MODIFY_INCREMENT, MODIFY_REPLACE, SUBTREE
from ldap3.core import exceptions as lx
from ldap3.protocol.controls import build_control
from ldap3.protocol.rfc4527 import post_read_control

from ..config import LDAPSettings
from .ber import encode_filter, read_tlv
from .errors import AccessDenied, Attempt, DirectoryUnavailable, NotFound, ReadOnly, account_name, error_for
from .escaping import dn_value
from .wire import Wire

# ldap3 otherwise refuses a server for 5 s after one failed connect: failover must not wait.
ldap3.set_config_parameter("RESET_AVAILABILITY_TIMEOUT", 0)

ASSERTION_OID = "1.3.6.1.1.12"
PAGED_OID = "1.2.840.113556.1.4.319"
POST_READ_OID = "1.3.6.1.1.13.2"
PAGE_SIZE = 500
DEFAULT_LDAPI_PATH = "/var/run/slapd/ldapi"     # Debian's slapd, for a bare ldapi:///

# What every read returns: attribute names in lower case (names match case-insensitively in LDAP),
# values as text. ldap3 has no type hints: its objects stay inside Directory, typed Any.
Attributes = dict[str, list[str]]
Entry = tuple[str, Attributes]
# {attribute: [(MODIFY_*, [values])]}, as ldap3 takes them
Changes = Mapping[str, Sequence[tuple[str, Sequence[object]]]]

T = TypeVar("T")


class Writer(Protocol):
    """What the area modules' write helpers need: a Directory, or the pipelined writer
    (directory.pipeline), which records writes to send them in bulk and cannot read."""

    @property
    def settings(self) -> LDAPSettings: ...

    def dn(self, rdn_attr: str, value: str, base: str) -> str: ...

    def add(self, dn: str, object_classes: list[str], attributes: Mapping[str, object]) -> None: ...

    def modify(self, dn: str, changes: Changes, assertion: str | None = None) -> object: ...

    def replace(self, dn: str, values: Mapping[str, object], assertion: str | None = None) -> None: ...

    def delete(self, dn: str) -> None: ...


def assertion_control(filter_text: str) -> Any:
    """The RFC 4528 control: the server applies the operation only if the entry matches."""
    return build_control(ASSERTION_OID, True, encode_filter(filter_text), encode_control_value=False)


def entry_dn(rdn_attr: str, value: str, base: str) -> str:
    """The DN of the entry called `value` under base (the value escaped, RFC 4514)."""
    return f"{rdn_attr}={dn_value(value)},{base}"


def replace_changes(values: Mapping[str, object]) -> dict[str, list[tuple[str, list[object]]]]:
    """The changes that set plain attributes (None: remove the attribute, a list: several values)."""
    changes: dict[str, list[tuple[str, list[object]]]] = {}
    for attr, value in values.items():
        if value is None:
            changes[attr] = [(MODIFY_REPLACE, [])]
        else:
            changes[attr] = [(MODIFY_REPLACE, list(value) if isinstance(value, list) else [value])]
    return changes


def present(attributes: Mapping[str, object]) -> dict[str, object]:
    """The attributes of a new entry that have a value (None and [] are left out, not stored)."""
    return {k: v for k, v in attributes.items() if v is not None and v != []}


def _text(value: object) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _attributes(raw: Mapping[str, Any]) -> Attributes:
    """ldap3's attributes of an entry as every reader here takes them (its values are nearly always
    text already: large groups have thousands)."""
    return {name.lower(): [v if isinstance(v, str) else _text(v)
                           for v in (vals if isinstance(vals, list) else [] if vals is None else [vals])]
            for name, vals in raw.items()}


# The LDAP operations a read-only connection may send (RFC 4511 protocolOp tags): search, unbind, abandon.
READ_OPERATIONS = frozenset({0x63, 0x42, 0x50})


class _ReadOnlyWire(Wire):
    """The lent socket of a read-only Directory: requests other than reads are refused unsent."""

    def send(self, messages: Sequence[bytes]) -> None:
        for message in messages:
            _, content, _ = _tlv(message, 0)
            _, _, id_end = _tlv(message, content)
            if message[id_end] not in READ_OPERATIONS:
                raise ReadOnly("this connection is read-only: a write was refused before it was sent")
        super().send(messages)


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    found = read_tlv(data, pos)
    if found is None:
        raise ReadOnly("this connection is read-only: a request it cannot read was refused")
    return found


class Directory:
    """One bound connection to the first server of `storageserver` that answers."""

    def __init__(self, settings: LDAPSettings, read_only: bool = False):
        self.settings = settings
        self.read_only = read_only
        self.operations = 0
        self.server_uri: str | None = None
        self._conn: Any = None                # an ldap3.Connection
        self.account = account_name(settings.bind_dn, settings.is_admin)

    # -- connection ----------------------------------------------------------------------------
    def connect(self) -> Directory:
        errors = []
        for uri in self._candidates():
            try:
                self._conn = self._open(uri)
                self.server_uri = uri
                return self
            except AccessDenied:
                raise
            except (lx.LDAPException, OSError) as exc:
                errors.append(f"{uri}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        if self.pinned:
            raise DirectoryUnavailable(f"{self.server_uri}, the server this connection writes to, does not answer "
                                       f"({'; '.join(errors)}); its writes are never re-sent to another server")
        raise DirectoryUnavailable("no LDAP server answered: " + "; ".join(errors))

    @property
    def pinned(self) -> bool:
        """Whether reconnects go back to server_uri only (a writable connection, once connected)."""
        return not self.read_only and self.server_uri is not None

    def _candidates(self) -> tuple[str, ...]:
        return (self.server_uri,) if self.pinned and self.server_uri else self.settings.uris

    def _open(self, uri: str) -> Any:
        timeout = self.settings.timeout
        if uri.lower().rstrip("/") == "ldapi:":
            uri = "ldapi://" + urllib.parse.quote(DEFAULT_LDAPI_PATH, safe="")
        elif not uri.lower().startswith("ldapi:"):
            uri = uri.rstrip("/")       # ldap3 takes "389/" of ldap://host:389/ for the port and refuses it
        # ldap3 does not check certificates unless told to: always require a valid one.
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=self.settings.ca_file)
        server = ldap3.Server(uri, get_info=ldap3.NONE, connect_timeout=timeout, tls=tls)
        options: dict[str, Any] = dict(receive_timeout=int(max(timeout, 10)),  # ldap3 packs it as an integer
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

    def __enter__(self) -> Directory:
        if self._conn is None:
            self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, operation: Callable[[Any], T], retry_safe: bool) -> T:
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

    @contextmanager
    def wire(self, timeout: float | None = None) -> Iterator[Wire]:
        """The bound connection's socket, for one exchange of requests encoded by hand
        (directory.ber: bulk reads and writes). A failure in it leaves the connection in a state
        nobody knows: it is closed, and the next operation reconnects."""
        if self._conn is None:
            self.connect()
        connection_socket = self._conn.socket
        wire = _ReadOnlyWire(connection_socket) if self.read_only else Wire(connection_socket)
        previous_timeout = connection_socket.gettimeout()
        try:
            if timeout is not None:
                connection_socket.settimeout(timeout)
            yield wire
            connection_socket.settimeout(previous_timeout)
        except OSError as exc:
            self.close()
            raise DirectoryUnavailable(f"connection to {self.server_uri} lost: {exc}") from None
        except BaseException:
            self.close()
            raise
        finally:
            self.operations += wire.sent

    # -- reads ---------------------------------------------------------------------------------
    def search(self, base: str, filter_text: str, attributes: list[str] | None = None, scope: str = SUBTREE,
               size_limit: int = 0) -> list[Entry]:
        attrs = attributes if attributes is not None else [ldap3.ALL_ATTRIBUTES]

        def op(conn: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            conn.search(base, filter_text, search_scope=scope, attributes=attrs, size_limit=size_limit)
            return conn.result, list(conn.response or [])

        result, response = self._run(op, retry_safe=True)
        code = result.get("result")
        if code != 0 and not (code == 4 and size_limit):    # 4: the size limit the caller asked for
            if code == 32 and scope == BASE:
                return []
            raise error_for(result, self.attempt(f"search under {base}", f"read under {base}"))
        return [(item["dn"], _attributes(item["attributes"])) for item in response
                if item.get("type") == "searchResEntry"]

    def search_paged(self, base: str, filter_text: str, attributes: list[str] | None = None,
                     page_size: int = PAGE_SIZE) -> Iterator[Entry]:
        """Stream a large result with the paged-results control: memory stays flat."""
        attrs = attributes if attributes is not None else [ldap3.ALL_ATTRIBUTES]
        cookie = None
        while True:
            def op(conn: Any, cookie: Any = cookie) -> tuple[dict[str, Any], list[dict[str, Any]]]:
                conn.search(base, filter_text, search_scope=SUBTREE, attributes=attrs,
                            paged_size=page_size, paged_cookie=cookie)
                return conn.result, list(conn.response or [])

            result, response = self._run(op, retry_safe=cookie is None)
            if result.get("result") != 0:
                raise error_for(result, self.attempt(f"search under {base}", f"read under {base}"))
            for item in response:
                if item.get("type") == "searchResEntry":
                    yield item["dn"], _attributes(item["attributes"])
            controls = result.get("controls") or {}
            cookie = controls.get(PAGED_OID, {}).get("value", {}).get("cookie")
            if not cookie:
                return

    def read(self, dn: str, attributes: list[str] | None = None) -> Attributes | None:
        found = self.search(dn, "(objectClass=*)", attributes, scope=BASE)
        return found[0][1] if found else None

    def attempt(self, what: str, tried: str) -> Attempt:
        """An operation of this connection, as its error would name it (errors.error_for)."""
        return Attempt(what, self.account, tried)

    # -- writes --------------------------------------------------------------------------------
    def _writable(self, what: str) -> None:
        if self.read_only:
            raise ReadOnly(f"{what}: refused, this connection is read-only")

    def add(self, dn: str, object_classes: list[str], attributes: Mapping[str, object]) -> None:
        self._writable(f"adding {dn}")
        values = present(attributes)

        def op(conn: Any) -> dict[str, Any]:
            conn.add(dn, object_classes, values, controls=None)
            return dict(conn.result)

        result = self._run(op, retry_safe=True)
        if result.get("result") != 0:
            raise error_for(result, self.attempt(f"adding {dn}", f"add {dn}"))

    def modify(self, dn: str, changes: Changes, assertion: str | None = None,
               read_back: list[str] | None = None, retry_safe: bool = True) -> Attributes:
        """Apply changes {attr: [(MODIFY_*, [values])]}; returns the read-back attributes."""
        self._writable(f"modifying {dn}")
        controls = []
        if assertion:
            controls.append(assertion_control(assertion))
        if read_back:
            controls.append(post_read_control(read_back))

        def op(conn: Any) -> dict[str, Any]:
            conn.modify(dn, changes, controls=controls or None)
            return dict(conn.result)

        result = self._run(op, retry_safe=retry_safe)
        if result.get("result") != 0:
            raise error_for(result, self.attempt(f"modifying {dn}", f"write {', '.join(changes)} on {dn}"))
        if read_back:
            value = (result.get("controls") or {}).get(POST_READ_OID, {}).get("value", {})
            return _attributes(value.get("result") or {})
        return {}

    def replace(self, dn: str, values: Mapping[str, object], assertion: str | None = None) -> None:
        """Set (or, with None, remove) plain attributes. Never used for counters."""
        changes = replace_changes(values)
        if changes:
            self.modify(dn, changes, assertion=assertion)

    def increment(self, dn: str, deltas: Mapping[str, int], assertion: str | None = None) -> dict[str, int]:
        """Atomically add each delta (RFC 4525); returns the new values read back in the same step."""
        changes = {attr: [(MODIFY_INCREMENT, [int(delta)])] for attr, delta in deltas.items()}
        after = self.modify(dn, changes, assertion=assertion, read_back=list(deltas), retry_safe=False)
        return {attr: first_int(after, attr, 0) for attr in deltas}

    def add_values(self, dn: str, attribute: str, values: list[str]) -> None:
        """Add values to a multi-valued attribute (membership); one atomic server-side change."""
        self.modify(dn, {attribute: [(MODIFY_ADD, list(values))]})

    def delete_values(self, dn: str, attribute: str, values: list[str]) -> None:
        self.modify(dn, {attribute: [(MODIFY_DELETE, list(values))]})

    def delete(self, dn: str, assertion: str | None = None, missing_ok: bool = True) -> None:
        """Delete the entry (already gone counts as done unless not `missing_ok`); with
        `assertion`, only if it matches."""
        self._writable(f"deleting {dn}")
        controls = [assertion_control(assertion)] if assertion else None

        def op(conn: Any) -> dict[str, Any]:
            conn.delete(dn, controls=controls)
            return dict(conn.result)

        result = self._run(op, retry_safe=True)
        if result.get("result") not in ((0, 32) if missing_ok else (0,)):
            raise error_for(result, self.attempt(f"deleting {dn}", f"delete {dn}"))

    # -- DN helpers ----------------------------------------------------------------------------
    dn = staticmethod(entry_dn)


# -- reading entries ---------------------------------------------------------------------------

@overload
def first(entry: Mapping[str, list[str]], attribute: str) -> str | None: ...
@overload
def first(entry: Mapping[str, list[str]], attribute: str, default: str) -> str: ...
def first(entry: Mapping[str, list[str]], attribute: str, default: str | None = None) -> str | None:
    """The first value of an attribute in an entry read here (names in lower case), or default."""
    found = entry.get(attribute.lower())
    return found[0] if found else default


@overload
def first_int(entry: Mapping[str, list[str]], attribute: str) -> int | None: ...
@overload
def first_int(entry: Mapping[str, list[str]], attribute: str, default: int) -> int: ...
def first_int(entry: Mapping[str, list[str]], attribute: str, default: int | None = None) -> int | None:
    found = entry.get(attribute.lower())
    return int(found[0]) if found and found[0] != "" else default


def values(entry: Mapping[str, list[str]], attribute: str) -> list[str]:
    return list(entry.get(attribute.lower(), ()))


def written(found: T | None, what: str) -> T:
    """An entry read back just after writing it: missing only if someone deleted it meanwhile."""
    if found is None:
        raise NotFound(f"{what} was deleted meanwhile")
    return found
