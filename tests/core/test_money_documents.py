"""The pure parts of pkinvoice and pkrefund: PyKota's VAT, the filters, page sizes and logos."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pykota_ldap import documents
from pykota_ldap.model import Job
from pykota_ldap.report import invoices, jobfilters


@given(st.integers(min_value=0, max_value=10**12), st.decimals(min_value=0, max_value=Decimal("99.99"), places=2))
def test_ht_and_vat_add_up_to_the_amount(amount, vat):
    excluded, tax = invoices.split_vat(amount, vat)
    assert excluded + tax == amount and 0 <= tax <= amount
    assert abs(excluded * (100 + vat) / 100 - amount) <= (100 + vat) / 200     # rounded to a thousandth


def test_pykotas_vat_formula():
    assert invoices.split_vat(1200, Decimal(20)) == (1000, 200)
    assert invoices.split_vat(750, Decimal(20)) == (625, 125)
    assert invoices.split_vat(999, Decimal(0)) == (999, 0)


@pytest.mark.parametrize("text", ["-1", "100", "150", "abc", "nan", "inf", ""])
def test_vat_outside_0_to_100_is_refused(text):
    with pytest.raises(ValueError, match="--vat"):
        invoices.parse_vat(text)


def test_vat_accepts_a_decimal_comma():
    assert invoices.parse_vat("5,5") == Decimal("5.5")


def _job(user, size, price, action="ALLOW"):
    return Job(job_id="1", user=user, printer="hp4", date=datetime.now(timezone.utc), action=action, size=size,
               price=price)


def test_only_printed_jobs_of_some_pages_are_due():
    jobs = [_job("jérôme", 3, 300), _job("Jérôme", 2, 200), _job("bob", 0, 0), _job("bob", 4, 400, "DENY"),
            _job("bob", 4, 400, "CANCEL"), _job("bob", 4, 400, "REFUND"), _job("chloe", 1, 100, "PROBLEM")]
    due = invoices.totals(j for j in jobs if invoices.billable(j))
    assert [(t.user, t.jobs, t.pages, t.amount) for t in due] == [("chloe", 1, 1, 100), ("jérôme", 2, 5, 500)]


@pytest.mark.parametrize("filters, message", [
    (["colour=red"], "unknown filter"), (["jobid"], "key=value"), (["jobid=1", "jobid=2"], "given twice"),
    (["start=2026-13"], "invalid date"), (["username="], "needs a value")])
def test_bad_filters_are_one_line_errors(filters, message):
    with pytest.raises(jobfilters.FilterError, match=message):
        jobfilters.parse(filters)


def test_filters_name_the_history_criteria():
    wanted = jobfilters.parse(["username=jer*", "printername=hp4", "jobid=12", "start=20261201", "end=20261201"])
    assert wanted.names == {"user": "jer*", "printer": "hp4", "job_id": "12"}
    assert wanted.start < wanted.end and (wanted.end - wanted.start).days == 0


def test_page_sizes_and_logos(tmp_path):
    assert documents.page_size("a4") == documents.page_size("A4") and round(documents.page_size("letter")[0]) == 612
    for bad in ("A13", "__class__", "2x3"):
        with pytest.raises(documents.DocumentError):
            documents.page_size(bad)
    (tmp_path / "not-an-image.png").write_text("hello")
    for bad in (tmp_path / "missing.png", tmp_path / "not-an-image.png"):
        with pytest.raises(documents.DocumentError, match="cannot use"):
            documents.load_logo(bad)


def test_denied_cancelled_refunded_and_empty_jobs_are_not_refundable():
    from pykota_ldap.directory.refunds import refundable
    assert refundable(_job("bob", 2, 200)) and refundable(_job("bob", 2, 0, "WARN"))
    assert refundable(_job("bob", 2, 200, "PROBLEM"))          # printed, charged by onbackenderror: charge
    for job in (_job("bob", 0, 0), _job("bob", 2, 200, "DENY"), _job("bob", 2, 200, "cancel"),
                _job("bob", 2, 200, "REFUND")):
        assert not refundable(job)


def test_a_logo_is_a_local_file_and_the_refusal_says_why(tmp_path):
    """ReportLab would fetch a URL given as a file name; and 'not an image' hid a missing file."""
    for path, why in ((tmp_path / "none.png", "No such file or directory"), (tmp_path, "Is a directory"),
                      ("http://127.0.0.1:9/logo.png", "No such file or directory")):
        with pytest.raises(documents.DocumentError, match=f"cannot use .* as a logo: {why}"):
            documents.load_logo(path)


def test_a_vat_is_shown_as_typed_never_minus_zero_nor_rounded_up_to_100():
    assert f"{invoices.parse_vat('-0').normalize():f}" == "0"
    with pytest.raises(ValueError, match="three decimals"):
        invoices.parse_vat("99.9999999999999999999999999999")      # would show as "VAT 100%"
    assert invoices.parse_vat("2.125") == Decimal("2.125")
