"""The admins' pages: the repykota report, the dumpykota exports (streamed), the charts, the
health check. Every one of them answers 403 to a user who is not in `webadmins`.

The report and the exports are the commands' own code (report.quota_lines, report.quota_report,
report.datasets, report.formats, and dumpykota's parsing of its options), so the web shows and
downloads exactly what repykota and dumpykota print.
"""
from __future__ import annotations

import io
import threading
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any, Iterator

from flask import Blueprint, Response, render_template, request, url_for

from .. import money
from ..cli import dumpykota
from ..cli.common import UserError
from ..cli.repykota import limits_for
from ..directory import Directory, accounts, history, quotas
from ..directory import printers as printer_store
from ..report.datasets import DATASETS, ORDER, rows_of, summed
from ..report.formats import FORMATS, writer_for
from ..report.quota_lines import group_lines, user_lines
from ..report.quota_report import factor_text, flag_and_grace
from . import charts
from .context import _, admin_only, directory, web
from .user_pages import PRINTED, month_labels

bp = Blueprint("admin", __name__, url_prefix="/admin")
CHUNK = 64 * 1024
DOWNLOADS = {"csv": ("text/csv", "dump.csv"), "ssv": ("text/csv", "dump.csv"),
             "tsv": ("text/tab-separated-values", "dump.tsv"), "xml": ("application/xml", "dump.xml"),
             "json": ("application/json", "dump.json"), "cups": ("text/plain", "page_log")}
CHART_SECONDS = 300.0           # the charts read the whole history: computed at most this often
_charts_lock = threading.Lock()
_charts_cache: dict[str, tuple[float, dict]] = {}


@bp.before_request
def _admins_only() -> None:
    admin_only()


def _mask(text: str) -> str:
    text = text.strip() or "*"
    if len(text) > 200 or any(ord(ch) < 32 for ch in text) or "/" in text:
        raise UserError(_("Bad request."))
    return text


@bp.route("/report")
def report() -> Any:
    d = directory()
    everything = printer_store.all_printers(d)
    names = sorted(everything, key=str.lower)
    chosen = [p for p in request.args.getlist("printer") if p in everything] or names
    groups = request.args.get("groups") == "1"
    try:
        mask = _mask(request.args.get("mask", "*"))
    except UserError as exc:
        return render_template("message.html", message=str(exc)), 400
    printers = [everything[n] for n in chosen]
    if groups:
        lines = group_lines(d, {g.name.lower(): g for g in accounts.find_groups(d, [mask])}, printers)
    else:
        lines = user_lines(d, {u.name.lower(): u for u in accounts.find_users(d, [mask])}, printers, web().config)
    now = datetime.now(timezone.utc)
    blocks = []
    for printer in printers:
        mine = sorted(lines.get(printer.name.lower(), []), key=lambda li: li.name.lower())
        if mine:
            limits = limits_for(web().config, printer.name)
            rows = [(li, *flag_and_grace(li, limits, now)) for li in mine]
            blocks.append({"printer": printer, "limits": limits, "rows": rows,
                           "total": sum(li.total for li in mine), "paid": sum(li.paid for li in mine)})
    return render_template("report.html", names=names, chosen=chosen, mask=mask, groups=groups, blocks=blocks,
                           money=money, factor_text=factor_text, account_url=url_for("user.account"))


@bp.route("/export")
def export() -> Any:
    return render_template("export.html", datasets=list(ORDER) + ["all"], formats=FORMATS)


