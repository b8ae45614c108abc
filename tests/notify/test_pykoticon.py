"""pykoticon, the desktop listener, on a virtual X screen: pknotify opens its dialogs, xdotool
presses their buttons, pknotify prints the answer; the windows are photographed (into
$PYKOTA_SCREENSHOTS when set: docs/images holds the ones the docs show)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pykota_ldap.testing.ci import require_tools
from pykota_ldap.testing.xdisplay import DesktopListener, VirtualScreen

PKNOTIFY = str(Path(sys.executable).parent / "pknotify")


@pytest.fixture(scope="module")
def screen():
    require_tools("Xvfb", "xdotool")
    try:
        import tkinter  # noqa: F401
    except ImportError:
        from pykota_ldap.testing.ci import skip_unless_ci
        skip_unless_ci("tkinter is missing: install python3-tk")
    with VirtualScreen() as display:
        yield display


@pytest.fixture(scope="module")
def desktop(screen):
    with DesktopListener(screen, "127.0.0.1") as listener:
        yield listener


@pytest.fixture
def shots(tmp_path):
    return Path(os.environ.get("PYKOTA_SCREENSHOTS") or tmp_path)


def ask(desktop, *args: str) -> subprocess.Popen:
    return subprocess.Popen([PKNOTIFY, "-d", f"127.0.0.1:{desktop.port}", "--timeout", "30", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def answer(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=30)
    return out


def click(screen, window: str, right: int, bottom: int) -> None:
    """A click at (width - right, height - bottom) in the window: the dialogs' buttons sit in the
    bottom right corner, Cancel last."""
    _, _, width, height = screen.geometry(window)
    screen.xdotool("mousemove", "--window", window, str(width - right), str(bottom and height - bottom), "click", "1")


def test_a_confirmation_answered_with_the_mouse_and_the_keyboard(screen, desktop, shots):
    asking = ask(desktop, "--confirm", "Imprimer 3 pages pour 1,95 € ?\\nVotre solde : 12,50 crédits")
    window = screen.window("PyKota: confirmation")
    shot = screen.screenshot(shots / "pykoticon-confirm.png", window)
    assert shot.stat().st_size > 1000
    click(screen, window, 62, 26)                                   # Cancel
    assert answer(asking) == "CANCEL\n"
    asking = ask(desktop, "--confirm", "Encore ?")
    window = screen.window("PyKota: confirmation")
    screen.xdotool("windowfocus", "--sync", window, "key", "Return")
    assert answer(asking) == "OK\n"


def test_a_message_is_shown_until_ok(screen, desktop, shots):
    asking = ask(desktop, "--notify", "Quota presque atteint : 95 pages sur 100 ; $(id) `id` reste du texte.")
    window = screen.window("PyKota: message")
    screen.screenshot(shots / "pykoticon-message.png", window)
    click(screen, window, 62, 26)                                   # the only button: OK
    assert answer(asking) == "OK\n"


def test_a_form_hides_the_password_and_gives_what_was_typed(screen, desktop, shots):
    asking = ask(desktop, "--ask", "Code de facturation:billingcode:", "--ask", "Identifiant:username:alice",
                 "--ask", "Mot de passe:password:")
    window = screen.window("PyKota: form")
    screen.xdotool("windowfocus", "--sync", window)
    time.sleep(0.3)
    screen.xdotool("type", "--delay", "20", "projet-été")           # the first field has the focus
    screen.xdotool("key", "Tab", "Tab")
    screen.xdotool("type", "--delay", "20", "s3cret")
    time.sleep(0.3)
    screen.screenshot(shots / "pykoticon-form.png", window)
    screen.xdotool("key", "Return")
    assert answer(asking).splitlines() == ["BILLINGCODE=projet-été", "USERNAME=alice"]


def test_a_server_not_allowed_is_refused(screen):
    with DesktopListener(screen, "192.0.2.7") as elsewhere:
        done = subprocess.run([PKNOTIFY, "-d", f"127.0.0.1:{elsewhere.port}", "--confirm", "x"], capture_output=True,
                              text=True, timeout=30)
        assert done.stdout == "CANCEL\n"                             # unreachable: the noremote word
        elsewhere.stop()
        assert "connection from 127.0.0.1 refused" in elsewhere.said()


def test_the_quota_on_demand(screen, shots):
    report = "Quota de alice sur hp1 : 12 pages sur 100 (limite douce 80)"
    with DesktopListener(screen, "--quota-command", f"printf '%s\\n' '{report}'") as local:
        main = screen.window("PyKota")
        _, _, _, height = screen.geometry(main)
        screen.xdotool("mousemove", "--window", main, "30", str(height // 2), "click", "1")   # My print quota
        shown = screen.window("PyKota: my print quota")
        screen.screenshot(shots / "pykoticon-quota.png", shown)
        assert local.process is not None and local.process.poll() is None


def test_quit_stops_the_listener(screen):
    with DesktopListener(screen) as local:                          # no address: this machine only
        subprocess.run([PKNOTIFY, "-d", f"127.0.0.1:{local.port}", "--quit"], check=True, timeout=30)
        assert local.process is not None and local.process.wait(10) == 0
