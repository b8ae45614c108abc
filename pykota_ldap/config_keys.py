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

from typing import NamedTuple

from .config_values import (
    DN,
    QUIET_WORDS,
    Accounter,
    Amount,
    Attribute,
    BackendErrors,
    Choice,
    ChoiceOrCommand,
    Command,
    ErrorMask,
    Folder,
    Form,
    LDAPURIs,
    Number,
    ReadableFile,
    SyncValue,
    TrustJobSize,
    Whole,
    YesNo,
)

GLOBAL, PRINTER, ADMIN, SYNC, SYNC_RULE = "global", "printer", "admin", "sync", "sync-rule"
YES_OR_NO = ("yes", "no", "y", "n", "1", "0", "on", "off", "t", "f", "true", "false")


class KeySpec(NamedTuple):      # not a dataclass: cheaper to define, and the backend imports this for every job
    name: str
    scope: str                  # GLOBAL, PRINTER, ADMIN, SYNC or SYNC_RULE
    meaning: str                # one line
    default: str | None = None  # as it would be written in the file; None: unset, see meaning
    required: bool = False
    form: Form = Form()         # what a value must look like; Form(): any text


_SPECS = (
    # -- the directory ---------------------------------------------------------------------------
    KeySpec("storageserver", GLOBAL, "LDAP URIs, space-separated, tried in order (failover)", required=True,
            form=LDAPURIs()),
    KeySpec("storagename", GLOBAL, "the base DN", required=True, form=DN()),
    KeySpec("storageuser", GLOBAL, "read-only bind DN (reports); anonymous when unset", form=DN()),
    KeySpec("storageuserpw", GLOBAL, "password of storageuser"),
    KeySpec("storageadmin", ADMIN, "read-write bind DN (the backend, the admin commands)", required=True, form=DN()),
    KeySpec("storageadminpw", ADMIN, "password of storageadmin"),
    KeySpec("storagetimeout", GLOBAL, "seconds to connect to one server", "5", form=Number(0.1)),
    KeySpec("ldaptls", GLOBAL, "StartTLS on ldap:// URIs (certificates are always verified)", "no", form=YesNo()),
    KeySpec("cacert", GLOBAL, "CA certificate file to verify the server with; unset: the system's trust store",
            form=ReadableFile("CA certificate file")),
    KeySpec("userbase", GLOBAL, "where users are; unset: ou=People,<storagename>", form=DN()),
    KeySpec("userrdn", GLOBAL, "the users' naming attribute", "uid", form=Attribute()),
    KeySpec("groupbase", GLOBAL, "where groups are; unset: ou=Groups,<storagename>", form=DN()),
    KeySpec("grouprdn", GLOBAL, "the groups' naming attribute", "cn", form=Attribute()),
    KeySpec("groupmembers", GLOBAL, "memberUid (names), member or uniqueMember (DNs)", "memberUid",
            form=Choice(("memberUid", "member", "uniqueMember"), "memberUid, member or uniqueMember")),
    KeySpec("usermail", GLOBAL, "the attribute holding a user's e-mail address", "mail", form=Attribute()),
    KeySpec("printerbase", GLOBAL, "where printers are; unset: ou=Printers,ou=PyKota,<storagename>", form=DN()),
    KeySpec("userquotabase", GLOBAL, "where user quota entries are; unset: ou=UserQuotas,ou=PyKota,<storagename>",
            form=DN()),
    KeySpec("groupquotabase", GLOBAL, "where group quota entries are; unset: ou=GroupQuotas,ou=PyKota,<storagename>",
            form=DN()),
    KeySpec("jobbase", GLOBAL, "where the job history is; unset: ou=Jobs,ou=PyKota,<storagename>", form=DN()),
    KeySpec("paymentbase", GLOBAL, "where payments are; unset: ou=Payments,ou=PyKota,<storagename>", form=DN()),
    KeySpec("billingcodebase", GLOBAL, "where billing codes are; unset: ou=BillingCodes,ou=PyKota,<storagename>",
            form=DN()),
    KeySpec("newuser", GLOBAL, "attach (pkAccount on existing entries) or below (create entries under userbase)",
            "attach", form=Choice(("attach", "below"))),
    KeySpec("newgroup", GLOBAL, "attach or below, the same for groups", "attach", form=Choice(("attach", "below"))),
    # -- accounting (the CUPS backend) -------------------------------------------------------------
    KeySpec("accounter", PRINTER, "software(), hardware(snmp[:community][@host[:port]]) or hardware(backend)",
            "software()", form=Accounter()),
    KeySpec("onaccountererror", PRINTER, "stop: refuse a job that cannot be counted; continue: print it as 0 pages",
            "stop", form=Choice(("stop", "continue"))),
    KeySpec("pdltimeout", PRINTER, "seconds the page counter may take on one job", "60", form=Number(1)),
    KeySpec("parallelcount", PRINTER, "count the pages in a forked child while connecting to the directory", "no",
            form=YesNo()),
    KeySpec("statusstabilizationdelay", PRINTER, "seconds between two idle readings of the printer (hardware)", "0.5",
            form=Number(0.05)),
    KeySpec("statusstabilizationloops", PRINTER, "idle readings with a still counter before trusting it", "4",
            form=Whole(1)),
    KeySpec("noprintingmaxdelay", PRINTER, "seconds to wait for the printer to start printing (hardware)", "60",
            form=Number(0)),
    KeySpec("snmpmaxwait", PRINTER, "seconds to wait at most for a stable idle reading, before and after a job",
            "600", form=Number(1)),
    KeySpec("snmptimeout", PRINTER, "seconds an SNMP request may take", "1", form=Number(0.1)),
    KeySpec("snmperrormask", PRINTER, "hrPrinterDetectedErrorState bits that mean: wait", "0x4FCC", form=ErrorMask()),
    KeySpec("trustjobsize", PRINTER, "yes (the printer's count), >N:precomputed or >N:M, when counts differ", "yes",
            form=TrustJobSize()),
    # -- decisions -----------------------------------------------------------------------------------
    KeySpec("policy", PRINTER, "unknown user, printer or quota entry: deny, allow or external(command)", "deny",
            form=ChoiceOrCommand(("deny", "allow"), "external")),
    KeySpec("enforcement", PRINTER, "laxist (judge on the usage before the job) or strict (after it)", "laxist",
            form=Choice(("laxist", "strict"))),
    KeySpec("gracedelay", PRINTER, "days between passing the soft limit and it acting as the hard one", "7",
            form=Whole(0)),
    KeySpec("balancezero", PRINTER, "the balance at or below which printing stops (negative: credit)", "0",
            form=Amount()),
    KeySpec("poorman", PRINTER, "the balance at or below which users are warned", "1.0", form=Amount()),
    KeySpec("denyduplicates", PRINTER, "yes, no, or a command printing DENY to refuse a job printed just before",
            "no", form=ChoiceOrCommand(YES_OR_NO)),
    KeySpec("duplicatesdelay", PRINTER, "seconds a job counts as a duplicate; 0: within the last day", "0",
            form=Whole(0)),
    KeySpec("unknown_billingcode", PRINTER, "create, deny or deny(command)", "create",
            form=ChoiceOrCommand(("create", "deny"), "deny")),
    KeySpec("askconfirmation", PRINTER, "a command; a line CANCEL in its output cancels the job", form=Command()),
    KeySpec("overwrite_jobticket", PRINTER, "a command whose output may change the user, billing code or verdict",
            form=Command()),
    KeySpec("usernamecase", GLOBAL, "native, lower or upper (user@REALM and user/instance are cut)", "native",
            form=Choice(("native", "lower", "upper"))),
    KeySpec("winbind_separator", GLOBAL, "cut DOMAIN<separator>user down to user"),
    KeySpec("striptitle", PRINTER, "remove a title prefix matching this shell pattern"),
    KeySpec("privacy", GLOBAL, "store title, file name and options as 'hidden'", "no", form=YesNo()),
    KeySpec("prehook", PRINTER, "a command run before printing (PYKOTAPHASE=BEFORE ...)", form=Command()),
    KeySpec("posthook", PRINTER, "a command run after the charge (PYKOTAPHASE=AFTER ...)", form=Command()),
    # -- failures ------------------------------------------------------------------------------------
    KeySpec("onbackenderror", PRINTER, "nocharge or charge, optionally retry:N:S", "nocharge", form=BackendErrors()),
    KeySpec("directorywait", PRINTER, "seconds a job waits for an unreachable directory before CUPS re-runs it",
            "60", form=Number(0)),
    KeySpec("journaldir", GLOBAL, "charges kept on disk while the directory is lost after printing; "
            "unset: $PYKOTA_HOME/journal, else /var/lib/pykota/journal", form=Folder()),
    KeySpec("directory", PRINTER, "where a job read from stdin is spooled; unset: $TMPDIR", form=Folder()),
    KeySpec("keepfiles", PRINTER, "keep the spooled copy of each job", "no", form=YesNo()),
    # -- telling users -------------------------------------------------------------------------------
    KeySpec("mailto", PRINTER, "user, admin, both, devnull or external(command); unset: nobody is told",
            form=ChoiceOrCommand(("user", "admin", "both") + QUIET_WORDS, "external")),
    KeySpec("admin", PRINTER, "the admin's name in messages", "root"),
    KeySpec("adminmail", PRINTER, "the admin's address", "root@localhost"),
    KeySpec("smtpserver", GLOBAL, "the SMTP server", "localhost"),
    KeySpec("maildomain", GLOBAL, "the domain of users without an e-mail address; unset: smtpserver's"),
    # -- provisioning (pksync) -----------------------------------------------------------------------
    KeySpec("userfilter", SYNC, "LDAP filter of the managed users, under userbase", "(objectClass=posixAccount)",
            form=SyncValue()),
    KeySpec("printers", SYNC, "printers that get a quota entry for every managed user (names, wildcards, groups)",
            "*", form=SyncValue()),
    KeySpec("limitby", SYNC_RULE, "quota, balance, noquota, nochange or noprint", "noquota", form=SyncValue()),
    KeySpec("softlimit", SYNC_RULE, "pages on each quota entry; none for no limit", "none", form=SyncValue()),
    KeySpec("hardlimit", SYNC_RULE, "pages on each quota entry; none for no limit", "none", form=SyncValue()),
    KeySpec("initialbalance", SYNC_RULE, "credits given once, when pksync attaches the account", "0", form=SyncValue()),
    KeySpec("allocate", SYNC_RULE, "daily, weekly or monthly AMOUNT, optionally max CAP", "none", form=SyncValue()),
)

