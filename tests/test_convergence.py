"""What a stack's update is made from (fate_iac.convergence): what it takes from the
records it reads, and the steps the stale stacks run in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fate_iac.convergence import (
    file_digest,
    inputs_digest,
    next_step,
    program_digest,
    references,
    taken,
)
from fate_iac.loader import load_stack_config
from tests.conftest import party

EXCHANGE = {
    "kind": "exchange",
    "partyId": 1,
    "stack": "ex",
    "members": [],
    "endpoints": {"rollsite": {"host": "10.0.0.1", "port": 30000}},
}


def _party() -> Any:
    return load_stack_config(party(exchangeStack="ex"), "a").config


def test_a_record_change_a_reader_takes_nothing_from_changes_nothing_for_it() -> None:
    cfg = _party()
    before = inputs_digest(cfg, "a", "file", {"ex": EXCHANGE})
    # The exchange's member list grew: the party routes to it exactly as before.
    assert inputs_digest(cfg, "a", "file", {"ex": {**EXCHANGE, "members": [9999]}}) == before
    # Its address changed: the party's route changes, so it runs.
    moved = {**EXCHANGE, "endpoints": {"rollsite": {"host": "10.0.0.2", "port": 30000}}}
    assert inputs_digest(cfg, "a", "file", {"ex": moved}) != before
    # Its stack file, or the program, changed: it runs.
    assert inputs_digest(cfg, "a", "edited", {"ex": EXCHANGE}) != before
    # The exchange has published nothing yet: it is waited for, and that is an input.
    waiting = taken(cfg, "a", {"ex": None})
    assert waiting[0]["waiting"] == ["ex"] and inputs_digest(cfg, "a", "file", {}) != before
    assert len(program_digest()) == 64 and references(cfg) == ["ex"]


def test_stale_exchanges_run_first_then_every_stale_party_at_once() -> None:
    order = ["ex", "a", "b", "p", "q"]
    assert next_step(order, order, ["ex"]) == ["ex"]
    # P2P parties that read each other run together: the digests catch who saw what.
    assert next_step(["q", "p", "a"], order, ["ex"]) == ["a", "p", "q"]
    assert next_step([], order, ["ex"]) == []


def test_a_stack_file_digest_is_its_config_not_what_the_cli_writes_beside_it(
    tmp_path: Path,
) -> None:
    """A stack's first update writes an encryptionsalt into its file and quotes its
    top-level scalars: that re-runs nothing; a changed key does."""
    path = tmp_path / "Pulumi.exchange.yaml"
    path.write_text("config:\n  fate:partyId: 1\n")
    before = file_digest(path)
    path.write_text('encryptionsalt: v1:abc\nconfig:\n  fate:partyId: "1"\n')
    assert file_digest(path) == before
    path.write_text("encryptionsalt: v1:abc\nconfig:\n  fate:partyId: 2\n")
    assert file_digest(path) != before
