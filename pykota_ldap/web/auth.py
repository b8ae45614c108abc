"""Logging in and out: the user's own directory password, checked by a bind as the user's entry.

The name typed is looked up with an escaped equality filter (accounts.get_user): the DN bound
is the directory's, never one built from the form. Admins are the members of the posixGroup
named by `webadmins`, read at each login (and at each admin request, web.app). Failures say
the same thing whether the name or the password was wrong, and take the same time: a name with
no entry still costs a bind (as an entry that cannot exist), so how long the answer takes does
not tell which names exist. They count against the name as the directory spells it and the
address (web.throttle).
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
DECOY_RDN = "cn=pkweb no such user"      # bound for a name with no entry: no entry has this DN


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
    name, password = request.form.get("username", "").strip(), request.form.get("password", "")
    address = request.remote_addr or "-"
    user = _account(name)
    # The directory matches names ignoring case and width ("ｂob" is bob): the throttle counts
    # the name it gives, so no spelling of a name gets tries of its own.
    counted = user.name if user is not None else name
    wait = web().throttle.begin(counted, address)
    if wait > 0:
        return render_template("login.html", error=_("Too many failed logins: try again in {minutes} minutes.",
                                                     minutes=math.ceil(wait / 60)), username=name), 429
    settings = web().config.ldap(admin=True)
    try:
        bound = user.dn if user is not None else f"{DECOY_RDN},{settings.base}"
        right = len(password) <= 4096 and password_is_right(settings, bound, password) and user is not None
    except DirectoryUnavailable:
        web().throttle.withdraw(counted, address)
        raise
    if user is None or not right:
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
