"""The package's args: written out from the config models, and kept current."""

from __future__ import annotations

from pathlib import Path

from fate_iac import component_args
from fate_iac.config import PartyConfig

ARGS_FILE = Path(__file__).resolve().parent.parent / "components" / "fate_pulumi" / "args.py"


def test_the_args_module_is_what_the_models_write() -> None:
    """A key added to a model reaches the package's schema: the module is regenerated
    (``python -m fate_iac.component_args > components/fate_pulumi/args.py``)."""
    assert ARGS_FILE.read_text() == component_args.source()


def test_keys_are_spelled_as_the_stack_config_spells_them() -> None:
    from fate_pulumi.args import ExchangeArgs, FatePartyArgs

    party = set(FatePartyArgs.__annotations__)
    written = {f.alias or k for k, f in PartyConfig.model_fields.items()}
    assert party == (written - component_args.BESIDE_KEYS) | {component_args.RECORDS_KEY}
    assert {"partyId", "publicHost", "chartVersion", "rollsite", "mysql"} <= party
    assert FatePartyArgs.__required_keys__ == frozenset({"partyId"})
    # the exchange's chartName is the component's to say
    assert "chartName" in ExchangeArgs.__optional_keys__


def test_only_publichost_and_credentials_may_be_outputs() -> None:
    assert component_args.may_be_pending(("publicHost",), PartyConfig)
    assert component_args.may_be_pending(("mysql", "password"), PartyConfig)
    assert not component_args.may_be_pending(("partyId",), PartyConfig)
    assert not component_args.may_be_pending(("modules",), PartyConfig)


def test_schema_types_follow_the_field_types() -> None:
    fields = PartyConfig.model_fields
    assert component_args.schema_type(fields["partyId"].annotation) == "int"
    assert component_args.schema_type(fields["computing"].annotation) == "str"
    assert component_args.schema_type(fields["modules"].annotation) == "list[str]"
    assert component_args.schema_type(fields["rollsite"].annotation) == "dict[str, Any]"
    assert component_args.schema_type(fields["persistence"].annotation) == "bool"