@bp.route("/export/download")
def download() -> Any:
    """dumpykota's dump, streamed in chunks: memory stays flat however long the history."""
    dataset, fmt = request.args.get("dataset", "history"), request.args.get("format", "csv")
    filters = tuple(request.args.get("filters", "").split())
    try:        # dumpykota's own parsing: the web accepts and refuses exactly what the command does
        parsed = dumpykota._parse(dataset.lower(), fmt.lower(), request.args.get("orderby") or None,
                                  request.args.get("sum") == "1", filters)
    except UserError as exc:
        return render_template("message.html", message=str(exc)), 400
    kind, filename = DOWNLOADS[parsed.fmt]
    return Response(_stream(web().config.ldap(admin=True), parsed, web().config), mimetype=kind,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _stream(settings: Any, parsed: Any, config: Any = None) -> Iterator[bytes]:
    """The dump's text, CHUNK by CHUNK, from a connection of its own (the request's is closed
    before the body is sent)."""
    buffer = io.StringIO()
    writer = writer_for(parsed.fmt, buffer, spreadsheet=True)      # downloads are opened in spreadsheets

    def drained() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    with Directory(settings, read_only=True) as d:
        for name in parsed.datasets:
            spec = DATASETS[name]
            rows: Any = rows_of(spec, d, parsed.criteria, config)
            if parsed.total:
                rows = summed(spec, iter(rows), parsed.criteria)
            if parsed.order:
                rows = dumpykota._sorted(list(rows), parsed.order)
            writer.start(name, list(spec.fields))
            for row in rows:
                writer.row(row)
                if buffer.tell() >= CHUNK:
                    yield drained()
            writer.end()
        writer.close()
    yield drained()


def chart_data(d: Directory) -> dict:
    """What the charts show, from one pass over the history and one over the accounts."""
    labels = month_labels(datetime.now(timezone.utc))
    wanted = set(labels)
    per_printer: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    refused: Counter[str] = Counter()
    for job in history.find_jobs(d):
        month = f"{job.date:%Y-%m}"
        if job.action in PRINTED and month in wanted:
            per_printer[job.printer][month] += job.size or 0
        elif job.action not in PRINTED and job.action != "REFUND":
            refused[f"{job.action} {job.printer}"] += 1
    usage: Counter[str] = Counter()
    for (user, _printer), (_pages, life) in quotas.page_usage_by_printer(d).items():
        usage[user] += life
    balances = [u.balance for u in accounts.find_users(d)]
    return {"labels": labels, "per_printer": per_printer, "refused": refused.most_common(15),
            "top": usage.most_common(10), "balances": _buckets(balances)}


BUCKETS = ((None, 0, "< 0"), (0, 1, "0"), (1, 5_000, "0 - 5"), (5_000, 20_000, "5 - 20"),
           (20_000, 100_000, "20 - 100"), (100_000, None, ">= 100"))


def _buckets(balances: list[int]) -> list[tuple[str, int]]:
    counts = []
    for low, high, label in BUCKETS:
        counts.append((label, sum(1 for b in balances if (low is None or b >= low) and (high is None or b < high))))
    return counts


@bp.route("/charts")
def chart_page() -> Any:
    key = web().config.path.as_posix()
    with _charts_lock:
        cached = _charts_cache.get(key)
        if cached is None or time.monotonic() - cached[0] > CHART_SECONDS or request.args.get("fresh"):
            cached = _charts_cache[key] = (time.monotonic(), chart_data(directory()))
    data = cached[1]
    labels = data["labels"]
    top_printers = sorted(data["per_printer"], key=lambda p: -sum(data["per_printer"][p].values()))[:10]
    svgs = [
        charts.stacked_columns(_("Pages per printer per month"), [label[2:] for label in labels],
                               {p: [data["per_printer"][p].get(m, 0) for m in labels] for p in top_printers}),
        charts.horizontal_bars(_("Top users"), [(u, float(n)) for u, n in data["top"]]),
        charts.horizontal_bars(_("Balance distribution"), [(label, float(n)) for label, n in data["balances"]]),
        charts.horizontal_bars(_("Jobs not printed, by action and printer"),
                               [(k, float(n)) for k, n in data["refused"]]),
    ]
    return render_template("charts.html", svgs=svgs)


@bp.route("/health", methods=["GET", "POST"])
def health() -> Any:
    """pkdoctor's findings: run on request (its probes change nothing), the last result kept."""
    if request.method == "POST":
        from ..health import examine
        web().health = (datetime.now(timezone.utc), examine(web().config.home))
    return render_template("health.html", health=web().health)
