"""Values typed by whoever prints never reach a shell as code: every command key of pykota.conf,
with placeholders unquoted, in "..." and in '...', through the real backend (cupsd runs it for
the jobs printed with lp; a hostile user name, which cupsd refuses from lp, is given to the
installed backend by hand, as cupsd would)."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from pykota_ldap.backend.cupsio import parse_options
from pykota_ldap.backend.exits import BackendExit
from pykota_ldap.directory import accounts, history, printers, quotas
from pykota_ldap.testing.printer import postscript

FIELDS = ("username", "title", "jobbilling", "filename", "options")
MAILTO_FIELDS = FIELDS + ("message", "action")
KEYS = ("overwrite_jobticket", "policy", "unknown_billingcode", "denyduplicates", "askconfirmation", "prehook",
        "posthook", "mailto")


@pytest.fixture
def traps():
    """A short directory (billing codes are at most 64 characters) where an injected command
    would leave a file."""
    folder = Path(tempfile.mkdtemp(prefix="k", dir="/tmp"))
    yield folder
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


def hostile(traps: Path, tag: str, option: bool = False) -> str:
    """Quotes of both kinds, command substitutions, a glob, a backslash, a space, a variable, a
    placeholder.

    An option value (the billing code) has neither backslash nor space: `lp -o` reads a backslash
    as an escape, and cupsd 2.4.2 dies on an option value holding a quote and a space
    (`lp -o 'job-billing="a b"'` takes the scheduler down, whatever the queue's backend)."""
    rest = "*$HOME%(title)sé" if option else "*\\ $HOME%(title)sé"
    return f"""{tag}'"$(>{traps}/{tag})`>{traps}/{tag}2`;"'{rest}"""


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    """A command that keeps its arguments, one file per run, NUL-separated."""
    records = tmp_path / "records"
    records.mkdir()
    script = tmp_path / "record"
    script.write_text('#!/bin/sh\nout=$(mktemp "%s/$1.XXXXXX")\nfor arg do printf "%%s\\0" "$arg"; done > "$out"\n'
                      % records)
    script.chmod(0o755)
    return script, records


def command(script: Path, key: str, fields: tuple[str, ...] = FIELDS) -> str:
    words = [str(script), key, "%(jobid)s"]
    for name in fields:
        words += [f"%({name})s", f'"%({name})s"', f"'%({name})s'"]
    return " ".join(words)


def configuration(script: Path) -> str:
    lines = {key: command(script, key) for key in KEYS}
    lines["policy"] = f"external({lines['policy']})"
    lines["unknown_billingcode"] = f"deny({lines['unknown_billingcode']})"
    lines["mailto"] = f"external({command(script, 'mailto', MAILTO_FIELDS)})"
    return "".join(f"{key}: {value}\n" for key, value in lines.items())


def runs(records: Path) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """key -> [(job id, {field: its value}) per run]; the three forms of each field must agree."""
    found: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for path in sorted(records.iterdir(), key=lambda p: p.stat().st_mtime_ns):
        key, job_id, *words = path.read_bytes().decode().split("\0")[:-1]
        fields = MAILTO_FIELDS if key == "mailto" else FIELDS
        assert len(words) == 3 * len(fields), (key, words)
        values = {}
        for index, name in enumerate(fields):
            unquoted, double, single = words[3 * index:3 * index + 3]
            assert unquoted == double == single, (key, name, words[3 * index:3 * index + 3])
            values[name] = unquoted
        found.setdefault(key, []).append((job_id, values))
    return found


def test_hostile_job_values_reach_every_command_byte_exact_and_never_run(rig, traps, tmp_path):
    script, records = recorder(tmp_path)
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    rig.configure(configuration(script))
    title, billing = hostile(traps, "t"), hostile(traps, "b", option=True)
    assert len(billing) <= 64
    document = rig.cups.document_dir / """f'"$(id)`id`;"'*\\é.ps"""          # a user may read it
    document.write_bytes(postscript(1))

    # 1: the billing code is unknown: deny(command), then mailto tells alice
    refused = rig.cups.wait_job(queue, rig.cups.lp(queue, document, title=title, options={"job-billing": billing}))
    assert refused.state == "canceled"
    history.add_billing_code(rig.d, billing)
    # 2: prints (askconfirmation, prehook, posthook); 3: the same file again, a duplicate
    for _ in range(2):
        done = rig.cups.wait_job(queue, rig.cups.lp(queue, document, title=title, options={"job-billing": billing}))
        assert done.state == "completed", (done.message, rig.log(done.id)[-2500:])
    # 4: a user name cupsd would not take from lp, given to the backend by hand: policy external
    user = hostile(Path("."), "u").replace("./", "")      # "/" is cut, as a Kerberos instance
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(rig.home), "PRINTER": queue,
           "DEVICE_URI": "cupspykota:" + rig.printer.uri, "CUPS_SERVERBIN": str(rig.cups.dir / "serverbin")}
    by_hand = subprocess.run([str(rig.cups.backend_dir / "cupspykota"), "9999", user, title, "1", "", str(document)],
                             env=env, cwd=traps, capture_output=True, text=True, timeout=60)
    assert by_hand.returncode == BackendExit.CANCEL, by_hand.stderr  # refused

    assert sorted(os.listdir(traps)) == []                           # nothing ran
    seen = runs(records)
    assert sorted(seen) == sorted(KEYS)
    for key, calls in seen.items():
        for job_id, values in calls:
            assert values["title"] == title, key
            assert values["username"] == (user if job_id == "9999" else "alice"), key
            if job_id != "9999":
                assert values["jobbilling"] == billing, key
                assert values["filename"] in (document.name, str(document)), key
                assert parse_options(values["options"])["job-billing"] == billing, key
    [(_, told)] = [call for call in seen["mailto"] if call[0] != "9999"]
    assert billing in told["message"] and told["action"] == "DENY"
    assert {job_id for job_id, _ in seen["policy"]} == {"9999"}


