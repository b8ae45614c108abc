"""pkweb in a real browser (headless Chromium through selenium), against the web rig: a stock
slapd whose jobs the real backend wrote, and `pkweb serve`. One browser for the module; the
throttling tests come last, since they lock this address out."""
from __future__ import annotations

import http.cookiejar
import shlex
import urllib.request

import pikepdf
import pytest
from click.testing import CliRunner
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from pykota_ldap.cli import dumpykota

from .conftest import SCREENSHOTS


def login(browser, rig, user: str, password: str) -> None:
    browser.delete_all_cookies()
    browser.get(rig.url + "/login")
    browser.find_element(By.ID, "username").send_keys(user)
    browser.find_element(By.ID, "password").send_keys(password)
    submit(browser, "login")


def submit(browser, button: str) -> None:
    """Click a form's button and wait for the page that answers (not the old one still shown)."""
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.ID, button).click()
    WebDriverWait(browser, 60).until(lambda _driver: replaced(old))


def replaced(element) -> bool:
    """The page holding `element` is gone. Chromium may answer a look at a node of a page being
    replaced with a generic inspector error instead of a stale-element one: gone, too."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error):
            return True
        raise
    return False


def text(browser) -> str:
    return browser.find_element(By.TAG_NAME, "body").text


def shot(browser, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / name))


def fetch(browser, rig, path: str) -> tuple[int, bytes]:
    """GET with the browser's session cookie, for downloads (selenium does not read them)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in browser.get_cookies())
    request = urllib.request.Request(rig.url + path, headers={"Cookie": cookie})
    try:
        with opener.open(request) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_a_wrong_password_is_refused(browser, web_rig):
    login(browser, web_rig, "alice", "not-her-password")
    assert "Wrong user name or password." in text(browser)
    assert browser.current_url.endswith("/login")
    browser.get(web_rig.url + "/")
    assert browser.current_url.endswith("/login")              # no session was opened


def test_a_user_sees_her_account_jobs_payments_and_chart(browser, web_rig):
    login(browser, web_rig, "alice", "alicepw")
    page = text(browser)
    assert browser.find_element(By.ID, "subject").text == "alice"
    assert browser.find_element(By.ID, "balance").text == "18.65"        # 20 - (0.05 + 3 x 0.10) - 2 x 0.50
    assert browser.find_element(By.ID, "paid").text == "20.00"
    jobs = browser.find_element(By.ID, "jobs").text
    assert "alice-3p" in jobs and "alice-2p" in jobs and "bob" not in jobs
    assert "rentrée" in browser.find_element(By.ID, "payments").text
    assert browser.find_elements(By.CSS_SELECTOR, ".chart svg rect")
    assert "hp4" in browser.find_element(By.ID, "quotas").text
    assert "Log out" in page
    shot(browser, "web-account.png")


def test_editing_urls_never_shows_another_users_data(browser, web_rig):
    login(browser, web_rig, "alice", "alicepw")
    for path in ("/?user=bob", "/quote?user=bob", "/why?job=1&user=bob", "/admin/report", "/admin/charts",
                 "/admin/export/download?dataset=users&format=csv"):
        browser.get(web_rig.url + path)
        assert "This page is for admins." in text(browser), path
        assert "bob-" not in browser.page_source
    bobs_refused = web_rig.job_ids["bob"][-1]
    browser.get(f"{web_rig.url}/why?job={bobs_refused}")
    assert f"No job {bobs_refused} in the history." in text(browser) or "bob" not in text(browser)


def _pdf(path, pages: int):
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    pdf.save(path)
    return path


def test_the_quote_of_a_3_page_pdf_on_two_printers(browser, web_rig, tmp_path):
    login(browser, web_rig, "alice", "alicepw")
    browser.get(web_rig.url + "/quote")
    browser.find_element(By.ID, "document").send_keys(str(_pdf(tmp_path / "three.pdf", 3)))
    submit(browser, "send")
    result = browser.find_element(By.ID, "result").text
    assert "three.pdf: 3 pages" in result
    rows = {r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[1].text
            for r in browser.find_elements(By.CSS_SELECTOR, "#prices tbody tr")}
    assert rows == {"hp4": "0.35", "color": "1.50"}
    shot(browser, "web-quote.png")


