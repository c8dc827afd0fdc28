"""The typed values: each type accepts what its grammar allows and nothing a chart template
could turn into another key, object or route (a newline, a quote, a semicolon...)."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from fate_iac import typed

DIGEST = "sha256:" + "a" * 64

ACCEPTED = [
    ("ImageReference", "federatedai/fateflow:1.11.2-release"),
    ("ImageReference", f"registry.example.com:5000/fate/fateflow@{DIGEST}"),
    ("Registry", "docker.io"),
    ("Registry", "registry.example.com:5000/fate"),
    ("OciTag", "1.11.2-release"),
    ("Host", "10.0.0.1"),
    ("Host", "::1"),
    ("Host", "party.example.com"),
    ("DnsName", "party.example.com"),
    ("DatabaseName", "eggroll_meta"),
    ("DatabaseUser", "fate"),
    ("IngressPath", "/fateboard"),
    ("KubeName", "fate-9999"),
    ("LabelValue", ""),
    ("StackName", "org/project/party9999"),
]

REFUSED = [
    ("ImageReference", "fate\nsecurityContext:"),  # extra YAML in every container
    ("ImageReference", 'fate"'),
    ("Registry", "a b"),
    ("Registry", "x\ny"),
    ("OciTag", "a:b"),
    ("OciTag", "-x"),
    ("Host", '1.2.3.4", "port": 1'),  # JSON into route_table.json
    ("Host", "a b"),
    ("DnsName", "10.0.0.1"),
    ("DnsName", "a_b.com"),
    ("DatabaseName", "fate;drop"),
    ("DatabaseName", "a'b"),
    ("DatabaseUser", "a\nb"),
    ("IngressPath", "/a b"),
    ("IngressPath", '/a"'),
    ("KubeName", "Fate"),
    ("LabelValue", "a b"),
    ("LabelValue", "x" * 64),
    ("StackName", "a b"),
]


@pytest.mark.parametrize(("type_name", "value"), ACCEPTED)
def test_a_value_of_its_grammar_is_accepted_as_written(type_name: str, value: str) -> None:
    assert TypeAdapter(getattr(typed, type_name)).validate_python(value) == value


@pytest.mark.parametrize(("type_name", "value"), REFUSED)
def test_a_value_outside_its_grammar_is_refused(type_name: str, value: str) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(getattr(typed, type_name)).validate_python(value)


@pytest.mark.parametrize("party_id", [0, -1, 2**31])
def test_a_party_id_is_a_positive_integer_fate_can_store(party_id: int) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(typed.PartyId).validate_python(party_id)


@pytest.mark.parametrize("port", [0, 65536])
def test_a_port_is_within_1_to_65535(port: int) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(typed.Port).validate_python(port)
