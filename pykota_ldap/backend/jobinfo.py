"""What CUPS gives the backend for one job: argv, environment, device URI, the data.

CUPS runs `cupspykota job user title copies options [file]`:
- raw queues pass the spool file as argv[6] and leave the copies (argv[4]) to the backend;
- filtered queues send the data on stdin, copies already made by the filters.
DEVICE_URI is `cupspykota:<real URI>`; `cupspykota:/<real URI>` and `cupspykota://<real URI>`
(queues migrated from PyKota) are accepted too.

Arguments are bytes that need not be UTF-8 (`lp -o foo=$'\xff'`, a file name): what is not UTF-8
is escaped here, once (`\xff`), so the journal, the directory and every message hold only text;
the real backend gets the arguments as they came.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field

from .cupsio import option_pairs, parse_options

SCHEME = "cupspykota"
_INNER = re.compile(r"^/{0,2}(?=[A-Za-z][A-Za-z0-9+.-]*:)")


class UsageError(Exception):
    """CUPS called us in a way we do not understand."""


def inner_uri(device_uri: str) -> str:
    """The real backend's URI: 'cupspykota:socket://h:9100' -> 'socket://h:9100'."""
    if not device_uri.lower().startswith(SCHEME + ":"):
        raise UsageError(f"DEVICE_URI {device_uri!r} does not start with {SCHEME}:")
    rest = device_uri[len(SCHEME) + 1:]
    return _INNER.sub("", rest, count=1)


def uri_scheme(uri: str) -> str:
    return uri.split(":", 1)[0] if ":" in uri else ""


def uri_host(uri: str) -> str | None:
    """The printer's host name or address from a device URI (for SNMP), or None."""
    if ":" not in uri:
        return None
    scheme, rest = uri.split(":", 1)
    if scheme == "hp" and "ip=" in rest:
        return rest.split("ip=", 1)[1].split("&")[0] or None
    rest = rest.lstrip("/")
    rest = rest.split("@", 1)[-1] if "@" in rest.split("/", 1)[0] else rest
    host = rest.split("/", 1)[0].split("?", 1)[0]
    if host.startswith("["):                      # [IPv6]:port
        return host[1:].split("]", 1)[0] or None
    return host.split(":", 1)[0] or None


