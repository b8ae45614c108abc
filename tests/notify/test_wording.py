"""Every event's template, in English and French, and an admin's own folder tried first."""
from __future__ import annotations

import pytest

from pykota_ldap.notify.wording import EVENTS, TemplateError, language_of, render

VALUES = {"user": "alice", "printer": "hp1", "reason": "hard limit of 20 pages reached (20 used)", "title": "t",
          "action": "DENY", "text": None, "admin": "Desk", "adminmail": "desk@example.org", "balance": "0.50",
          "pagecounter": "20", "softlimit": "10", "hardlimit": "20", "datelimit": "None", "checked": 3,
          "printers": "hp1", "refused": ["alice on hp1: x"], "warned": []}


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_speaks_english_and_french(event):
    english, french = render(event, "en", VALUES), render(event, "fr_FR.UTF-8", VALUES)
    for subject, body in (english, french):
        assert subject and "\n" not in subject and body.strip()
        assert "{{" not in body and "{%" not in body
    assert english != french


def test_an_admin_s_template_wins_and_the_others_still_come(tmp_path):
    (tmp_path / "de").mkdir()
    own = "Subject: Kontingent erschöpft auf {{ printer }}\n\nHallo {{ user }}.\n"
    (tmp_path / "de" / "hardlimit.txt").write_text(own)
    assert render("hardlimit", "de", VALUES, str(tmp_path)) == ("Kontingent erschöpft auf hp1", "Hallo alice.\n")
    assert render("softlimit", "de", VALUES, str(tmp_path))[0] == "Page quota on hp1: soft limit passed"   # English
    (tmp_path / "de" / "refused.txt").write_text("no subject line\n")
    (tmp_path / "de" / "admin.txt").write_text("Subject: {% if %}\n")
    with pytest.raises(TemplateError, match="first line must be 'Subject: ...'"):
        render("refused", "de", VALUES, str(tmp_path))
    with pytest.raises(TemplateError, match="^mail template de/admin.txt: "):
        render("admin", "de", VALUES, str(tmp_path))


def test_languages():
    assert [language_of(v) for v in ("fr_FR.UTF-8", "en", None, "pt-BR", "$(id)")] == ["fr", "en", "en", "pt", "en"]
