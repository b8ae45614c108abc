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
- SYNC_RULE: [sync] (the defaults) and each [sync:<group>] section (that group's rule);
- EXAM: each [exam:<name>] section (an exam session, pykota_ldap/exam.py).
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
    BannerSource,
    Choice,
    ChoiceOrCommand,
    Command,
    DateTime,
    ErrorMask,
    Folder,
    Form,
    LDAPURIs,
    Number,
    PreAccounter,
    QuotaBase,
    ReadableFile,
    SecondsOrYesNo,
    SyncValue,
    TrustJobSize,
    Whole,
    YesNo,
)

GLOBAL, PRINTER, ADMIN, SYNC, SYNC_RULE = "global", "printer", "admin", "sync", "sync-rule"
EXAM = "exam"
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
            form=QuotaBase("user", "ou=UserQuotas,ou=PyKota,dc=example,dc=org")),
    KeySpec("groupquotabase", GLOBAL, "where group quota entries are; unset: ou=GroupQuotas,ou=PyKota,<storagename>",
            form=QuotaBase("group", "ou=GroupQuotas,ou=PyKota,dc=example,dc=org")),
    KeySpec("jobbase", GLOBAL, "where the job history is; unset: ou=Jobs,ou=PyKota,<storagename>", form=DN()),
    KeySpec("paymentbase", GLOBAL, "where payments are; unset: ou=Payments,ou=PyKota,<storagename>", form=DN()),
    KeySpec("billingcodebase", GLOBAL, "where billing codes are; unset: ou=BillingCodes,ou=PyKota,<storagename>",
            form=DN()),
    KeySpec("newuser", GLOBAL, "attach (pkAccount on existing entries) or below (create entries under userbase)",
            "attach", form=Choice(("attach", "below"))),
    KeySpec("newgroup", GLOBAL, "attach or below, the same for groups", "attach", form=Choice(("attach", "below"))),
    # -- accounting (the CUPS backend) -------------------------------------------------------------
    KeySpec("accounter", PRINTER, "software(), software(command), hardware(snmp...), hardware(pjl[:port]), "
            "hardware(ipp), hardware(command) or hardware(backend)",
            "software()", form=Accounter()),
    KeySpec("preaccounter", PRINTER, "software(), software(command) or ink(colorspace[, dpi]): the pages (and "
            "price) before printing", "software()", form=PreAccounter()),
    KeySpec("onaccountererror", PRINTER, "stop: refuse a job that cannot be counted (a hardware counter: "
            "stop the queue); continue: print it (0 pages, or its software count)",
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
    KeySpec("skipinitialwait", PRINTER, "yes: read the counter at once when the printer is idle before the job; "
            "no: wait for a still counter first (hardware)", "yes", form=YesNo()),
    KeySpec("snmpmaxwait", PRINTER, "seconds to wait at most for a stable idle reading, before and after a job",
            "600", form=Number(1)),
    KeySpec("snmptimeout", PRINTER, "seconds an SNMP request may take", "1", form=Number(0.1)),
    KeySpec("snmperrormask", PRINTER, "hrPrinterDetectedErrorState bits that mean: wait", "0x4FCC", form=ErrorMask()),
    KeySpec("trustjobsize", PRINTER, "yes (the printer's count), >N:precomputed or >N:M, when counts differ", "yes",
            form=TrustJobSize()),
    # -- ink accounting: coefficient x price per page x coverage / 100 per ink and page -------------
    *(KeySpec(f"coefficient_{ink}", PRINTER, f"price factor of {ink} ink (ink accounter); empty in a queue's "
              "section: back to 1.0", "1.0", form=Number()) for ink in
      ("cyan", "magenta", "yellow", "black", "red", "green", "blue", "white", "grayscale", "colored")),
    # -- banners (backend/banners.py) ---------------------------------------------------------------
    KeySpec("startingbanner", PRINTER, "a file, or a command printing the banner (pkbanner), sent before the job",
            form=BannerSource()),
    KeySpec("endingbanner", PRINTER, "the same, sent after the job", form=BannerSource()),
    KeySpec("accountbanner", PRINTER, "which banners are charged with the job: starting, ending, both or none",
            "both", form=Choice(("starting", "ending", "both", "none"))),
    KeySpec("maxdenybanners", PRINTER, "banners a refused job may still print (counted on pkWarnCount)", "0",
            form=Whole(0)),
    KeySpec("avoidduplicatebanners", PRINTER, "yes: no banner when the printer's last job is the same user's; "
            "N: and less than N s old", "no", form=SecondsOrYesNo()),
    KeySpec("printcancelledbanners", PRINTER, "print the banners of a job cancelled before printing", "no",
            form=YesNo()),
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
    KeySpec("mailto", PRINTER, "user, admin, both, none (devnull...) or external(command): who hears of warnings "
            "and refusals", "both", form=ChoiceOrCommand(("user", "admin", "both") + QUIET_WORDS, "external")),
    KeySpec("admin", PRINTER, "the admin's name in messages", "root"),
    KeySpec("adminmail", PRINTER, "the admin's address", "root@localhost"),
    KeySpec("smtpserver", GLOBAL, "the SMTP server, host[:port]", "localhost"),
    KeySpec("smtptimeout", GLOBAL, "seconds a delivery may take in all; then the mail waits for the next run", "3",
            form=Number(0.1)),
    KeySpec("smtpsecurity", GLOBAL, "none, starttls or ssl (SMTPS, port 465 by default)", "none",
            form=Choice(("none", "starttls", "ssl"))),
    KeySpec("smtpcacert", GLOBAL, "CA certificate file to verify the relay with; unset: the system's trust store",
            form=ReadableFile("CA certificate file")),
    KeySpec("smtpuser", GLOBAL, "the SMTP login, when the relay wants one (its password: smtppassword)"),
    KeySpec("smtppassword", ADMIN, "the password of smtpuser"),
    KeySpec("maildomain", GLOBAL, "the domain of users without an e-mail address; unset: smtpserver's"),
    # -- the web application (pkweb) --------------------------------------------------------------
    KeySpec("webadmins", GLOBAL, "the posixGroup whose members see everyone in pkweb; unset: nobody"),
    KeySpec("websessiontimeout", GLOBAL, "minutes of inactivity after which a pkweb login ends", "30",
            form=Whole(minimum=1)),
    KeySpec("websessionlifetime", GLOBAL, "hours after its login that a pkweb session ends, however active",
            "12", form=Whole(minimum=1)),
    KeySpec("webmaxupload", GLOBAL, "megabytes a file sent to pkweb's price quote may hold", "20",
            form=Whole(minimum=1)),
    KeySpec("maillanguage", PRINTER, "the language of the mails: en, fr, or one of mailtemplates; a user's "
            "preferredLanguage wins", "en"),
    KeySpec("mailtemplates", GLOBAL, "a folder of your own templates (<language>/<event>.txt), tried first",
            form=Folder()),
    KeySpec("mailqueue", GLOBAL, "where undelivered mail waits for the next run; unset: $PYKOTA_HOME/mailqueue, "
            "else /var/lib/pykota/mailqueue", form=Folder()),
    KeySpec("softwarn", PRINTER, "the users' text when they pass the soft limit; unset: the template's"),
    KeySpec("hardwarn", PRINTER, "the users' text when they are refused (hard limit, no credit); unset: the "
            "template's"),
    KeySpec("poorwarn", GLOBAL, "the balance users' text when their balance is low; unset: the template's"),
    # -- exam sessions ([exam:<name>] sections) --------------------------------------------------------
    KeySpec("examprinters", EXAM, "printers (names, shell patterns, printer groups) that print uncharged"),
    KeySpec("examstart", EXAM, "when the session starts (ISO 8601, local time unless an offset is given)",
            form=DateTime()),
    KeySpec("examend", EXAM, "when it ends (excluded)", form=DateTime()),
    # -- provisioning (pksync) -----------------------------------------------------------------------
    KeySpec("userfilter", SYNC, "LDAP filter of the managed users, under userbase", "(objectClass=posixAccount)",
            form=SyncValue()),
    KeySpec("printers", SYNC, "printers that get a quota entry for every managed user (names, wildcards, groups)",
            "*", form=SyncValue()),
    KeySpec("quotaentries", SYNC, "firstjob: the backend creates a user's quota entry on a sync printer from the "
            "rule at their first job there; upfront: pksync writes every entry", "firstjob", form=SyncValue()),
    KeySpec("limitby", SYNC_RULE, "quota, balance, noquota, nochange or noprint", "noquota", form=SyncValue()),
    KeySpec("softlimit", SYNC_RULE, "pages on each quota entry; none for no limit", "none", form=SyncValue()),
    KeySpec("hardlimit", SYNC_RULE, "pages on each quota entry; none for no limit", "none", form=SyncValue()),
    KeySpec("initialbalance", SYNC_RULE, "credits given once, when pksync attaches the account", "0", form=SyncValue()),
    KeySpec("allocate", SYNC_RULE, "daily, weekly or monthly AMOUNT, optionally max CAP", "none", form=SyncValue()),
)

KEYS: dict[str, KeySpec] = {spec.name: spec for spec in _SPECS}

# PyKota's keys that pykota-ldap does not read: what to do instead. A file holding one still
# works (a warning, not an error): configurations migrated from PyKota keep running.
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
    "crashrecipient": "errors go to CUPS' error_log (and the commands' stderr); remove the line",
    "logger": "the backend's messages go to CUPS' error_log; remove the line",
    "debug": "set 'LogLevel debug' in cupsd.conf to see the backend's debug lines; remove the line",
    "logourl": "there are no CGI scripts; remove the line",
    "logolink": "there are no CGI scripts; remove the line",
    "utolower": "use usernamecase: lower",
    "reject_unknown": "pkusers --add only manages users already in the directory; remove the line",
}
def pykota_only(name: str) -> str | None:
    """What to do about one of PyKota's keys pykota-ldap does not read, or None."""
    return PYKOTA_ONLY.get(name)


def closest(name: str) -> str | None:
    """The known key nearest to `name` (a misspelling), or None when none is near."""
    import difflib  # only when a key is unknown: the backend imports this module for every job
    found = difflib.get_close_matches(name.lower(), list(KEYS), n=1, cutoff=0.75)
    return found[0] if found else None
