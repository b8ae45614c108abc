"""Configuration files: lookup, per-printer overrides, clear one-line errors."""
import pytest

from pykota_ldap.config import Config, ConfigError


def write(home, main, admin=None, admin_mode=0o600):
    home.mkdir(exist_ok=True)
    (home / "pykota.conf").write_text(main)
    if admin is not None:
        (home / "pykotadmin.conf").write_text(admin)
        (home / "pykotadmin.conf").chmod(admin_mode)
    return home


BASE = "[global]\nstorageserver: ldap://127.0.0.1:1 ldap://127.0.0.1:2\nstoragename: dc=example,dc=org\n"


def test_pykota_home_and_printer_sections(tmp_path, monkeypatch):
    home = write(tmp_path / "etc", BASE + "gracedelay: 7\n[hp4]\ngracedelay: 3\n")
    monkeypatch.setenv("PYKOTA_HOME", str(home))
    config = Config()
    assert config.get_int("gracedelay", 0) == 7
    assert config.get_int("gracedelay", 0, printer="hp4") == 3
    assert config.get_int("gracedelay", 0, printer="other") == 7


def test_ldap_defaults_follow_the_base(tmp_path):
    settings = Config(write(tmp_path, BASE, "[global]\nstorageadmin: cn=a\nstorageadminpw: pw\n")).ldap()
    assert settings.uris == ("ldap://127.0.0.1:1", "ldap://127.0.0.1:2")
    assert settings.userbase == "ou=People,dc=example,dc=org"
    assert settings.jobbase == "ou=Jobs,ou=PyKota,dc=example,dc=org"
    assert settings.groupmembers == "memberUid" and settings.newuser == "attach"
    assert settings.is_admin and settings.bind_dn == "cn=a"


def test_world_readable_admin_file_is_refused(tmp_path):
    home = write(tmp_path, BASE, "[global]\nstorageadmin: cn=a\nstorageadminpw: pw\n", admin_mode=0o644)
    with pytest.raises(ConfigError, match="readable by everyone"):
        Config(home)


def test_password_is_not_in_the_settings_repr(tmp_path):
    settings = Config(write(tmp_path, BASE, "[global]\nstorageadmin: cn=a\nstorageadminpw: s3cret\n")).ldap()
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize("text, message", [
    ("[global]\nstoragename: dc=x\n", "missing key 'storageserver'"),
    (BASE.replace("ldap://127.0.0.1:1", "http://x"), "storageserver: expected ldap://"),
    (BASE + "newuser: sometimes\n", "newuser: expected one of attach, below"),
    (BASE + "groupmembers: owner\n", "groupmembers: expected memberUid"),
    ("no section\n", "not a valid INI file"),
    ("[other]\nx: 1\n", "missing the [global] section"),
])
def test_bad_values_give_one_line_naming_file_and_key(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        Config(write(tmp_path, text)).ldap(admin=False)
    assert message in str(caught.value) and "pykota.conf" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_typed_getters_name_the_key(tmp_path):
    config = Config(write(tmp_path, BASE + "gracedelay: soon\nenforcement: hard\npoorman: lots\n"), check=False)
    with pytest.raises(ConfigError, match=r"\[global\]: gracedelay: expected a whole number, got 'soon'"):
        config.get_int("gracedelay", 7)
    with pytest.raises(ConfigError, match="enforcement: expected one of strict, laxist"):
        config.get_choice("enforcement", ("strict", "laxist"), "laxist")
    with pytest.raises(ConfigError, match="poorman: expected an amount"):
        config.get_money("poorman", "1.0")


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="pykota.conf: file not found"):
        Config(tmp_path)


def test_tls_keys(tmp_path):
    settings = Config(write(tmp_path, BASE + "ldaptls: yes\n")).ldap(admin=False)
    assert settings.start_tls and settings.ca_file is None
    with pytest.raises(ConfigError, match="cacert: expected a readable CA certificate file"):
        Config(write(tmp_path, BASE + "cacert: /nonexistent/ca.pem\n")).ldap(admin=False)


def test_a_reader_password_readable_by_everyone_is_refused_for_use(tmp_path):
    """Anyone who can read it reads everybody's data with it: users' commands ask the query
    service instead, so the password is refused while the file is open to all."""
    home = write(tmp_path, BASE + "storageuser: cn=reports,dc=example,dc=org\nstorageuserpw: s3cret\n",
                 "[global]\nstorageadmin: cn=a\nstorageadminpw: pw\n")
    (home / "pykota.conf").chmod(0o644)
    with pytest.raises(ConfigError) as refused:
        Config(home).ldap(admin=False)
    message = str(refused.value)
    assert message.startswith(f"{home / 'pykota.conf'}: storageuserpw in a file readable by everyone")
    assert f"chmod o-r {home / 'pykota.conf'}" in message and "\n" not in message
    assert Config(home).ldap(admin=True).bind_dn == "cn=a"                 # the admin's bind does not use it
    (home / "pykota.conf").chmod(0o640)
    assert Config(home).ldap(admin=False).bind_password == "s3cret"
