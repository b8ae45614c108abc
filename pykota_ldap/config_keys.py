"""Every configuration key pykota-ldap reads: where it may be set, what it means, its default.

The one list of keys. tests/test_config_keys.py checks it both ways: every key the code reads
is here (with the same default), and conf/pykota.conf.sample (conf/pykotadmin.conf.sample for
the credentials) documents every key here and no other. `closest()` names the known key nearest
to a misspelt one, for "unknown key" messages.

Scopes:
- GLOBAL: the [global] section (of pykotadmin.conf, read first, or of pykota.conf);
- PRINTER: [global], and a [<queue>] section of pykota.conf overrides it for that queue;
- ADMIN: pykotadmin.conf only: the directory's write credentials;
- SYNC: the [sync] section of pykota.conf (pksync);
- SYNC_RULE: [sync] (the defaults) and each [sync:<group>] section (that group's rule).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

GLOBAL, PRINTER, ADMIN, SYNC, SYNC_RULE = "global", "printer", "admin", "sync", "sync-rule"


@dataclass(frozen=True)
class KeySpec:
    name: str
    scope: str                  # GLOBAL, PRINTER, ADMIN, SYNC or SYNC_RULE
    meaning: str                # one line
    default: str | None = None  # as it would be written in the file; None: unset, see meaning
    required: bool = False


_SPECS = (
    # -- the directory ---------------------------------------------------------------------------
    KeySpec("storageserver", GLOBAL, "LDAP URIs, space-separated, tried in order (failover)", required=True),
    KeySpec("storagename", GLOBAL, "the base DN", required=True),
    KeySpec("storageuser", GLOBAL, "read-only bind DN (reports); anonymous when unset"),
    KeySpec("storageuserpw", GLOBAL, "password of storageuser"),
    KeySpec("storageadmin", ADMIN, "read-write bind DN (the backend, the admin commands)", required=True),
    KeySpec("storageadminpw", ADMIN, "password of storageadmin"),
    KeySpec("storagetimeout", GLOBAL, "seconds to connect to one server", "5"),
    KeySpec("ldaptls", GLOBAL, "StartTLS on ldap:// URIs (certificates are always verified)", "no"),
    KeySpec("cacert", GLOBAL, "CA certificate file to verify the server with; unset: the system's trust store"),
    KeySpec("userbase", GLOBAL, "where users are; unset: ou=People,<storagename>"),
    KeySpec("userrdn", GLOBAL, "the users' naming attribute", "uid"),
    KeySpec("groupbase", GLOBAL, "where groups are; unset: ou=Groups,<storagename>"),
    KeySpec("grouprdn", GLOBAL, "the groups' naming attribute", "cn"),
    KeySpec("groupmembers", GLOBAL, "memberUid (names), member or uniqueMember (DNs)", "memberUid"),
    KeySpec("usermail", GLOBAL, "the attribute holding a user's e-mail address", "mail"),
    KeySpec("printerbase", GLOBAL, "where printers are; unset: ou=Printers,ou=PyKota,<storagename>"),
    KeySpec("userquotabase", GLOBAL, "where user quota entries are; unset: ou=UserQuotas,ou=PyKota,<storagename>"),
    KeySpec("groupquotabase", GLOBAL, "where group quota entries are; unset: ou=GroupQuotas,ou=PyKota,<storagename>"),
    KeySpec("jobbase", GLOBAL, "where the job history is; unset: ou=Jobs,ou=PyKota,<storagename>"),
    KeySpec("paymentbase", GLOBAL, "where payments are; unset: ou=Payments,ou=PyKota,<storagename>"),
    KeySpec("billingcodebase", GLOBAL, "where billing codes are; unset: ou=BillingCodes,ou=PyKota,<storagename>"),
    KeySpec("newuser", GLOBAL, "attach (pkAccount on existing entries) or below (create entries under userbase)",
            "attach"),
    KeySpec("newgroup", GLOBAL, "attach or below, the same for groups", "attach"),
    # -- accounting (the CUPS backend) -------------------------------------------------------------
    KeySpec("accounter", PRINTER, "software(), hardware(snmp[:community][@host[:port]]) or hardware(backend)",
            "software()"),
    KeySpec("onaccountererror", PRINTER, "stop: refuse a job that cannot be counted; continue: print it as 0 pages",
            "stop"),
    KeySpec("pdltimeout", PRINTER, "seconds the page counter may take on one job", "60"),
    KeySpec("parallelcount", PRINTER, "count the pages in a forked child while connecting to the directory", "no"),
    KeySpec("statusstabilizationdelay", PRINTER, "seconds between two idle readings of the printer (hardware)", "0.5"),
    KeySpec("statusstabilizationloops", PRINTER, "idle readings with a still counter before trusting it", "4"),
    KeySpec("noprintingmaxdelay", PRINTER, "seconds to wait for the printer to start printing (hardware)", "60"),
    KeySpec("snmpmaxwait", PRINTER, "seconds to wait at most for a stable idle reading, before and after a job",
            "600"),
    KeySpec("snmptimeout", PRINTER, "seconds an SNMP request may take", "1"),
    KeySpec("snmperrormask", PRINTER, "hrPrinterDetectedErrorState bits that mean: wait", "0x4FCC"),
    KeySpec("trustjobsize", PRINTER, "yes (the printer's count), >N:precomputed or >N:M, when counts differ", "yes"),
    # -- decisions -----------------------------------------------------------------------------------
    KeySpec("policy", PRINTER, "unknown user, printer or quota entry: deny, allow or external(command)", "deny"),
    KeySpec("enforcement", PRINTER, "laxist (judge on the usage before the job) or strict (after it)", "laxist"),
    KeySpec("gracedelay", PRINTER, "days between passing the soft limit and it acting as the hard one", "7"),
    KeySpec("balancezero", PRINTER, "the balance at or below which printing stops (negative: credit)", "0"),
    KeySpec("poorman", PRINTER, "the balance at or below which users are warned", "1.0"),
    KeySpec("denyduplicates", PRINTER, "yes, no, or a command printing DENY to refuse a job printed just before",
            "no"),
    KeySpec("duplicatesdelay", PRINTER, "seconds a job counts as a duplicate; 0: within the last day", "0"),
    KeySpec("unknown_billingcode", PRINTER, "create, deny or deny(command)", "create"),
    KeySpec("askconfirmation", PRINTER, "a command; a line CANCEL in its output cancels the job"),
    KeySpec("overwrite_jobticket", PRINTER, "a command whose output may change the user, billing code or verdict"),
    KeySpec("usernamecase", GLOBAL, "native, lower or upper (user@REALM and user/instance are cut)", "native"),
    KeySpec("winbind_separator", GLOBAL, "cut DOMAIN<separator>user down to user"),
    KeySpec("striptitle", PRINTER, "remove a title prefix matching this shell pattern"),
    KeySpec("privacy", GLOBAL, "store title, file name and options as 'hidden'", "no"),
    KeySpec("prehook", PRINTER, "a command run before printing (PYKOTAPHASE=BEFORE ...)"),
    KeySpec("posthook", PRINTER, "a command run after the charge (PYKOTAPHASE=AFTER ...)"),
    # -- failures ------------------------------------------------------------------------------------
    KeySpec("onbackenderror", PRINTER, "nocharge or charge, optionally retry:N:S", "nocharge"),
    KeySpec("directorywait", PRINTER, "seconds a job waits for an unreachable directory before CUPS re-runs it",
            "60"),
    KeySpec("journaldir", GLOBAL, "charges kept on disk while the directory is lost after printing; "
            "unset: $PYKOTA_HOME/journal, else /var/lib/pykota/journal"),
    KeySpec("directory", PRINTER, "where a job read from stdin is spooled; unset: $TMPDIR"),
    KeySpec("keepfiles", PRINTER, "keep the spooled copy of each job", "no"),
    # -- telling users -------------------------------------------------------------------------------
    KeySpec("mailto", PRINTER, "user, admin, both, devnull or external(command); unset: nobody is told"),
    KeySpec("admin", PRINTER, "the admin's name in messages", "root"),
    KeySpec("adminmail", PRINTER, "the admin's address", "root@localhost"),
    KeySpec("smtpserver", GLOBAL, "the SMTP server", "localhost"),
    KeySpec("maildomain", GLOBAL, "the domain of users without an e-mail address; unset: smtpserver's"),
    # -- provisioning (pksync) -----------------------------------------------------------------------
    KeySpec("userfilter", SYNC, "LDAP filter of the managed users, under userbase", "(objectClass=posixAccount)"),
    KeySpec("printers", SYNC, "printers that get a quota entry for every managed user (names, wildcards, groups)",
            "*"),
    KeySpec("limitby", SYNC_RULE, "quota, balance, noquota, nochange or noprint", "noquota"),
    KeySpec("softlimit", SYNC_RULE, "pages on each quota entry; none for no limit", "none"),
    KeySpec("hardlimit", SYNC_RULE, "pages on each quota entry; none for no limit", "none"),
    KeySpec("initialbalance", SYNC_RULE, "credits given once, when pksync attaches the account", "0"),
    KeySpec("allocate", SYNC_RULE, "daily, weekly or monthly AMOUNT, optionally max CAP", "none"),
)

KEYS: dict[str, KeySpec] = {spec.name: spec for spec in _SPECS}


def closest(name: str) -> str | None:
    """The known key nearest to `name` (a misspelling), or None when none is near."""
    found = difflib.get_close_matches(name.lower(), list(KEYS), n=1, cutoff=0.75)
    return found[0] if found else None
