"""The WSGI entry point for a server of your choice: `pykota_ldap.web.wsgi:application`.

    gunicorn --workers 1 --threads 8 --bind 127.0.0.1:8080 pykota_ldap.web.wsgi:application

One process (threads for concurrency): sessions are signed with a key made at start-up, and the
login throttle counts in memory. Apache mod_wsgi: `WSGIDaemonProcess pkweb processes=1 threads=8`
with `WSGIScriptAlias / .../pykota_ldap/web/wsgi.py` (docs/web.md).
"""
from __future__ import annotations

from .app import create_app

application = create_app()
