"""Banners through the real cupsd and the project's backend, read at the printer: pdfinfo for
the page count, pdftotext for who and what is on the page."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pykota_ldap.directory import accounts, printers, quotas
from pykota_ldap.testing.ci import skip_unless_ci

PKBANNER = str(Path(sys.executable).with_name("pkbanner"))


@pytest.fixture(autouse=True)
def _poppler():
    if not (shutil.which("pdfinfo") and shutil.which("pdftotext") and shutil.which("gs")):
        skip_unless_ci("the banner tests read pages with poppler-utils and ghostscript")


def _pages(path: str) -> int:
    out = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("Pages:")))


def _text(path: str, tmp_path: Path) -> str:
    data = Path(path).read_bytes()
    if data.startswith(b"%!"):                       # PostScript: made PDF first
        pdf = tmp_path / "banner.pdf"
        subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", f"-sOutputFile={pdf}",
                        path], check=True)
        path = str(pdf)
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True, check=True).stdout


def _received(rig, since: int) -> list[dict]:
    return rig.printer.jobs[since:]


def test_starting_and_ending_banners_charged_as_accountbanner_says(rig, tmp_path):
    ending = tmp_path / "ending.pdf"
    from pykota_ldap.report.banner import BannerText, pdf
    ending.write_bytes(pdf(BannerText("everyone", "", "", "", "End of job")))
    tmp_path.chmod(0o755)
    queue = rig.queue()
    rig.configure(**{queue: f"startingbanner: {PKBANNER} -f pdf -u https://print.example.org Good luck\n"
                            f"endingbanner: {ending}\naccountbanner: starting\navoidduplicatebanners: yes"})
    printers.add_printer(rig.d, queue, price_per_page=10)
    accounts.attach_user(rig.d, "alice", limit_by="balance", balance=100_000)
    quotas.add_user_quota(rig.d, "alice", queue)
    since = len(rig.printer.jobs)

    job = rig.print(queue, 2, title="Thesis draft")
    assert job.state == "completed", rig.log(job.id)[-1500:]
    starting, document, end = _received(rig, since)
    assert _pages(starting["path"]) == 1 and document["pages"] == 2 and _pages(end["path"]) == 1
    text = _text(starting["path"], tmp_path)
    assert "alice" in text and queue in text and "Thesis draft" in text and "Allowed" in text
    assert "Balance" in text and "100.00" in text and "Good luck" in text and "print.example.org" in text
    assert "End of job" in _text(end["path"], tmp_path)
    assert rig.counter("alice", queue) == 3                          # the job and its starting banner
    assert rig.balance("alice") == 100_000 - 30

    again = rig.print(queue, 1)                                      # alice printed last: no banners
    assert again.state == "completed"
    assert len(_received(rig, since)) == 4
    assert rig.counter("alice", queue) == 4


def test_a_refused_job_prints_at_most_maxdenybanners(rig, tmp_path):
    queue = rig.queue()
    rig.configure(**{queue: f"startingbanner: {PKBANNER}\nendingbanner: {PKBANNER}\nmaxdenybanners: 1"})
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, soft=0, hard=0)
    since = len(rig.printer.jobs)

    first = rig.print(queue, 1)
    assert first.state != "completed"
    (banner,) = _received(rig, since)                                # one banner, not the job
    assert Path(banner["path"]).read_bytes().startswith(b"%!PS")    # pkbanner's default: PostScript
    assert banner["pages"] == 1
    text = _text(banner["path"], tmp_path)
    assert "alice" in text and "Denied" in text and "Hard limit" in text
    second = rig.print(queue, 1)
    assert second.state != "completed" and len(_received(rig, since)) == 1
    assert "maximum number of deny banners reached" in rig.log(second.id)
    out = rig.slapd.ldapsearch(f"cn=alice@{queue},ou=UserQuotas,ou=PyKota,dc=example,dc=org", "(objectClass=*)",
                               "pkWarnCount", scope="base")
    assert "pkWarnCount: 1" in out
    assert rig.counter("alice", queue) == 0


def test_hardware_accounting_counts_charged_banners_on_the_printer(rig):
    queue = rig.queue()
    rig.configure(**{queue: f"accounter: hardware(pjl)\nstatusstabilizationdelay: 0.1\nstatusstabilizationloops: 2\n"
                            f"startingbanner: {PKBANNER}\nendingbanner: {PKBANNER}\naccountbanner: ending"})
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue)
    before = rig.printer.counter
    job = rig.print(queue, 2)
    assert job.state == "completed", rig.log(job.id)[-1500:]
    assert rig.printer.counter == before + 4                         # two banners and the job went through
    assert rig.counter("alice", queue) == 3                          # the starting one came before the count


def _pkbanner(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([PKBANNER, *args], capture_output=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYKOTAUSERNAME": "zoë", "PYKOTAPRINTERNAME": "hp4",
                               "PYKOTAJOBID": "42", "PYKOTAACTION": "WARN", "PYKOTALIMITBY": "quota",
                               "PYKOTAPAGECOUNTER": "95", "PYKOTASOFTLIMIT": "100", **env})


def test_pkbanner_options(tmp_path):
    logo = tmp_path / "logo.png"
    subprocess.run(["gs", "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=png16m", "-r10", "-g40x20",
                    f"-sOutputFile={logo}", "-c", "1 0 0 setrgbcolor 0 0 100 100 rectfill showpage"], check=True)
    done = _pkbanner("-f", "pdf", "-l", str(logo), "-p", "letter", "-s", "50", "-u", "https://print.example.org",
                     "Room", "B12")
    assert done.returncode == 0, done.stderr
    path = tmp_path / "banner.pdf"
    path.write_bytes(done.stdout)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Pages:           1" in info and "612 x 792 pts (letter)" in info
    text = _text(str(path), tmp_path)
    for shown in ("zoë", "hp4", "42", "Allowed with Warning", "Pages used", "95", "Soft limit", "100", "Room B12",
                  "https://print.example.org"):
        assert shown in text, shown
    assert b"/Subtype /Image" in done.stdout                        # the logo
    assert b"\n.5 g" in done.stdout and b"\n0 g" not in done.stdout  # -s 50: black is 50 % grey

    plain = _pkbanner(PYKOTAUSERNAME="bob")           # (text extraction loses ë on the way back from PostScript)
    assert plain.returncode == 0 and plain.stdout.startswith(b"%!PS")
    assert "bob" in _text_of_bytes(plain.stdout, tmp_path)


def _text_of_bytes(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "banner.ps"
    path.write_bytes(data)
    return _text(str(path), tmp_path)


@pytest.mark.parametrize("args, message", [(("-s", "120"), "Invalid value for '-s'"),
                                           (("-p", "B9"), "Invalid value for '-p'"),
                                           (("-l", "/nonexistent.png"), "does not exist")])
def test_pkbanner_bad_options_are_one_line(args, message):
    done = _pkbanner(*args)
    assert done.returncode != 0 and done.stdout == b""
    assert message in done.stderr.decode() and len(done.stderr.decode().strip().splitlines()) == 1


def test_pkbanner_logo_that_is_not_a_plain_file_is_one_line(tmp_path):
    """A FIFO nobody writes blocked pkbanner (and the job's banner) forever; /dev/zero was read
    until memory ran out."""
    import os
    import resource
    fifo = tmp_path / "logo.png"
    os.mkfifo(fifo)

    def small() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    for logo in (str(fifo), "/dev/zero"):
        done = subprocess.run([PKBANNER, "-l", logo], capture_output=True, timeout=20, preexec_fn=small,
                              env={"PATH": "/usr/bin:/bin", "PYKOTAUSERNAME": "bob"})
        assert done.returncode != 0 and done.stdout == b"", logo
        assert "not a plain file" in done.stderr.decode() and len(done.stderr.decode().strip().splitlines()) == 1


def test_a_cancelled_job_prints_its_banners_only_with_printcancelledbanners(rig, tmp_path):
    shown, hidden = rig.queue(), rig.queue()
    common = f"startingbanner: {PKBANNER} -f pdf\naskconfirmation: echo CANCEL\n"
    rig.configure(**{shown: common + "printcancelledbanners: yes", hidden: common})
    accounts.attach_user(rig.d, "alice")
    for queue in (shown, hidden):
        printers.add_printer(rig.d, queue)
        quotas.add_user_quota(rig.d, "alice", queue)
    since = len(rig.printer.jobs)
    assert rig.print(shown, 1).state != "completed"
    (banner,) = _received(rig, since)
    assert "Cancelled" in _text(banner["path"], tmp_path)
    assert rig.print(hidden, 1).state != "completed"
    assert len(_received(rig, since)) == 1
    assert rig.counter("alice", shown) == 0