def test_the_issue_s_injections_as_reported(rig, traps, tmp_path):
    """mailto: external(logger "%(message)s") with `lp -o 'job-billing=$(id>/tmp/x)'`, and a
    quoted %(username)s in policy: external(...), both ran the injected command as root."""
    script, records = recorder(tmp_path)
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=100)
    rig.configure(f'unknown_billingcode: deny\nmailto: external({script} mailto "%(message)s")\n'
                  f'policy: external({script} policy "%(username)s")\n')
    billing = f"$(id>{traps}/billing)"
    job = rig.print(queue, 1, options={"job-billing": billing})
    assert job.state == "canceled"
    user = "$(id>injected)"
    env = {"PATH": "/usr/bin:/bin", "PYKOTA_HOME": str(rig.home), "PRINTER": queue,
           "DEVICE_URI": "cupspykota:" + rig.printer.uri, "CUPS_SERVERBIN": str(rig.cups.dir / "serverbin")}
    subprocess.run([str(rig.cups.backend_dir / "cupspykota"), "9999", user, "t", "1", "", str(rig.document(1))],
                   env=env, cwd=traps, capture_output=True, timeout=60)
    assert sorted(os.listdir(traps)) == []
    said: dict[str, list[str]] = {}
    for path in sorted(records.iterdir(), key=lambda p: p.stat().st_mtime_ns):
        key, *words = path.read_bytes().decode().split("\0")[:-1]
        said.setdefault(key, []).extend(words)
    assert f"billing code {billing} is unknown" in said["mailto"][0]
    assert said["policy"] == [user]


def test_the_seed_mailto_line_works_as_typed(rig, tmp_path):
    """The talk's line, space before the colon included: the message arrives as one argument,
    with no quotes added."""
    script, records = recorder(tmp_path)
    pknotify = tmp_path / "pknotify"
    pknotify.write_text(f'#!/bin/sh\nexec {script} pknotify "$@"\n')
    pknotify.chmod(0o755)
    queue = rig.queue()
    printers.add_printer(rig.d, queue)
    accounts.attach_user(rig.d, "alice")
    quotas.add_user_quota(rig.d, "alice", queue, hard=0)
    rig.configure(f"mailto : external({pknotify} --destination $PYKOTAJOBORIGINATINGHOSTNAME:7654 "
                  '--notify "%(message)s" 2>&1 > /dev/null)\n')
    job = rig.print(queue, 3)
    assert job.state == "canceled"
    [path] = records.iterdir()
    words = path.read_bytes().decode().split("\0")[:-1]
    assert words[:4] == ["pknotify", "--destination", "localhost:7654", "--notify"] and len(words) == 5
    message = words[4]
    assert message.startswith("Hello alice,\n") and "(hard limit of 0 pages reached" in message
    assert message.endswith("\n-- \nroot <root@localhost>, your print administrator")

