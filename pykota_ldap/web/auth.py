"""Logging in and out: the user's own directory password, checked by a bind as the user's entry.

The name typed is looked up with an escaped equality filter (accounts.get_user): the DN bound
is the directory's, never one built from the form. Admins are the members of the posixGroup
named by `webadmins`, read at each login (and at each admin request, web.app). Failures say
the same thing whether the name or the password was wrong, and none comes sooner than
`refusal_seconds` (0.5 s) after the request: a wrong password costs the directory a hash check
that an unknown name does not (0.2 ms to 11 ms measured, by hash scheme), so without that floor
timing the refusals would list the names that exist. They count against the name as the
directory spells it and the address (web.throttle).
"""
from __future__ import annotations

import math
import secrets
import time
from typing import Any

from flask import Blueprint, redirect, render_template, request, session, url_for

from ..directory import DirectoryUnavailable, accounts
from ..directory.login import password_is_right
from ..model import User
from .context import _, directory, web

bp = Blueprint("auth", __name__)
MAX_NAME = 256


def is_admin(name: str) -> bool:
    group_name = web().config.get("webadmins")
    if not group_name:
        return False
    group = accounts.get_group(directory(), group_name)
    return group is not None and name.lower() in {m.lower() for m in group.members}


def _account(name: str) -> User | None:
    """The directory's entry for the name typed, or None (a name no entry can have: None)."""
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        return None
    return accounts.get_user(directory(), name)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html")
    started = time.monotonic()
    name, password = request.form.get("username", "").strip(), request.form.get("password", "")
    address = request.remote_addr or "-"
    user = _account(name)
    # The directory matches names ignoring case and width ("ｂob" is bob): the throttle counts
    # the name it gives, so no spelling of a name gets tries of its own.
    counted = user.name if user is not None else name[:MAX_NAME]      # a key of bounded size
    wait = web().throttle.begin(counted, address)
    if wait > 0:
        return render_template("login.html", error=_("Too many failed logins: try again in {minutes} minutes.",
                                                     minutes=math.ceil(wait / 60)), username=name), 429
    try:
        right = user is not None and len(password) <= 4096 and password_is_right(web().config.ldap(admin=True),
                                                                                user.dn, password)
    except DirectoryUnavailable:
        web().throttle.withdraw(counted, address)
        raise
    if user is None or not right:
        time.sleep(max(0.0, web().refusal_seconds - (time.monotonic() - started)))   # as slow as the slowest
        return render_template("login.html", error=_("Wrong user name or password."), username=name), 401
    web().throttle.succeeded(counted, address)
    admin = is_admin(user.name)
    session.clear()
    session.update(user=user.name, admin=admin, csrf=secrets.token_urlsafe(32), seen=time.time(),
                   sid=web().sessions.start(web().idle_seconds))
    return redirect(url_for("user.account"))


@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    web().sessions.end(session.get("sid", ""))
    session.clear()
    return redirect(url_for("auth.login"))
