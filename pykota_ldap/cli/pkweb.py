"""pkweb: the web application (users' quotas, price quotes; admins' reports, exports, charts).

\b
    pkweb serve                          on 127.0.0.1:8080, behind a TLS reverse proxy (docs/web.md)
    pkweb serve --bind 0.0.0.0:8443      another address and port
    pkweb serve --behind-proxy           trust the proxy's X-Forwarded-For / -Proto (one hop)

It needs pykotadmin.conf (the service account, used read-only). Sessions are cookies marked
Secure: browsers send them back over HTTPS only (and to http://localhost).
"""
from __future__ import annotations

import ipaddress

import click

from .command import Command, Group
from .common import CONTEXT, fail


@click.group("pkweb", cls=Group, context_settings=CONTEXT, help=__doc__)
def main() -> None:
    pass


def parse_bind(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        fail(f"--bind takes ADDRESS:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


@main.command("serve", cls=Command, context_settings=CONTEXT)
@click.option("--bind", "bind", default="127.0.0.1:8080", show_default=True, metavar="ADDR:PORT",
              help="Where to listen.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Requests at once.")
@click.option("--behind-proxy", is_flag=True, help="Trust one reverse proxy's X-Forwarded-* headers.")
def serve(bind: str, threads: int, behind_proxy: bool) -> None:
    """Serve the application with waitress."""
    import waitress

    from ..web.app import create_app
    host, port = parse_bind(bind)
    if not behind_proxy and not _loopback(host):
        click.echo(f"pkweb: warning: plain HTTP on {host}: browsers will not send the Secure session cookie back "
                   "(no login works) and passwords would cross the network in clear; serve on 127.0.0.1 behind "
                   "a TLS reverse proxy (docs/web.md)", err=True)
    app = create_app()
    wsgi = app.wsgi_app
    if behind_proxy:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(wsgi, x_for=1, x_proto=1, x_host=1)   # type: ignore[method-assign]
    click.echo(f"pkweb: serving on http://{host}:{port}/", err=True)
    waitress.serve(app, host=host, port=port, threads=threads, ident="pkweb",
                   max_request_body_size=2 * app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024)


if __name__ == "__main__":
    main()
