"""Every sentence pkweb shows has its French translation, with the same {placeholders}."""
from __future__ import annotations

import re
from pathlib import Path

from pykota_ldap.web.i18n import FRENCH, translate

WEB = Path(__file__).resolve().parents[2] / "pykota_ldap" / "web"
SENTENCE = re.compile(r'''_\(\s*"((?:[^"\\]|\\.)*)"''')


def sentences() -> set[str]:
    found = set()
    for path in list(WEB.glob("*.py")) + list((WEB / "templates").glob("*.html")):
        found.update(SENTENCE.findall(path.read_text()))
    return found


def test_every_sentence_has_a_french_translation_with_the_same_placeholders():
    shown = sentences()
    assert len(shown) > 60
    missing = sorted(s for s in shown if s not in FRENCH)
    assert missing == []
    for english in shown:
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", FRENCH[english])), english


def test_english_is_the_default_and_values_are_filled_in():
    assert translate("en", "Log in") == "Log in" and translate("fr", "Log in") == "Connexion"
    assert translate("fr", "Pages grace time: {days} days", days=7) == "Délai de grâce : 7 jours"
    assert translate("de", "Log in") == "Log in"
