"""pkweb: the web application (Flask). `create_app()` makes it; web.wsgi holds the WSGI entry point.

app.py (settings, sessions, CSRF, headers), context.py (what the pages share), auth.py (login),
user_pages.py and admin_pages.py (the pages), charts.py (SVG), i18n.py (English, French),
throttle.py (failed logins), sessions.py (the logins alive).
"""