KEYS: dict[str, KeySpec] = {spec.name: spec for spec in _SPECS}

# PyKota's keys that pykota-ldap does not read: what to do instead. A file holding one still
# works (a warning, not an error): configurations migrated from PyKota keep running.
_BANNERS = "banners are not printed; CUPS' job-sheets (lpadmin -o job-sheets-default=...) print them unaccounted"
PYKOTA_ONLY: dict[str, str] = {
    "config_charset": "the files are read as UTF-8; remove the line",
    "storagebackend": "the data is always in LDAP; remove the line",
    "storagecaching": "nothing is cached between jobs; remove the line",
    "ldapcache": "nothing is cached between jobs; remove the line",
    "disablehistory": "every job is kept in the history (ou=Jobs); remove the line",
    "balancebase": "balances are on the users' own entries (pkAccount); remove the line",
    "balancerdn": "balances are on the users' own entries (pkAccount); remove the line",
    "printerrdn": "printers are always named cn=<queue>; remove the line",
    "lastjobbase": "the last job is found in the history; remove the line",
    "preaccounter": "the count before printing is always the page counter's (software()); remove the line",
    "skipinitialwait": "hardware accounting skips the wait when the printer is already idle; remove the line",
    "maxdenybanners": _BANNERS,
    "startingbanner": _BANNERS,
    "endingbanner": _BANNERS,
    "accountbanner": _BANNERS,
    "printcancelledbanners": _BANNERS,
    "avoidduplicatebanners": _BANNERS,
    "softwarn": "the messages are built in; remove the line",
    "hardwarn": "the messages are built in; remove the line",
    "poorwarn": "the messages are built in; remove the line",
    "crashrecipient": "errors go to CUPS' error_log (and the commands' stderr); remove the line",
    "logger": "the backend's messages go to CUPS' error_log; remove the line",
    "debug": "set 'LogLevel debug' in cupsd.conf to see the backend's debug lines; remove the line",
    "logourl": "there are no CGI scripts; remove the line",
    "logolink": "there are no CGI scripts; remove the line",
    "utolower": "use usernamecase: lower",
    "reject_unknown": "pkusers --add only manages users already in the directory; remove the line",
}
COEFFICIENT_PREFIX = "coefficient_"          # PyKota's ink coefficients, coefficient_cyan ...
COEFFICIENT_ADVICE = "ink accounting is not supported; remove the line"


def pykota_only(name: str) -> str | None:
    """What to do about one of PyKota's keys pykota-ldap does not read, or None."""
    if name.startswith(COEFFICIENT_PREFIX):
        return COEFFICIENT_ADVICE
    return PYKOTA_ONLY.get(name)


def closest(name: str) -> str | None:
    """The known key nearest to `name` (a misspelling), or None when none is near."""
    import difflib  # only when a key is unknown: the backend imports this module for every job
    found = difflib.get_close_matches(name.lower(), list(KEYS), n=1, cutoff=0.75)
    return found[0] if found else None
