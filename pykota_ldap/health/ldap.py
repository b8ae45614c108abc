"""The directory as pykota.conf names it: both accounts bind, the schema and our bases are
there, the service account may make every write the backend and the commands make, and
anonymous binds read none of our data."""
from __future__ import annotations

from dataclasses import replace

from ..config import Config, ConfigError
from ..directory import Directory, DirectoryError, health
from ..directory import schema as schema_store
from ..schema_files import schema_path
from . import OK, PROBLEM, WARNING, Finding, files

ACL_FILE = "schema/pykota-ldap-acl.ldif"


def _bind(config: Config, admin: bool) -> tuple[Directory | None, Finding]:
    who = "service account (storageadmin)" if admin else "reader (storageuser)"
    try:
        settings = config.ldap(admin=admin)
        directory = Directory(settings).connect()
    except (ConfigError, DirectoryError) as exc:
        fix = ("check storageadmin / storageadminpw in pykotadmin.conf" if admin
               else "check storageuser / storageuserpw in pykota.conf") + ", and that storageserver answers"
        return None, Finding(PROBLEM, f"the {who} cannot bind: {exc}", fix)
    return directory, Finding(OK, f"the {who} {settings.bind_dn or 'anonymous'} binds to {directory.server_uri}")


def _refusal(refusal: health.Refusal, account: str) -> Finding:
    if refusal.action.startswith("write "):
        where = f"entries under {refusal.dn}" if refusal.dn == refusal.base else refusal.dn
        text = f"the service account {account} may not {refusal.action} on {where}"
        grant = f"write access to {refusal.action.split(' ', 1)[1]} on the entries under {refusal.base}"
    else:
        text = f"the service account {account} may not {refusal.action} under {refusal.dn}"
        grant = f"write access to the children of {refusal.dn} and to its entries"
    if not refusal.needed:
        return Finding(WARNING, f"{text} (nothing needs to): the scratch entry {refusal.left} is left",
                       f"delete it as the directory's admin: ldapdelete -Q -Y EXTERNAL -H ldapi:/// '{refusal.left}'")
    left = f" (the scratch entry {refusal.left} is left: delete it by hand)" if refusal.left else ""
    return Finding(PROBLEM, text + left, f"give {account} {grant} in the ACL (see {ACL_FILE})")


def _writes(directory: Directory) -> list[Finding]:
    account = directory.settings.bind_dn or "(SASL EXTERNAL)"
    refusals, untried = health.account_refusals(directory)
    refusals += health.pykota_refusals(directory)
    found = [_refusal(refusal, account) for refusal in refusals]
    found += [Finding(WARNING, f"{text}: not tested") for text in untried]
    if not refusals:
        found.append(Finding(OK, "the service account may make every write the backend and the commands make"))
    return found


def _anonymous(directory: Directory) -> list[Finding]:
    """What an anonymous bind over the network reads of our data (ldapi binds are root's own)."""
    uris = tuple(uri for uri in directory.settings.uris if not uri.lower().startswith("ldapi:"))
    if not uris:
        return []
    settings = replace(directory.settings, uris=uris, bind_dn=None, bind_password=None)
    try:
        with Directory(settings) as anonymous:
            leaks = health.readable_by_anyone(anonymous)
    except DirectoryError:
        return [Finding(OK, "anonymous binds read none of the print data (refused)")]
    if not leaks:
        return [Finding(OK, "anonymous binds read none of the print data")]
    return [Finding(PROBLEM, f"anonymous binds can read print data: {'; '.join(leaks)}",
                    f"deny pk* data and ou=PyKota to anonymous before the database's 'to * by * read' rule "
                    f"(see {ACL_FILE})")]


def _schema(directory: Directory) -> list[Finding]:
    missing = schema_store.check(directory, schema_path("pykota-ldap.ldif"))
    if missing:
        return [Finding(PROBLEM, f"the server lacks {len(missing)} pykota-ldap definitions ({', '.join(missing[:3])}"
                                 f"{'...' if len(missing) > 3 else ''})", "pkschema install")]
    return [Finding(OK, "the server knows the pykota-ldap schema")]


def findings(config: Config) -> tuple[Directory | None, list[Finding]]:
    """(the service account's connection, for later checks; what was found)."""
    directory, bound = _bind(config, admin=True) if config.is_admin else (None, None)
    found = [bound] if bound else []
    if config.get("storageuser") and not files.readers_password_exposed(config):    # that one is said already
        reader, said = _bind(config, admin=False)
        found.append(said)
        if reader is not None:
            reader.close()
    if directory is None:
        return None, found
    found += _schema(directory)
    if any(f.level == PROBLEM for f in found[-1:]):
        return directory, found
    missing = health.missing_bases(directory)
    found += [Finding(PROBLEM, f"{base} does not exist", "add it (see schema/sample-organisation.ldif)")
              for base in missing]
    try:
        found += _writes(directory) + _anonymous(directory)
    except DirectoryError as exc:           # the server went away meanwhile, say
        found.append(Finding(PROBLEM, f"the writes could not all be tested: {exc}", "run pkdoctor again"))
    return directory, found