def as_text(value: str) -> str:
    """`value` as valid UTF-8 text: the bytes that were not UTF-8 (kept by Python as lone
    surrogates) become backslash-x escapes."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def normalise_user(name: str, case: str = "native", winbind_separator: str | None = None) -> str:
    """Kerberos principals lose their realm and instance, winbind names their domain."""
    if "@" in name:
        name = name.split("@", 1)[0]
    if "/" in name:
        name = name.split("/", 1)[0]
    if winbind_separator and winbind_separator in name:
        name = name.rsplit(winbind_separator, 1)[1]
    if case == "lower":
        name = name.lower()
    elif case == "upper":
        name = name.upper()
    return name


@dataclass
class JobInfo:
    job_id: str
    original_user: str
    user: str
    title: str                      # as text (as_text), like the options
    copies: int
    options_text: str
    options: dict[str, str]
    file_arg: str | None            # raw queues: the spool file; None: data on stdin
    printer: str
    device_uri: str                 # as CUPS gave it
    uri: str                        # the real backend's URI
    environ: dict[str, str] = field(default_factory=dict)
    data_path: str = ""             # the data as a file (the spool file, or our copy of stdin) once spooled
    size_bytes: int = 0
    md5: str = ""
    spooled: bool = False           # data_path is ours (delete it at the end)
    raw_title: str = ""             # the title and options as CUPS gave them, for the real backend
    raw_options: str = ""
    known: dict[str, str] = field(default_factory=dict)    # PYKOTA* values read since (jobenv, decide)

    @property
    def raw_queue(self) -> bool:
        return self.file_arg is not None

    @property
    def hostname(self) -> str | None:
        return originating_host(self.options_text)

    @property
    def filename(self) -> str | None:
        return self.options.get("document-name-supplied") or self.options.get("document-name") or None

    @property
    def billing_code(self) -> str | None:
        return (self.options.get("job-billing") or "").strip() or None

    @property
    def scheme(self) -> str:
        return uri_scheme(self.uri)

    def spool(self, workdir: str | None = None) -> None:
        """Make the data a file we can read twice (count, then print); size and MD5 on the way."""
        digest, size = hashlib.md5(usedforsecurity=False), 0
        if self.file_arg is not None:
            with open(self.file_arg, "rb") as data:
                while chunk := data.read(1 << 16):
                    digest.update(chunk)
                    size += len(chunk)
            self.data_path = self.file_arg
        else:
            import tempfile  # here: a job given as a file (a raw queue's) needs no copy
            fd, path = tempfile.mkstemp(prefix=f"cupspykota-{self.printer}-{self.job_id}-", dir=workdir)
            self.data_path, self.spooled = path, True
            with os.fdopen(fd, "wb") as out:
                stdin = os.fdopen(0, "rb", closefd=False)
                while chunk := stdin.read(1 << 16):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        self.size_bytes, self.md5 = size, digest.hexdigest()

    def cleanup(self, keep: bool = False) -> None:
        if self.spooled and self.data_path and not keep:
            try:
                os.unlink(self.data_path)
            except OSError:
                pass


def originating_host(options_text: str) -> str | None:
    """The host CUPS saw the job come from, from argv[5].

    cupsd keeps a job-originating-host-name the client sent when the client connected through
    localhost (the domain socket or the loopback), else it replaces it with the connection's
    host; it adds its own after the job-uuid it adds itself. So a value after job-uuid is the
    host cupsd saw, and one before it was typed by a local client (`lp -o
    job-originating-host-name=...`): the job then came from localhost. The typed value stays
    visible in the job's options.
    """
    pairs = option_pairs(options_text)
    hosts = [i for i, (name, _) in enumerate(pairs) if name == "job-originating-host-name"]
    if not hosts:
        return None
    uuids = [i for i, (name, _) in enumerate(pairs) if name == "job-uuid"]
    if uuids and hosts[-1] > uuids[0]:
        return pairs[hosts[-1]][1] or None
    return "localhost"


def strip_title(title: str, pattern: str | None) -> str:
    """striptitle: remove a prefix matching a shell pattern (e.g. smbprn.?????? from Samba)."""
    if not pattern:
        return title
    import fnmatch
    for end in range(len(title), 0, -1):
        if fnmatch.fnmatchcase(title[:end], pattern):
            return title[end:].lstrip()
    return title


def from_argv(argv: list[str], environ: dict[str, str], case: str = "native",
              winbind_separator: str | None = None, title_prefix: str | None = None) -> JobInfo:
    """argv without the program name: job user title copies options [file]."""
    if len(argv) not in (5, 6):
        raise UsageError(f"expected 'job user title copies options [file]', got {len(argv)} arguments")
    job_id, user, title, copies_text, options_text = argv[:5]
    try:
        copies = max(1, int(copies_text))
    except ValueError:
        copies = 1
    device_uri = environ.get("DEVICE_URI", "")
    printer = environ.get("PRINTER", "")
    if not printer:
        raise UsageError("PRINTER is not set: cupspykota must be run by cupsd")
    title = strip_title(title, title_prefix)
    return JobInfo(job_id=as_text(job_id), original_user=user,
                   user=as_text(normalise_user(user, case, winbind_separator)), title=as_text(title),
                   copies=copies, options_text=as_text(options_text), options=parse_options(as_text(options_text)),
                   file_arg=argv[5] if len(argv) == 6 else None, printer=as_text(printer), device_uri=device_uri,
                   uri=inner_uri(device_uri), environ=dict(environ), raw_title=title, raw_options=options_text)