@pytest.mark.parametrize("name, content, message", [
    ("notes.txt", b"\x00\x01\x02 not a document \xff" * 50, "This file cannot be priced"),
    ("huge.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 200_000), "The file is larger than the 1 MB allowed."),
])
def test_bad_uploads_get_a_clear_message(browser, web_rig, tmp_path, name, content, message):
    login(browser, web_rig, "alice", "alicepw")
    browser.get(web_rig.url + "/quote")
    path = tmp_path / name
    path.write_bytes(content)
    browser.find_element(By.ID, "document").send_keys(str(path))
    submit(browser, "send")
    assert message in browser.find_element(By.ID, "error").text


def test_a_hostile_file_name_is_shown_as_text(browser, web_rig, tmp_path):
    login(browser, web_rig, "alice", "alicepw")
    browser.get(web_rig.url + "/quote")
    hostile = '"><img src=x id=injected>&amp;.pdf'
    browser.find_element(By.ID, "document").send_keys(str(_pdf(tmp_path / hostile, 1)))
    submit(browser, "send")
    assert hostile + ": 1 pages" in browser.find_element(By.ID, "result").text
    assert not browser.find_elements(By.ID, "injected")


def test_a_forged_form_is_refused(browser, web_rig, tmp_path):
    login(browser, web_rig, "alice", "alicepw")
    browser.get(web_rig.url + "/quote")
    browser.execute_script("document.querySelector('main form input[name=csrf]').value = 'forged';")
    browser.find_element(By.ID, "document").send_keys(str(_pdf(tmp_path / "one.pdf", 1)))
    submit(browser, "send")
    assert "This form has expired or did not come from this site" in text(browser)
    assert not browser.find_elements(By.ID, "result")


def test_an_admin_sees_everyone_the_report_and_the_charts(browser, web_rig):
    login(browser, web_rig, "jerome", "jeromepw")
    browser.get(web_rig.url + "/admin/report?printer=hp4")
    report = text(browser)
    assert "Report for user quota on printer hp4 (salle 1)" in report
    for name in ("alice", "bob", "jerome"):
        assert name in report
    row = browser.find_element(By.XPATH, "//table[@class='quota-report']//tr[td/a[text()='bob']]").text.split()
    assert row[:3] == ["bob", "+Q", "1.0"] and row[3:6] == ["5", "4", "5"] and "DENY" in row
    shot(browser, "web-report.png")
    old = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.LINK_TEXT, "bob").click()
    WebDriverWait(browser, 60).until(lambda _driver: replaced(old))
    assert browser.find_element(By.ID, "subject").text == "bob"
    jobs = browser.find_element(By.ID, "jobs").text
    assert "bob-1p" in jobs and "refused: hard limit of 5 pages reached (5 used)" in jobs     # CUPS's reason
    browser.get(web_rig.url + "/admin/charts")
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.chart svg")) == 4
    assert "Pages per printer per month" in text(browser)
    shot(browser, "web-charts.png")
    bobs_refused = web_rig.job_ids["bob"][-1]
    browser.get(f"{web_rig.url}/why?job={bobs_refused}")
    assert "DENY" in text(browser) and "hard limit of 5 pages reached (5 used)" in text(browser)
    told = browser.find_element(By.ID, "told").text                       # what CUPS still has of the job
    assert told == f"cupspykota: job {bobs_refused} of bob refused: hard limit of 5 pages reached (5 used)", told
    shot(browser, "web-why.png")


@pytest.mark.parametrize("command", ["-d history -f csv", "-d users -f csv", "-d upquotas -f tsv printername=hp4",
                                     "-d payments -f json", "-d history -f cups username=bob"])
def test_an_export_is_what_dumpykota_prints(browser, web_rig, monkeypatch, command):
    login(browser, web_rig, "jerome", "jeromepw")
    args = shlex.split(command)
    query = f"dataset={args[1]}&format={args[3]}&filters={'+'.join(args[4:])}"
    status, body = fetch(browser, web_rig, "/admin/export/download?" + query)
    monkeypatch.setenv("PYKOTA_HOME", str(web_rig.home))
    expected = CliRunner().invoke(dumpykota.main, args, prog_name="dumpykota")
    assert expected.exit_code == 0, expected.output
    assert status == 200 and body.decode() == expected.output and len(body) > 50


def test_the_french_pages(browser, web_rig):
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "fr-FR,fr;q=0.9"}})
    try:
        browser.delete_all_cookies()
        browser.get(web_rig.url + "/login")
        assert browser.find_element(By.TAG_NAME, "h1").text == "Connexion"
        login(browser, web_rig, "jerome", "jeromepw")
        assert "Mon compte" in text(browser)
        browser.get(web_rig.url + "/admin/report?printer=hp4")
        assert "Rapport pour le quota user sur l'imprimante hp4 (salle 1)" in text(browser)
        assert "Délai de grâce : 7 jours" in text(browser)
        shot(browser, "web-report-fr.png")
    finally:
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def test_cups_says_nothing_of_a_job_it_does_not_have(web_rig):
    from pykota_ldap.cupsjobs import job_message
    refused = web_rig.job_ids["bob"][-1]
    said = job_message("hp4", refused, server=str(web_rig.cups.socket))
    assert said.endswith("hard limit of 5 pages reached (5 used)")
    assert job_message("hp4", 99999, server=str(web_rig.cups.socket)) is None
    assert job_message("hp4", refused, server="/nonexistent/cups.sock") is None
    assert job_message("hp4", refused, server="127.0.0.1:1") is None


def test_cups_says_nothing_of_a_job_of_someone_else(web_rig):
    """A job id the history gives alice may be bob's in CUPS (ids start again with a new spool):
    what CUPS told bob is never shown to her."""
    from pykota_ldap.cupsjobs import job_message
    refused = web_rig.job_ids["bob"][-1]
    assert job_message("hp4", refused, owner="alice", server=str(web_rig.cups.socket)) is None
    assert job_message("hp4", refused, owner="BOB", server=str(web_rig.cups.socket)).endswith("(5 used)")


def test_throttling_after_repeated_failures_for_one_user(browser, web_rig):
    for _ in range(5):
        login(browser, web_rig, "toto", "wrong")
        assert "Wrong user name or password." in text(browser)
    login(browser, web_rig, "toto", "totopw")                          # the right password, too late
    assert "Too many failed logins: try again in 15 minutes." in text(browser)
    login(browser, web_rig, "alice", "alicepw")                        # others still may
    assert browser.find_element(By.ID, "subject").text == "alice"


def test_throttling_after_repeated_failures_from_one_address(browser, web_rig):
    # Each name fails once only (no user is locked), so only the address can lock: within its
    # 20 failures, whatever the tests before left counted.
    for number in range(20):
        login(browser, web_rig, f"nobody{number}", "wrong")
        if "Too many failed logins" in text(browser):
            break
    login(browser, web_rig, "chloe", "chloepw")
    assert "Too many failed logins" in text(browser)

