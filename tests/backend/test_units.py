"""Pure pieces of the backend: URIs, options, user names, accounter settings."""
from __future__ import annotations

import pytest

from pykota_ldap.accounting import accounter as accounting
from pykota_ldap.backend.charge import hardware_pages
from pykota_ldap.backend.cupsio import parse_options
from pykota_ldap.backend.discovery import wrap
from pykota_ldap.backend.flow import _backend_error_policy
from pykota_ldap.backend.jobinfo import UsageError, inner_uri, normalise_user, originating_host, uri_host


@pytest.mark.parametrize("device", ["cupspykota:socket://h:9100", "cupspykota:/socket://h:9100",
                                    "cupspykota://socket://h:9100"])
def test_three_uri_spellings(device):
    assert inner_uri(device) == "socket://h:9100"


def test_uri_errors_and_hosts():
    with pytest.raises(UsageError):
        inner_uri("socket://h")
    assert uri_host("socket://10.0.0.5:9100/?snmp=false") == "10.0.0.5"
    assert uri_host("lpd://user@printer.example.org/queue") == "printer.example.org"
    assert uri_host("ipp://[::1]:631/ipp/print") == "::1"
    assert uri_host("hp:/net/HP?ip=10.1.2.3") == "10.1.2.3"


def test_options():
    parsed = parse_options("a=1 job-billing='Project X' t=\"q r\" e=a\\ b nofoo")
    assert parsed == {"a": "1", "job-billing": "Project X", "t": "q r", "e": "a b", "foo": "false"}


# argv[5] as cupsd 2.4 writes it (measured): its own host after the job-uuid it adds, a client's
# at the client's place before it.
@pytest.mark.parametrize("options,host", [
    ("number-up=1 job-uuid=urn:uuid:1 job-originating-host-name=pc12.example.org time-at-creation=1",
     "pc12.example.org"),
    ("job-originating-host-name=forged number-up=1 job-uuid=urn:uuid:1 time-at-creation=1", "localhost"),
    ("job-originating-host-name=forged job-uuid=urn:uuid:1 job-originating-host-name=10.0.0.5", "10.0.0.5"),
    ("job-originating-host-name=forged number-up=1", "localhost"),
    ("number-up=1 job-uuid=urn:uuid:1", None),
])
def test_the_host_is_the_one_cupsd_wrote(options, host):
    assert originating_host(options) == host


@pytest.mark.parametrize("raw,case,expected", [("alice@EXAMPLE.ORG", "native", "alice"),
                                               ("alice/admin@EXAMPLE.ORG", "native", "alice"),
                                               ("Alice", "lower", "alice"), ("bob", "upper", "BOB")])
def test_user_names(raw, case, expected):
    assert normalise_user(raw, case) == expected


def test_winbind():
    assert normalise_user("DOMAIN\\alice", winbind_separator="\\") == "alice"


def test_accounter_settings():
    assert accounting.parse(None).kind == "software"
    snmp = accounting.parse("hardware(snmp:private@10.0.0.1:1161)")
    assert (snmp.kind, snmp.community, snmp.host, snmp.port) == ("snmp", "private", "10.0.0.1", 1161)
    assert accounting.parse("hardware(snmp)").community == "public"
    assert accounting.parse("hardware(backend)").kind == "backend"
    assert (accounting.parse("hardware(pjl)").kind, accounting.parse("hardware(pjl:9101)").port) == ("pjl", 9101)
    assert accounting.parse("hardware(/usr/local/bin/count %(printer)s)").kind == "hardware-command"
    assert accounting.parse("software(/usr/local/bin/count)").kind == "software-command"
    assert (accounting.parse("ink(cmyk, 300)").colorspace, accounting.parse("ink(bw)").resolution) == ("cmyk", 72)
    for refused in ("hardware(pjl:port)", "hardware(snmpget ... | sed 1q)", "hardware()", "ink(cmyk, 2400)", "ink()",
                    "hardware(ipp:sheets)", "software(/bin/count %(username)s)"):
        with pytest.raises(accounting.AccounterError):
            accounting.parse(refused)


@pytest.mark.parametrize("value", ["hardware(snmp:c@host:notaport)", "hardware(snmp@host:0)",
                                   "hardware(snmp@host:70000)"])
def test_accounter_port_that_is_not_one_is_a_configuration_error(value):
    with pytest.raises(accounting.AccounterError, match="not a port number"):
        accounting.parse(value)


def test_hardware_sanity():
    assert hardware_pages(100, 110, 10) == 10
    assert hardware_pages(105, 100, 1) == 5          # HP NVRAM: -5 + 10
    assert hardware_pages(200, 100, 1) == 1
    assert hardware_pages(None, 100, 7) == 7


def test_discovery_line():
    assert wrap('network socket://10.0.0.5 "HP LJ" "HP LJ net" "MFG:HP;"') == \
        'network cupspykota:socket://10.0.0.5 "PyKota+HP LJ" "PyKota managed HP LJ net" "MFG:HP;"'
    assert wrap("garbage") is None


class _Config:
    def __init__(self, value):
        self.value = value

    def get(self, key, default=None, printer=None):
        return self.value or default


def test_onbackenderror():
    assert _backend_error_policy(_Config(None), "q") == (0, 0.0, False)
    assert _backend_error_policy(_Config("charge, retry:3:2"), "q") == (3, 2.0, True)
    assert _backend_error_policy(_Config("nocharge,retry:0:5"), "q") == (-1, 5.0, False)


@pytest.mark.parametrize("env,expected", [({}, "/run/pykota/cupspykota.sock"),
                                          ({"PYKOTA_HOME": "/etc/pk"}, "/etc/pk/cupspykota.sock"),
                                          ({"PYKOTA_HOME": "/x", "PYKOTA_BACKEND_SOCKET": "/s"}, "/s")])
def test_helper_socket_path(env, expected):
    from pykota_ldap.backend.state import socket_path
    assert socket_path(env) == expected


def test_trustjobsize():
    from pykota_ldap.backend.charge import trust_job_size
    assert trust_job_size("yes", 12, 10) == 12
    assert trust_job_size(">100:precomputed", 500, 10) == 10
    assert trust_job_size(">100:precomputed", 50, 10) == 50
    assert trust_job_size(">100:1", 500, 10) == 1


def test_striptitle():
    from pykota_ldap.backend.jobinfo import strip_title
    assert strip_title("smbprn.000123 Report.pdf", "smbprn.??????") == "Report.pdf"
    assert strip_title("Report.pdf", "smbprn.??????") == "Report.pdf"
    assert strip_title("Report.pdf", None) == "Report.pdf"
