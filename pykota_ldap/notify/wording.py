"""The words of every mail: one jinja2 template per event and language.

A template's first line is `Subject: ...`, the rest is the body. The shipped ones are in
templates/<language>/<event>.txt (English and French); an admin's own folder (`mailtemplates`)
is searched first, with the same layout, so one file can be changed without copying the others.
A language without a template for an event falls back to English.
"""
from __future__ import annotations

from pathlib import Path

import jinja2

SHIPPED = Path(__file__).resolve().parent / "templates"
# refused: any other refusal (billing code, duplicate, job size...); admin: the admin's notice of
# a warning or refusal; summary: what a warnpykota run did, for the admin.
EVENTS = ("refused", "noprint", "softlimit", "hardlimit", "balancelow", "balancezero", "admin", "summary")


class TemplateError(Exception):
    """A template is missing or broken: one line naming it."""


def language_of(value: str | None) -> str:
    """'fr_FR.UTF-8' -> 'fr'; unset -> 'en'."""
    text = (value or "en").strip().split(".")[0].split("_")[0].split("-")[0].lower()
    return text if text.isalpha() else "en"


def _folders(language: str, own: str | None) -> list[str]:
    roots = ([Path(own)] if own else []) + [SHIPPED]
    return [str(root / lang) for lang in dict.fromkeys((language, "en")) for root in roots]


def render(event: str, language: str, values: dict[str, object], own: str | None = None) -> tuple[str, str]:
    """(subject, body) of `event` in `language`."""
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(_folders(language_of(language), own)),
                                     autoescape=False, keep_trailing_newline=True,
                                     undefined=jinja2.ChainableUndefined)
    name = f"{event}.txt"
    try:
        text = environment.get_template(name).render(**values)
    except jinja2.TemplateNotFound as exc:
        raise TemplateError(f"no mail template {exc.name} for {language_of(language)} or en") from None
    except jinja2.TemplateError as exc:
        raise TemplateError(f"mail template {language_of(language)}/{name}: {exc}") from None
    first, _, body = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise TemplateError(f"mail template {language_of(language)}/{name}: its first line must be 'Subject: ...'")
    return first[len("subject:"):].strip(), body.strip("\n") + "\n"
