"""The form the registry gives each key is the form the code reads it in: a key read with
get_int(..., minimum=1) is a Whole(1), get_choice's words are the Choice's, and so on. So a
configuration that passes the check is never refused by a reader at the next job."""
from __future__ import annotations

import ast

from test_config_keys import LIBRARY, UNSET, _argument, _is_config, _literal

from pykota_ldap.config_keys import KEYS
from pykota_ldap.config_values import Amount, Choice, Number, Whole, YesNo

FORMS = {"get_int": Whole, "get_float": Number, "get_bool": YesNo, "get_money": Amount, "get_choice": Choice}


def typed_reads() -> list[tuple[str, str, object, str]]:
    """(key, reader, what the call says of the value: minimum or choices, where) of every typed read."""
    found = []
    for path in sorted(LIBRARY.rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            reader = call.func.attr
            if reader not in FORMS or not _is_config(call.func.value, path) or not call.args:
                continue
            key = _literal(call.args[0])
            if not isinstance(key, str):
                continue
            if reader == "get_choice":
                detail = tuple(ast.literal_eval(call.args[1]))
            else:
                detail = _literal(_argument(call, 3, "minimum")) if reader in ("get_int", "get_float") else None
            found.append((key, reader, detail, f"{path.name}:{call.lineno}"))
    return found


def test_typed_reads_are_found():
    keys = {key for key, *_ in typed_reads()}
    assert {"gracedelay", "snmpmaxwait", "enforcement", "ldaptls", "poorman"} <= keys


def test_each_typed_read_has_the_registry_s_form():
    for key, reader, detail, where in typed_reads():
        form = KEYS[key].form
        assert isinstance(form, FORMS[reader]), f"{where}: {key} is read with {reader}, registered as {form}"
        if isinstance(form, Choice):
            assert sorted(w.lower() for w in form.words) == sorted(detail), f"{where}: {key}: {form.words}"
        elif isinstance(form, (Whole, Number)) and detail is not UNSET:
            assert form.minimum == detail, f"{where}: {key} is read with minimum {detail}, registered {form.minimum}"


def test_every_key_with_a_default_accepts_it():
    for name, spec in KEYS.items():
        if spec.default is not None and spec.default != "none":
            assert spec.form.problem(spec.default) is None, (name, spec.default)


def test_every_pykota_key_that_is_not_implemented_is_in_the_doctor_guide():
    from pathlib import Path

    from pykota_ldap.config_keys import PYKOTA_ONLY
    guide = (Path(__file__).resolve().parents[1] / "docs" / "doctor.md").read_text()
    assert [key for key in PYKOTA_ONLY if f"`{key}`" not in guide] == []
