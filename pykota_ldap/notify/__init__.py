"""Telling users and admins about quotas: the mails' words (wording.py: one jinja2 template per
event and language), who hears what (telling.py: PyKota's mailto rules and its poorwarn / softwarn /
hardwarn texts; checks.py: warnpykota's rules), and delivery (mailer.py: SMTP with a short
deadline, a queue for what could not be sent). The desktop side speaks PyKotIcon's XML-RPC
protocol: pknotify's client (pykoticon_protocol.py, pam.py for --checkauth) and pykoticon's
listener (pykoticon_server.py, pykoticon_window.py).

Nothing here reads the directory: the backend and warnpykota hand in what they know, and run
mailto's external(...) commands themselves.
"""
