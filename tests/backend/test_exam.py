"""Exam sessions ([exam:<name>] in pykota.conf): a period of a few seconds that starts and ends
by itself while jobs are printed before, during and after it through the real cupsd."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timedelta

from pykota_ldap.directory import accounts, printers, quotas


def _pkprinters_list(rig, queue: str) -> str:
    env = {**os.environ, "PYKOTA_HOME": str(rig.home)}
    done = subprocess.run([sys.executable, "-m", "pykota_ldap.cli.pkprinters", "-l", queue], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _wait_until(moment: datetime) -> None:
    time.sleep(max(0.0, (moment - datetime.now().astimezone()).total_seconds()) + 0.2)


def test_an_exam_session_starts_and_ends_by_itself(rig):
    queue = rig.queue()
    printers.add_printer(rig.d, queue, price_per_page=100)
    accounts.attach_user(rig.d, "alice", balance=10_000)
    quotas.add_user_quota(rig.d, "alice", queue, soft=2, hard=2)
    # Seconds-long, with room for a loaded 2-core machine: the first jobs must be made before the
    # start, the held one released and the third printed between start and end.
    start = datetime.now().astimezone().replace(microsecond=0) + timedelta(seconds=8)
    end = start + timedelta(seconds=12)
    rig.configure(**{"exam:finals": f"examprinters: {queue}\nexamstart: {start:%Y-%m-%d %H:%M:%S}\n"
                                    f"examend: {end:%Y-%m-%d %H:%M:%S}"})

    held = rig.print(queue, 1, wait=False, options={"job-hold-until": "indefinite"})
    before = rig.print(queue, 1)
    assert datetime.now().astimezone() < start, "the machine is too slow for this test's periods"
    assert before.state == "completed", rig.log(before.id)[-1500:]
    assert rig.counter("alice", queue) == 1                     # charged
    listing = _pkprinters_list(rig, queue)
    assert "(scheduled)" in listing and f"{start:%Y-%m-%d %H:%M:%S %z}" in listing      # a moment, with its offset

    _wait_until(start)
    assert "Exam session finals" in _pkprinters_list(rig, queue) and "(active)" in _pkprinters_list(rig, queue)
    rig.cups.run("lp", "-i", f"{queue}-{held}", "-H", "resume")    # made before the exam, printed during it
    assert rig.cups.wait_job(queue, held).state == "completed", rig.log(held)[-1500:]
    assert rig.counter("alice", queue) == 2                     # charged: the quota is now full
    during = rig.print(queue, 3)
    assert datetime.now().astimezone() < end, "the machine is too slow for this test's periods"
    assert during.state == "completed", rig.log(during.id)[-1500:]   # the full quota does not block it
    assert rig.counter("alice", queue) == 2                     # and it is not charged
    assert f"exam session finals until {end:%Y-%m-%d %H:%M:%S %z}" in rig.log(during.id)   # with its offset

    _wait_until(end)
    after = rig.print(queue, 1)
    assert after.state != "completed"                           # the quota applies again
    assert rig.counter("alice", queue) == 2
    assert "Exam session" not in _pkprinters_list(rig, queue)

    history = {int(j["pkJobId"]): j for j in rig.jobs(queue)}
    assert (history[before.id]["pkAction"], history[before.id]["pkJobSize"]) == ("ALLOW", "1")
    assert (history[during.id]["pkAction"], history[during.id]["pkJobSize"], history[during.id]["pkJobPrice"]) \
        == ("ALLOW", "3", "0")
    assert (history[held]["pkAction"], history[held]["pkJobPrice"]) == ("ALLOW", "100")
    assert history[after.id]["pkAction"] == "DENY"
    assert rig.balance("alice") == 10_000 - 200                 # the two jobs made before the exam


def test_an_exam_section_is_checked(tmp_path):
    from pykota_ldap.exam import problems
    assert problems("x", {"examprinters": "a", "examstart": "2026-01-02 10:00", "examend": "2026-01-02 09:00"}) \
        == ["examend (2026-01-02 09:00) is not after examstart (2026-01-02 10:00)"]
    assert problems("x", {"examstart": "2026-01-02 10:00", "examend": "2026-01-02 11:00"}) \
        == ["missing key 'examprinters'"]


def test_a_session_covers_patterns_and_printer_groups():
    from datetime import timezone

    from pykota_ldap.exam import active, sessions
    found = sessions({"exam:finals": {"examprinters": "b12-*, Library", "examstart": "2026-12-14 09:00+01:00",
                                      "examend": "2026-12-14T12:30:00+01:00"},
                      "hp4": {"accounter": "software()"}})
    [finals] = found
    inside = datetime(2026, 12, 14, 9, 0, tzinfo=timezone.utc)
    assert finals.state(inside) == "active" and finals.state(finals.end) == "ended"
    assert active(found, ["b12-laser"], inside) is finals
    assert active(found, ["hp4", "library"], inside) is finals        # a member of the printer group library
    assert active(found, ["hp4"], inside) is None
    assert active(found, ["b12-laser"], finals.end) is None


def test_an_exam_date_out_of_range_is_a_configuration_problem(tmp_path):
    """9999-12-31 23:59 local time west of Greenwich has no UTC moment: one line, no traceback."""
    code = ("from pykota_ldap.exam import problems; from pykota_ldap.config_values import DateTime; "
            "print(DateTime().problem('9999-12-31 23:59')); "
            "print(problems('x', {'examprinters': 'a', 'examstart': '2026-01-02 10:00', "
            "'examend': '9999-12-31 23:59'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TZ": "America/New_York"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["a date and time such as 2026-12-14 09:00", "[]"]


def test_a_job_whose_creation_cupsd_does_not_tell_is_not_an_exam_job(tmp_path):
    """No cupsd to ask (or a job it does not know): no creation time, so the exam does not apply."""
    from pykota_ldap.cupsjobs import job_created
    from pykota_ldap.exam import active, sessions
    assert job_created("q1", 1, server=str(tmp_path / "no-cups.sock"), timeout=1.0) is None
    [finals] = sessions({"exam:finals": {"examprinters": "q1", "examstart": "2026-12-14 09:00+00:00",
                                         "examend": "2026-12-14 12:00+00:00"}})
    during = datetime(2026, 12, 14, 10, 0, tzinfo=finals.start.tzinfo)
    assert active([finals], ["q1"], during, created=during - timedelta(minutes=1)) is finals
    assert active([finals], ["q1"], during, created=finals.start - timedelta(seconds=1)) is None
