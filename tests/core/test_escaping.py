"""Escaping round-trips for any text (property tests) and wildcard translation."""
from hypothesis import given, settings
from hypothesis import strategies as st
from ldap3.operation.search import MATCH_EQUAL, compile_filter, parse_filter
from ldap3.utils.dn import parse_dn

from pykota_ldap.directory import escaping as esc

names = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@given(names)
@settings(max_examples=300, deadline=None)
def test_dn_values_stay_one_rdn_and_round_trip(name):
    dn = f"cn={esc.dn_value(name)},ou=Printers,dc=example,dc=org"
    assert len(parse_dn(dn, escape=False)) == 4
    assert esc.rdn_value(dn)[1] == name


@given(names)
@settings(max_examples=300, deadline=None)
def test_filter_values_are_one_equality_assertion(name):
    node = parse_filter(esc.eq("cn", name), None, True, True, None, False)
    assert len(node.elements) == 1 and node.elements[0].tag == MATCH_EQUAL
    compiled = compile_filter(node.elements[0])
    assert bytes(compiled["equalityMatch"]["assertionValue"]) == name.encode("utf-8")
    assert "*" not in esc.filter_value(name)


def test_pattern_filters():
    assert esc.pattern_filter("uid", "ch*") == "(uid=ch*)"
    assert esc.pattern_filter("uid", "a?c") == "(uid=a*c)"          # ? widened on the server ...
    assert esc.matches("abc", "a?c") and not esc.matches("abbc", "a?c")   # ... exact in Python
    assert esc.pattern_filter("uid", "*") == "(uid=*)"
    assert esc.pattern_filter("uid", "a(b)*") == r"(uid=a\28b\29*)"
    assert esc.pattern_filter("uid", "plain") == "(uid=plain)"
