"""Args another resource gives (:mod:`fate_pulumi.pending`): parted from the known ones,
refused where a value must be known when the component is built, and filled in once
known, credentials as secrets. Real Pulumi outputs, resolved on an event loop as the
component provider resolves them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pulumi

from fate_iac.component_args import PENDING_KEYS
from fate_iac.config import ExchangeConfig, PartyConfig
from fate_iac.secrets import Secret
from fate_pulumi.pending import RULE, PendingSecret, split

T = TypeVar("T")


def run(body: Callable[[], Awaitable[T]]) -> T:
    """``body`` on a fresh event loop (outputs belong to the loop they are made on),
    leaving the thread's own loop to the tests that build components on it."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(body())
    finally:
        loop.close()


def test_known_args_pass_through_as_given_with_whole_floats_as_integers() -> None:
    """Numbers cross the provider's wire as floats: 9999.0 must validate as partyId 9999."""
    parts = split(
        {"partyId": 9999.0, "rollsite": {"nodePort": 30091.0, "weight": 0.5}, "modules": ["a"]},
        PartyConfig,
    )
    assert parts.known == {
        "partyId": 9999,
        "rollsite": {"nodePort": 30091, "weight": 0.5},
        "modules": ["a"],
    }
    assert isinstance(parts.known["partyId"], int)
    assert parts.pending == {}
    assert parts.problems == []


def test_a_public_host_output_is_pending_behind_its_stand_in() -> None:
    async def body() -> None:
        host = pulumi.Output.from_input("10.0.0.7")
        parts = split({"partyId": 1, "publicHost": host}, PartyConfig)
        assert parts.known["publicHost"] == PENDING_KEYS[("publicHost",)]
        assert parts.pending == {("publicHost",): host}
        assert parts.problems == []

    run(body)


def test_a_credential_output_is_a_secret_whose_value_is_not_known_yet() -> None:
    async def body() -> None:
        password = pulumi.Output.from_input("generated-pw")
        parts = split({"partyId": 1, "mysql": {"password": password}}, PartyConfig)
        stand_in = parts.known["mysql"]["password"]
        assert isinstance(stand_in, PendingSecret)
        assert stand_in.secure and stand_in.value is None
        assert stand_in.output is password
        assert "generated-pw" not in repr(parts.known)
        assert list(parts.pending) == [("mysql", "password")]

    run(body)


def test_an_output_where_a_known_value_is_needed_is_a_problem_at_its_full_key_path() -> None:
    async def body() -> None:
        parts = split(
            {
                "namespace": pulumi.Output.from_input("fate-1"),
                "modules": ["rollsite", pulumi.Output.from_input("mysql")],
            },
            ExchangeConfig,
            ("fate",),
        )
        assert [(p.path, p.rule) for p in parts.problems] == [
            (("fate", "namespace"), RULE),
            (("fate", "modules", 1), RULE),
        ]
        assert "only publicHost and credentials may be outputs" in parts.problems[0].message
        # nothing of a refused output is kept to validate or to wait for
        assert parts.known == {"namespace": None, "modules": ["rollsite", None]}
        assert parts.pending == {}

    run(body)


def test_a_key_pending_in_one_model_is_refused_where_it_is_not_a_credential() -> None:
    """``mysql.password`` is a party's credential; an exchange has no such key to defer."""

    async def body() -> None:
        given = {"mysql": {"password": pulumi.Output.from_input("pw")}}
        assert split(given, PartyConfig).problems == []
        refused = split(given, ExchangeConfig).problems
        assert [p.path for p in refused] == [("mysql", "password")]

    run(body)


def test_settled_args_have_every_pending_value_in_and_credentials_as_secrets() -> None:
    async def body() -> tuple[dict[str, Any], bool, dict[str, Any]]:
        parts = split(
            {
                "partyId": 7.0,
                "publicHost": pulumi.Output.from_input("10.0.0.7"),
                "mysql": {"password": pulumi.Output.secret("generated-pw")},
                "fateboard": {"username": "admin", "password": pulumi.Output.from_input("b")},
            },
            PartyConfig,
        )
        settled = parts.settled()
        return await settled.future() or {}, await settled.is_secret(), parts.known

    settled, is_secret, known = run(body)
    assert settled["partyId"] == 7
    assert settled["publicHost"] == "10.0.0.7"
    assert settled["mysql"]["password"] == Secret("generated-pw", True)
    assert settled["fateboard"] == {"username": "admin", "password": Secret("b", True)}
    # The settled config is not itself a secret: its credentials are, each one.
    assert not is_secret
    # Filling in leaves the known args (validated with stand-ins) as they were.
    assert known["publicHost"] == PENDING_KEYS[("publicHost",)]
    assert isinstance(known["mysql"]["password"], PendingSecret)


def test_settled_takes_a_value_that_comes_after_the_component_is_built() -> None:
    """A load balancer's address is assigned later: the settled args carry it then."""

    async def body() -> dict[str, Any]:
        value: asyncio.Future[str] = asyncio.Future()
        known: asyncio.Future[bool] = asyncio.Future()
        secret: asyncio.Future[bool] = asyncio.Future()
        secret.set_result(False)
        parts = split({"publicHost": pulumi.Output(set(), value, known, secret)}, PartyConfig)
        settled = asyncio.ensure_future(parts.settled().future())
        value.set_result("203.0.113.9")
        known.set_result(True)
        return await settled or {}

    assert run(body)["publicHost"] == "203.0.113.9"
