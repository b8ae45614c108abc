"""pkweb's Flask application: the settings every page shares, and create_app().

- Sessions are Flask's signed cookies (HttpOnly, Secure, SameSite=Strict), holding the user's
  name, whether they are an admin, the CSRF token, the time of the last request (a session
  idle for `websessiontimeout` minutes ends, any session `websessionlifetime` hours after its
  login) and the login's id: a cookie is honoured only while
  that id is alive in the process (web.sessions), so logging out ends every copy of it. The
  signing key is made when the process starts, so a restart logs everyone out and two processes
  cannot share sessions (serve from one process with threads: pkweb serve, or gunicorn
  --workers 1 --threads N). An admin's membership of `webadmins` is read again at each of
  their requests.
- Every POST carries the session's CSRF token; forms that only read (report, exports, lookups)
  use GET and change nothing.
- Headers: a Content-Security-Policy with no script and no inline style, no framing, no
  sniffing, no referrer, no caching of pages that hold someone's data, HSTS.
- The directory: one read-only connection per request, bound as the service account
  (pykotadmin.conf), which refuses every write before it is sent; the pages read only what
  the logged-in user may see (web.user_pages, web.admin_pages).
"""
from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from flask import Flask, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ..config import Config
from ..directory import DirectoryUnavailable
from .auth import is_admin
from .context import Web, _, csrf_token, web
from .i18n import LANGUAGES

MB = 1024 * 1024
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
                    "Referrer-Policy": "no-referrer", "Cross-Origin-Opener-Policy": "same-origin",
                    "Strict-Transport-Security": "max-age=31536000", "Cache-Control": "no-store"}
PUBLIC = ("auth.login", "static")       # endpoints open without a login


def create_app(config: Config | None = None, secure_cookies: bool = True) -> Flask:
    """The application; `config` defaults to /etc/pykota (or $PYKOTA_HOME), admin file included."""
    config = config or Config(want_admin=True)
    config.ldap(admin=True)             # no service account: one line now, rather than at the first page
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    max_mb = config.get_int("webmaxupload", 20, minimum=1)
    app.config.update(SESSION_COOKIE_NAME="pkweb", SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SECURE=secure_cookies,
                      SESSION_COOKIE_SAMESITE="Strict", MAX_CONTENT_LENGTH=max_mb * MB + 64 * 1024,
                      MAX_FORM_MEMORY_SIZE=64 * 1024)
    app.extensions["pykota"] = Web(config, idle_seconds=60.0 * config.get_int("websessiontimeout", 30, minimum=1),
                                   lifetime_seconds=3600.0 * config.get_int("websessionlifetime", 12, minimum=1),
                                   max_upload_mb=max_mb)
    app.jinja_env.globals.update(_=_, csrf_token=csrf_token)
    app.before_request(_before)
    app.after_request(_headers)
    app.teardown_request(_close_directory)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DirectoryUnavailable, _unavailable)
    from . import admin_pages, auth, user_pages
    app.register_blueprint(auth.bp)
    app.register_blueprint(user_pages.bp)
    app.register_blueprint(admin_pages.bp)
    return app


def _before() -> Any:
    g.language = request.accept_languages.best_match(LANGUAGES) or "en"
    now = time.time()
    if "user" in session and (now - session.get("seen", 0) > web().idle_seconds
                              or web().sessions.outlived(session.get("sid", ""), web().lifetime_seconds)):
        web().sessions.end(session.get("sid", ""))
        session.clear()
        g.notice = _("Your session has ended: please log in again.")
    if "user" in session and not web().sessions.touch(session.get("sid", ""), web().idle_seconds):
        session.clear()                 # logged out (a copy of its cookie), or made before a restart
    if request.endpoint not in PUBLIC and "user" not in session:
        if getattr(g, "notice", None):
            return render_template("login.html", error=g.notice), 401
        return redirect(url_for("auth.login"))
    if "user" in session:
        session["seen"] = now
    if session.get("admin") and request.endpoint != "static" and not is_admin(session["user"]):
        session["admin"] = False        # taken out of webadmins: the admin pages end now, not at logout
    if request.method == "POST":
        sent = request.form.get("csrf", "")         # a body over the limit stops here: 413
        if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
            return render_template("message.html", message=_(
                "This form has expired or did not come from this site: please try again.")), 400
    return None


def _headers(response: Any) -> Any:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _close_directory(_exc: BaseException | None) -> None:
    connection = g.pop("directory", None)
    if connection is not None:
        connection.close()


def _http_error(error: HTTPException) -> Any:
    if isinstance(error, RequestEntityTooLarge):
        text = _("The file is larger than the {size} MB allowed.", size=web().max_upload_mb)
    elif error.code == 404:
        text = _("Page not found.")
    elif error.code == 403:
        text = _("This page is for admins.")
    else:
        text = _("Bad request.")
    return render_template("message.html", message=text), error.code or 400


def _unavailable(_error: DirectoryUnavailable) -> Any:
    return render_template("message.html", message=_("The directory does not answer: try again later.")), 503
