"""The demo's second half (tools/demo.py runs it): the mails the jobs sent, a price quote and a
refund, and the web application answering a login on a loopback port."""
import html
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from pykota_ldap import money
from pykota_ldap.directory import Directory, accounts

WEB_LOGINS = (("alice", "alicepw", "a user"), ("jerome", "jeromepw", "an admin: group admins"))


def show_mail(received, say, shell) -> None:
    """Every mail the SMTP sink got (who, subject), then the first refusal told to a user, in full."""
    say(f"Notifications: the mails of the refusals, caught by a local SMTP sink ({len(received)} received)")
    for mail in received:
        print(f"  to {', '.join(mail.recipients):24} {mail.message['Subject']}")
    to_users = [m for m in received if "printdesk@example.org" not in m.recipients]
    to_user = next((m for m in to_users if "refused" in m.message["Subject"]), to_users[0] if to_users else None)
    if to_user is None:
        return
    print()
    for header in ("From", "To", "Subject"):
        print(f"  {header}: {to_user.message[header]}")
    print()
    for line in to_user.body.strip().splitlines()[:8]:
        print(f"  | {line}")


def settled(mail, quiet: float = 0.7, timeout: float = 8.0) -> list:
    """The mails received once none has come for `quiet` seconds (the last jobs' may still be on their way)."""
    deadline, seen, since = time.monotonic() + timeout, -1, time.monotonic()
    while time.monotonic() < deadline:
        if len(mail.received) != seen:
            seen, since = len(mail.received), time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        time.sleep(0.05)
    return list(mail.received)


def command(home: Path, name: str, *args: str, shell) -> str:
    """An installed command as the admin types it (in the demo's directory); its output, or its one-line error."""
    shell(shlex.join((name, *args)))
    done = subprocess.run([str(Path(sys.executable).parent / name), *args], capture_output=True, text=True,
                          env={**os.environ, "PYKOTA_HOME": str(home)}, cwd=home.parent, timeout=60)
    return (done.stdout if done.returncode == 0 else done.stderr).rstrip()


def _balance(d: Directory, name: str) -> str:
    user = accounts.get_user(d, name)
    return money.format(user.balance) if user else "(no account)"


def quote_and_refund(home: Path, sample: Path, d: Directory, say, shell) -> None:
    """pykotme on a sample file, then a paper jam refunded with pkrefund: bob's balance before and after."""
    say("Money: what a job would cost (pykotme), and a refund (pkrefund)")
    print(command(home, "pykotme", "-u", "bob", sample.name, shell=shell))
    print(f"\nbob's balance before the refund: {_balance(d, 'bob')}")
    said = command(home, "pkrefund", "-f", "-r", "paper jam", "jobid=5", "printername=color", "-o", "receipt.pdf",
                   shell=shell)
    print(said or f"{'':2}(job 5 of bob on color refunded; its receipt: {(home.parent / 'receipt.pdf').stat().st_size} "
                  "bytes of PDF)")
    print(f"bob's balance after the refund:  {_balance(d, 'bob')}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_web(home: Path) -> tuple[subprocess.Popen, str]:
    """`pkweb serve` on a free loopback port; its process and URL once it listens."""
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "pkweb"), "serve", "--bind", f"127.0.0.1:{port}"],
                              env={**os.environ, "PYKOTA_HOME": str(home)}, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"pkweb serve exited: {server.stderr.read() if server.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server, f"http://localhost:{port}"
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("pkweb serve did not listen")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(opener, url: str, cookie: str, data: bytes | None = None):
    """One request with the session cookie sent by hand: the cookie is Secure, and Python's cookie jar
    (unlike browsers on localhost) keeps Secure cookies for HTTPS."""
    request = urllib.request.Request(url, data=data, headers={"Cookie": cookie} if cookie else {})
    try:
        return opener.open(request, timeout=20)
    except urllib.error.HTTPError as answer:        # the login's 302 (redirects are not followed)
        return answer


def _cookie(answer, default: str) -> str:
    header = answer.headers.get("Set-Cookie", "")
    return header.split(";", 1)[0] if header.startswith("pkweb=") else default


def page_text(markup: str) -> list[str]:
    """What a browser shows of a page's <main>, line by line (tags dropped)."""
    main = re.search(r"<main.*?</main>", markup, re.S)
    body = re.sub(r"<(script|style|svg|form).*?</\1>", "", main.group(0) if main else markup, flags=re.S)
    body = re.sub(r"\s+", " ", body)                 # the markup's own line breaks are not the page's
    body = re.sub(r"</(tr|p|h\d|li|div|table|caption|dd)>|<br\s*/?>", "\n", body)
    body = re.sub(r"</t[dh]>", "  ", body)
    lines = (" ".join(html.unescape(re.sub(r"<[^>]+>", " ", line)).split()) for line in body.splitlines())
    return [line for line in lines if line]


def web_login(url: str, user: str, password: str, path: str = "/") -> tuple[int, list[str]]:
    """Log in as a browser does (form, CSRF token, session cookie) and fetch a page (the account page)."""
    opener = urllib.request.build_opener(_NoRedirect)
    form = _get(opener, url + "/login", "")
    cookie = _cookie(form, "")
    token = re.search(r'name="csrf" value="([^"]+)"', form.read().decode())
    fields = {"username": user, "password": password, "csrf": token.group(1) if token else ""}
    logged = _get(opener, url + "/login", cookie, urllib.parse.urlencode(fields).encode())
    page = _get(opener, url + path, _cookie(logged, cookie))
    return page.status, page_text(page.read().decode())


def show_web(home: Path, url: str, say, shell, lines: int = 16) -> None:
    say(f"The web application: pkweb serve on {url}/")
    said = command(home, "pkusers", "--add", "jerome", shell=shell)   # the admin gets an account page of his own
    if said:
        print(said)
    shell(f"pkweb serve --bind 127.0.0.1:{url.rsplit(':', 1)[1]}")
    for user, password, who in WEB_LOGINS:
        print(f"  log in as {user} / {password}   ({who})")
    status, text = web_login(url, *WEB_LOGINS[0][:2])
    print(f"\nWhat alice sees after logging in (GET / answered {status}):")
    for line in text[:lines]:
        print(f"  | {line}")
    status, text = web_login(url, *WEB_LOGINS[1][:2], path="/admin/report")
    print(f"\nWhat jerome, an admin, sees on /admin/report (answered {status}):")
    for line in text[:8]:
        print(f"  | {line}")


def web(home: Path, keep: bool, say, shell, bold: str, off: str) -> None:
    """pkweb for the demo's directory: shown, then stopped (or, with --web, kept until Ctrl-C)."""
    server, url = start_web(home)
    try:
        show_web(home, url, say, shell)
        if keep:
            print(f"\n{bold}Open {url}/ in a browser on this machine; Ctrl-C ends the demo.{off}", flush=True)
            try:
                server.wait()
            except KeyboardInterrupt:
                print()
    finally:
        server.terminate()
        server.wait(timeout=10)
