"""A process per job pays Python's start-up and every import (issue 17: the process-per-job
path under 80 ms): a quota user's plain job must not load what it does not use. The backend's
real path (the installed backend's interpreter, the directory, the printer, the charge) runs in
a subprocess that then lists sys.modules; not a timing test."""
from __future__ import annotations

import subprocess

from pykota_ldap.directory import accounts, printers, quotas

# What a plain PDF (or DSC PostScript) job with software accounting and no banner, no exam
# session, no notification must leave unloaded, and why each is heavy or unneeded.
UNUSED = (
    "pikepdf",               # ~35 ms: a plain PDF is read by pdffast
    "jinja2", "smtplib",     # messages: only when one is sent
    "pykota_ldap.notify",
    "pysnmp", "asyncio",     # hardware accounting only
    "pykota_ldap.cupsjobs", "http.client", "email",   # the IPP client: exam sessions only
    "tempfile",              # a job given as a file is not copied
    "shlex",                 # accounter commands only
    "click",                 # the admin commands' CLI
    "pykota_ldap.accounting.pdl.ghostscript", "pykota_ldap.accounting.pdl.sandbox",
)

LIST_MODULES = ("import sys\n"
                "from pykota_ldap.backend.main import main\n"
                "code = main(sys.argv[1:])\n"
                "with open({out!r}, 'w') as out:\n"
                "    out.write(str(code) + '\\n' + '\\n'.join(sorted(sys.modules)))\n")


def _loaded_by_a_job(rig, document, content_type: str) -> tuple[int, set[str]]:
    """(exit code, modules loaded) of one job run by the backend as cupsd runs it; charged once."""
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=10)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=1_000_000)
    quotas.add_user_quota(rig.d, "alice", queue)
    backend = rig.cups.backend_dir / "cupspykota"
    python = backend.read_text().splitlines()[0][2:].split()[0]     # the interpreter `--install` chose
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(rig.home), "PRINTER": queue, "PYKOTA_HELPER": "no",
           "DEVICE_URI": "cupspykota:" + rig.printer.uri, "CUPS_SERVERBIN": str(rig.cups.dir / "serverbin"),
           "CONTENT_TYPE": content_type}
    listing = rig.tmp / "modules.txt"
    done = subprocess.run([python, "-c", LIST_MODULES.format(out=str(listing)), "77", "alice", "t", "1", "",
                           str(document)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    code, *modules = listing.read_text().splitlines()
    assert "pages charged to alice" in done.stderr, done.stderr[-2000:]
    assert rig.counter("alice", queue) == 3                          # counted and charged: the real path
    return int(code), set(modules)


def _unwanted(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == name or m.startswith(name + ".") for name in UNUSED))


def test_a_plain_pdf_job_loads_only_what_it_uses(rig):
    document = rig.cups.document_dir / "plain.pdf"  # a PDF as Ghostscript's pdfwrite makes it
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=pdfwrite", f"-sOutputFile={document}",
                    str(rig.document(3))], check=True, timeout=60)
    document.chmod(0o644)                           # the socket backend runs as lp
    code, modules = _loaded_by_a_job(rig, document, "application/pdf")
    assert code == 0
    assert "pykota_ldap.accounting.pdl.pdffast" in modules          # it did count the file
    assert _unwanted(modules) == []


def test_a_dsc_postscript_job_loads_no_interpreter(rig):
    code, modules = _loaded_by_a_job(rig, rig.document(3), "application/postscript")
    assert code == 0
    assert "pykota_ldap.accounting.pdl.postscript" in modules
    assert _unwanted(modules) == []
