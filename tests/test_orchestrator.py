"""Cross-stack validation and the federation orchestrator (against a fake engine)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from fate_iac import yamlio
from fate_iac.cluster_target import ClusterTarget
from fate_iac.convergence import INPUTS_ENV
from fate_iac.federation import EXISTING_STACKS_ENV
from fate_iac.federation_check import Member, check_federation
from fate_iac.kinds import kind_of
from fate_iac.loader import load_stack_config
from fate_iac.orchestrator import (
    ConvergeError,
    Previewed,
    PreviewError,
    Published,
    converge,
    destroy_all,
    destroy_plan,
    discover,
    preview_all,
    run_order,
    status_all,
)
from fate_iac.problems import FederationError
from fate_iac.recovery import RecoveryStopped
from fate_iac.secrets import Secret
from fate_pulumi.engine_report import engine_failure
from tests.conftest import EXAMPLE_PASSPHRASE, FIXTURES, PROJECT_DIR, party


def member(raw: dict[str, Any], cluster: str = "") -> Member:
    return Member(load_stack_config(raw, "s").config, cluster)


def exchange(**overrides: Any) -> dict[str, Any]:
    raw = {
        "chartName": "fate-exchange",
        "publicHost": "10.0.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30000},
        "members": ["a", "b"],
    }
    raw.update(overrides)
    return raw


def star(**changes: dict[str, Any]) -> dict[str, Member]:
    rollsite_a = {"type": "NodePort", "nodePort": 30091}
    stacks = {
        "exchange": exchange(),
        "a": party(partyId=9999, exchangeStack="exchange", rollsite=rollsite_a, python={}),
        "b": party(partyId=10000, exchangeStack="exchange", python={}),
    }
    for name, change in changes.items():
        stacks[name] = {**stacks[name], **change}
    return {name: member(raw) for name, raw in stacks.items()}


def rules(members: dict[str, Member]) -> list[tuple[tuple[str, ...], str]]:
    return [(p.stacks, p.rule) for p in check_federation(members)]


def test_a_consistent_star_passes() -> None:
    assert rules(star()) == []


def test_duplicate_party_ids_name_both_stacks() -> None:
    b = {
        "partyId": 9999,
        "namespace": "fate-b",
        "rollsite": {"type": "NodePort", "nodePort": 30101},
    }
    assert rules(star(b=b)) == [(("a", "b"), "party-id")]


def test_namespaces_and_node_ports_collide_only_on_one_cluster() -> None:
    members = star(
        b={"namespace": "fate-9999", "rollsite": {"type": "NodePort", "nodePort": 30091}}
    )
    assert set(rules(members)) == {(("a", "b"), "namespace"), (("a", "b"), "nodeport")}
    members["b"] = Member(members["b"].config, cluster="other-cluster")
    assert rules(members) == []


def test_party_and_exchange_must_agree_on_membership() -> None:
    assert rules(star(exchange={"members": ["a"]})) == [(("b", "exchange"), "membership")]
    assert rules(star(b={"exchangeStack": None})) == [(("exchange", "b"), "membership")]


def test_unknown_stacks_and_one_sided_peers() -> None:
    members = star(a={"peers": ["b", "ghost"]})
    assert set(rules(members)) == {(("a", "ghost"), "unknown-stack"), (("a", "b"), "p2p")}


def test_this_projects_stack_named_in_full_is_refused_with_its_short_name() -> None:
    """fatectl follows this project's stacks by short name: a full name of one would
    leave its readers un-updated when it changes."""
    for full in ("organization/fate/exchange", "organization/exchange"):
        members = star(a={"exchangeStack": full})
        [problem] = [p for p in check_federation(members, "fate") if p.rule == "stack-name"]
        assert problem.stacks == ("a", "exchange")
        assert problem.render() == (
            f"stacks a and exchange: a names {full}, this project's stack exchange, in full: "
            "fatectl federation follows this project's stacks by their short names, and "
            "would not update a when exchange changes; write exchange [stack-name]"
        )
    # another project's stack of the same name is another stack
    members = star(a={"exchangeStack": "organization/other/exchange"})
    assert not [p for p in check_federation(members, "fate") if p.rule == "stack-name"]


def test_modes_that_cannot_talk() -> None:
    spark_exchange = {
        "modules": ["trafficServer", "nginx"],
        "rollsite": None,
        "trafficServer": {"type": "NodePort", "nodePort": 30007},
    }
    problems = rules(star(exchange=spark_exchange))
    assert (("a", "exchange"), "modes") in problems and (("b", "exchange"), "modes") in problems


class FakeEngine:
    """Stacks as the engine keeps them. An update publishes the record the real code
    makes from the records it read (of the referenced stacks that exist), and keeps the
    inputs digest it was given; a preview shows a change when the set of referenced
    stacks that had published has grown or shrunk."""

    def __init__(self, members: dict[str, Member]) -> None:
        self.members = members
        self.references = {n: set(m.config.referenced_stacks) for n, m in members.items()}
        self.deployed: dict[str, set[str]] = {}
        self.records: dict[str, Any] = {}
        self.inputs: dict[str, str | None] = {}
        self.log: list[tuple[str, str, str]] = []
        self.threads: dict[str, int] = {}
        """The thread each stack's last update ran on."""
        self.packs: tuple[list[str], list[str]] = ([], [])
        """The policy packs and their configs fatectl gave (tests/test_cli.py)."""
        self.drifted: set[str] = set()
        """Stacks whose objects someone changed behind the engine's back."""
        self.failed: set[str] = set()
        """Stacks whose last update failed (they keep the outputs of the one before)."""
        self.lock = threading.Lock()
        self.left: dict[str, list[str]] = {}
        """What an interrupted run left on a stack, as recovery would say it cleared it."""
        self.stuck: dict[str, str] = {}
        """Stacks whose recovery must stop, and why."""
        self.certificates: dict[str, dict[str, str]] = {}
        """When each stack's certificates expire; an update re-issues them to ``renewed``."""
        self.renewed = "2099-01-01T00:00:00+00:00"

    def exists(self, stack: str) -> bool:
        return stack in self.deployed

    def federation_lock(self) -> None:
        return None

    def cancel(self, stack: str, why: str) -> None:
        self.log.append(("cancel", stack, why))

    def recover(self, stack: str, target: ClusterTarget) -> list[str]:
        self.log.append(("recover", stack, target.context or ""))
        if stack in self.stuck:
            raise RecoveryStopped(self.stuck[stack])
        return self.left.pop(stack, [])

    def _seen(self, stack: str, env: dict[str, str], exact: bool = False) -> set[str]:
        existing = set(env[EXISTING_STACKS_ENV].split(",")) - {""}
        # An update is told the stacks that existed when its step began (others of the
        # step may be created meanwhile); a preview, exactly those that exist.
        if exact:
            assert existing == set(self.deployed), "the program must be told which exist"
        assert existing <= set(self.deployed), "the program is told only of stacks that exist"
        return self.references[stack] & existing

    def preview(self, stack: str, env: dict[str, str], refresh: bool = False) -> int:
        self.log.append(
            ("preview" if not refresh else "refresh-preview", stack, env[EXISTING_STACKS_ENV])
        )
        if stack not in self.deployed:
            return 3  # a new stack's preview creates everything
        if refresh and stack in self.drifted:
            return 1  # what the cluster holds differs from what was deployed
        return 0 if self._seen(stack, env, exact=True) == self.deployed[stack] else 1

    def last(self, stack: str) -> Previewed:
        return Previewed()

    def up(self, stack: str, env: dict[str, str]) -> int:
        with self.lock:
            self.log.append(("up", stack, env[EXISTING_STACKS_ENV]))
            self.threads[stack] = threading.get_ident()
            changes = 3 if stack not in self.deployed else 1
            seen = self._seen(stack, env)
            cfg = self.members[stack].config
            kind = kind_of(cfg)
            routes = kind.routed(cfg, {name: self.records.get(name) for name in seen}).routes
            published = {**kind.outputs(cfg, stack), **kind.routed_outputs(cfg, stack, routes)}
            self.deployed[stack] = seen
            self.records[stack] = published["federation"]
            self.inputs[stack] = env.get(INPUTS_ENV)
            self.failed.discard(stack)
            if stack in self.certificates:
                self.certificates[stack] = dict.fromkeys(self.certificates[stack], self.renewed)
        time.sleep(0.05)  # long enough for the stacks of a step to overlap
        return changes

    def destroy(self, stack: str) -> None:
        self.log.append(("destroy", stack, ""))
        del self.deployed[stack]
        self.records.pop(stack, None)
        self.inputs.pop(stack, None)

    def outputs(self, stack: str) -> dict[str, Any]:
        found: dict[str, Any] = {
            "federation": {"kind": "party", "endpoints": {"rollsite": {"host": "h", "port": 1}}}
        }
        if stack in self.certificates:
            found["certificates"] = dict(self.certificates[stack])
        return found

    def record(self, stack: str) -> tuple[Any, bool]:
        return self.outputs(stack)["federation"], False

    def published(self, stack: str) -> Published:
        self.log.append(("read", stack, ""))
        inputs = None if stack in self.failed else self.inputs.get(stack)
        return Published(
            self.records.get(stack), False, inputs, dict(self.certificates.get(stack, {}))
        )

    def resource_count(self, stack: str) -> int:
        return 5 if stack in self.deployed else 0

    def history(self, stack: str) -> list[dict[str, Any]]:
        runs = [action for action, name, _ in self.log if name == stack and action == "up"]
        return [
            {"version": n, "kind": action, "result": "succeeded", "resourceChanges": {"same": 5}}
            for n, action in enumerate(runs, 1)
        ]

    def ups(self) -> list[str]:
        return [stack for action, stack, _ in self.log if action == "up"]


def test_exchanges_run_first() -> None:
    assert run_order(star()) == ["exchange", "a", "b"]


def test_up_from_nothing_converges_with_every_route() -> None:
    members = star()
    engine = FakeEngine(members)
    said: list[str] = []
    outcomes = converge(members, engine, say=said.append)
    assert engine.deployed == {"exchange": {"a", "b"}, "a": {"exchange"}, "b": {"exchange"}}
    # The exchange, then both parties at once (neither reads the other), then the
    # exchange again, once its members have published. No preview ran.
    assert said[:-1] == ["[step 1] up: exchange", "[step 2] up: a, b", "[step 3] up: exchange"]
    assert engine.ups() == ["exchange", "a", "b", "exchange"] or engine.ups() == [
        "exchange",
        "b",
        "a",
        "exchange",
    ]
    assert said[-1] == "converged after 4 updates in 3 steps"
    assert not [a for a, _, _ in engine.log if a == "preview"]
    assert {o.stack: o.updates for o in outcomes} == {"exchange": 2, "a": 1, "b": 1}


def test_the_stacks_of_a_step_run_at_once_each_with_its_own_environment() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    assert engine.threads["a"] != engine.threads["b"]
    # Each was handed the digest of its own inputs, which it exported.
    assert engine.inputs["a"] != engine.inputs["b"] and all(engine.inputs.values())


def test_a_converged_federation_runs_no_program_and_says_nothing_to_do() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    engine.log.clear()
    said: list[str] = []
    outcomes = converge(members, engine, say=said.append)
    assert [a for a, _, _ in engine.log] == ["read"] * 3  # each stack's outputs, once
    assert said == ["nothing to do: every stack's inputs are those of its last update"]
    assert all(o.updates == 0 and o.state == "up-to-date" for o in outcomes)


def test_only_the_stacks_whose_inputs_changed_run_again() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    # A's stack file changed (a new NodePort): a runs; its record changed, so the
    # exchange, which routes to it, runs; b takes nothing from either and stays.
    moved = party(
        partyId=9999,
        exchangeStack="exchange",
        python={},
        rollsite={"type": "NodePort", "nodePort": 30095},
    )
    members["a"] = Member(load_stack_config(moved, "a").config, "", "edited")
    engine.members["a"] = members["a"]
    engine.log.clear()
    converge(members, engine, say=lambda _: None)
    assert engine.ups() == ["a", "exchange"]
    # An update someone ran by hand exported no digest: that stack runs again, alone.
    engine.inputs["b"] = None
    engine.log.clear()
    converge(members, engine, say=lambda _: None)
    assert engine.ups() == ["b"]


def test_a_party_that_leaves_is_dropped_from_the_exchange() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    engine.destroy("b")  # the party leaves: its stack is gone
    smaller = star(exchange={"members": ["a"]})
    del smaller["b"]
    engine.references["exchange"] = {"a"}
    engine.members = smaller
    converge(smaller, engine, say=lambda _: None)
    assert engine.deployed["exchange"] == {"a"}
    assert engine.records["exchange"]["members"] == [9999]


def test_convergence_is_bounded_by_its_steps() -> None:
    members = star()
    engine = FakeEngine(members)
    engine.published = lambda stack: Published()  # type: ignore[method-assign]
    with pytest.raises(FederationError, match="not converged after 2 steps"):
        converge(members, engine, max_passes=2, say=lambda _: None)
    # A federation that converges in exactly the steps allowed is not refused.
    engine = FakeEngine(members)
    said: list[str] = []
    converge(members, engine, max_passes=3, say=said.append)
    assert said[-1] == "converged after 4 updates in 3 steps"


def test_a_p2p_mesh_converges_in_two_steps_whatever_its_size() -> None:
    names = ["p1", "p2", "p3", "p4", "p5"]
    members = {}
    for index, name in enumerate(names):
        peers = [n for n in names if n != name]
        raw = party(
            partyId=1000 + index,
            namespace=f"fate-{name}",
            peers=peers,
            rollsite={"type": "NodePort", "nodePort": 30200 + index},
        )
        members[name] = Member(load_stack_config(raw, name).config, name)
    engine = FakeEngine(members)
    said: list[str] = []
    converge(members, engine, say=said.append)
    assert said == [
        f"[step 1] up: {', '.join(names)}",
        f"[step 2] up: {', '.join(names)}",
        "converged after 10 updates in 2 steps",
    ]
    assert all(engine.deployed[n] == set(names) - {n} for n in names)


def test_a_failed_update_runs_again_even_with_its_inputs_reverted() -> None:
    """A failed update keeps the outputs of the one before, digest included: the stack
    is not up to date whatever its inputs say."""
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    engine.failed.add("b")  # its last update failed part-way; its file was reverted since
    engine.log.clear()
    converge(members, engine, say=lambda _: None)
    assert engine.ups() == ["b"]


def test_a_policy_gate_previews_only_what_up_will_run_with_every_stack_existing() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    engine.inputs["a"] = None
    engine.log.clear()
    outcomes = preview_all(members, engine, say=lambda _: None, only=["a"])
    assert [o.stack for o in outcomes] == ["a"]
    assert engine.log == [("preview", "a", "a,b,exchange")]


def test_destroy_runs_in_reverse_order() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    destroy_all(members, engine, say=lambda _: None)
    assert [s for a, s, _ in engine.log if a == "destroy"] == ["b", "a", "exchange"]
    assert engine.deployed == {}


def test_preview_and_status_say_one_line_per_stack() -> None:
    members = star()
    engine = FakeEngine(members)
    assert [o.state for o in preview_all(members, engine, say=lambda _: None)] == ["new"] * 3
    converge(members, engine, say=lambda _: None)
    lines = status_all(members, engine)
    assert len(lines) == 3 and all("deployed  rollsite h:1" in line for line in lines)


def test_discover_reads_and_validates_the_shipped_federation(tmp_path: Path) -> None:
    members = discover(PROJECT_DIR, EXAMPLE_PASSPHRASE)
    assert run_order(members) == ["exchange", "party10000", "party9999"]
    for name in ("Pulumi.exchange.yaml", "Pulumi.party9999.yaml", "Pulumi.party10000.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    document = yamlio.load((tmp_path / "Pulumi.exchange.yaml").read_text())
    document["config"]["fate:members"] = ["party9999"]
    (tmp_path / "Pulumi.exchange.yaml").write_text(yamlio.dump(document))
    with pytest.raises(FederationError, match="stacks party10000 and exchange: party10000 routes"):
        discover(tmp_path, EXAMPLE_PASSPHRASE)


class FailingEngine(FakeEngine):
    """The engine fails one stack's update."""

    def __init__(self, members: dict[str, Member], failing: str) -> None:
        super().__init__(members)
        self.failing = failing

    def up(self, stack: str, env: dict[str, str]) -> int:
        if stack == self.failing:
            self.failed.add(stack)
            raise engine_failure(RuntimeError(ENGINE_REPORT))
        return super().up(stack, env)


ENGINE_REPORT = """
 code: 255
 stdout: Updating (b):
 +  kubernetes:helm.sh/v3:Release fate creating (0s) error: 1 error occurred:
    pulumi:pulumi:Stack fate-b **failed** 1 error
Diagnostics:
  kubernetes:helm.sh/v3:Release (fate):
    error: 1 error occurred:
    \t* Service "rollsite" is invalid: spec.ports[0].nodePort: Invalid value: 30091: \
provided port is already allocated

  pulumi:pulumi:Stack (fate-b):
    error: update failed

  kubernetes:core/v1:ConfigMap (routes):
    error: configured Kubernetes cluster is unreachable: dial tcp 127.0.0.1:1: connect: \
connection refused

Resources:
    2 errored

Duration: 2s

 stderr: error: update failed
"""
"""How the Automation API reports a failed update (the shape of a real run's report)."""


def test_an_engine_error_ends_with_every_stacks_outcome_so_far() -> None:
    members = star()
    with pytest.raises(ConvergeError) as caught:
        converge(members, FailingEngine(members, "b"), say=lambda _: None)
    error = caught.value
    # Each failing resource with the engine's reason, not the summary's "2 errored".
    assert error.stack == "b" and error.cause.splitlines() == [
        'kubernetes:helm.sh/v3:Release fate: 1 error occurred: Service "rollsite" is '
        "invalid: spec.ports[0].nodePort: Invalid value: 30091: provided port is already "
        "allocated",
        "kubernetes:core/v1:ConfigMap routes: configured Kubernetes cluster is unreachable: "
        "dial tcp 127.0.0.1:1: connect: connection refused",
    ]
    assert {o.stack: o.state for o in error.outcomes} == {
        "exchange": "updated",
        "a": "updated",
        "b": "failed",
    }
    assert str(error).splitlines()[:4] == [
        "stack b failed:",
        f"  {error.cause.splitlines()[0]}",
        f"  {error.cause.splitlines()[1]}",
        "so far:",
    ]


def test_every_stack_that_failed_in_a_step_is_named_with_its_cause() -> None:
    """Both parties of a step fail, concurrently: the error names each, with its own
    cause, not the first alone."""
    members = star()

    class TwoFail(FakeEngine):
        def up(self, stack: str, env: dict[str, str]) -> int:
            if stack in ("a", "b"):
                raise engine_failure(RuntimeError(f"error: {stack} cannot reach its cluster"))
            return super().up(stack, env)

    with pytest.raises(ConvergeError) as caught:
        converge(members, TwoFail(members), say=lambda _: None)
    text = str(caught.value)
    assert text.splitlines()[:2] == [
        "stack a failed: error: a cannot reach its cluster",
        "stack b failed: error: b cannot reach its cluster",
    ]
    assert {o.stack: o.state for o in caught.value.outcomes} == {
        "exchange": "updated",
        "a": "failed",
        "b": "failed",
    }


def test_an_engine_error_without_diagnostics_gives_its_last_error_line() -> None:
    members = star()

    class Broken(FakeEngine):
        def up(self, stack: str, env: dict[str, str]) -> int:
            raise engine_failure(
                RuntimeError("error: could not load plugin\n  error: no such file")
            )

    with pytest.raises(ConvergeError) as caught:
        converge(members, Broken(members), say=lambda _: None)
    assert str(caught.value).splitlines()[0] == "stack exchange failed: error: no such file"


def test_destroy_plan_lists_what_goes_in_order() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    engine.destroy("a")
    plan = destroy_plan(members, engine)
    assert [line.split()[:2] for line in plan] == [
        ["destroy", "b"],
        ["skip", "a"],
        ["destroy", "exchange"],
    ]
    assert "5 resources" in plan[0] and "not deployed" in plan[1]


def test_status_of_a_stack_whose_record_is_secret_shows_no_endpoint() -> None:
    members = star()
    engine = FakeEngine(members)
    converge(members, engine, say=lambda _: None)
    engine.outputs = lambda stack: {"federation": "[secret]"}  # type: ignore[method-assign]
    lines = status_all(members, engine)
    assert len(lines) == 3 and all("deployed  no endpoint" in line for line in lines)


REFUSED_PREVIEW = (FIXTURES / "policy" / "refused-preview.txt").read_text()
"""What the CLI says when a policy pack refuses a preview (recorded from a real run)."""


class PolicyEngine(FakeEngine):
    """A fake engine whose policy pack refuses some stacks, new ones included."""

    def __init__(self, members: dict[str, Member], refused: set[str]) -> None:
        super().__init__(members)
        self.refused = refused

    def preview(self, stack: str, env: dict[str, str], refresh: bool = False) -> int:
        if stack in self.refused:
            raise engine_failure(RuntimeError(REFUSED_PREVIEW))
        return super().preview(stack, env, refresh)

    def up(self, stack: str, env: dict[str, str]) -> int:
        if stack in self.refused:
            raise engine_failure(RuntimeError(REFUSED_PREVIEW))
        return super().up(stack, env)


def test_a_policy_gate_previews_new_stacks_and_every_refusal_is_shown() -> None:
    members = star()
    engine = PolicyEngine(members, {"a", "b"})
    with pytest.raises(PreviewError) as raised:
        preview_all(members, engine, say=lambda _: None, new_too=True)
    error = raised.value
    assert list(error.failures) == ["a", "b"]  # the refusal of a does not hide b's
    assert [o.state for o in error.outcomes] == ["new", "refused", "refused"]
    assert "nodeport-range [mandatory]" in str(error) and "stack b refused:" in str(error)
    assert [s for a, s, _ in engine.log if a == "preview"] == ["exchange"]
    # without a gate, new stacks are left alone as before
    assert [o.state for o in preview_all(members, engine, say=lambda _: None)] == ["new"] * 3


def test_an_update_a_policy_refuses_says_which_policies() -> None:
    members = star()
    with pytest.raises(ConvergeError) as raised:
        converge(members, PolicyEngine(members, {"a"}), say=lambda _: None)
    assert raised.value.stack == "a"
    assert raised.value.violations[0].startswith("nodeport-range [mandatory]")
    assert "nodePort 40000" in str(raised.value)


SERVING_SECRETS = {
    "servingRedis": {"password": Secret("r3dis-pw", True)},
    "servingAdmin": {"username": "admin", "password": Secret("adm1n-pw", True)},
}


def test_a_serving_star_passes_and_needs_the_exchanges_serving_proxy() -> None:
    serving = {"fate-serving": {**SERVING_SECRETS, "servingProxy": {"type": "ClusterIP"}}}
    proxy = {"servingProxy": {"type": "ClusterIP"}}
    assert rules(star(a=serving, b=serving, exchange=proxy)) == []
    assert rules(star(a=serving)) == [(("a", "exchange"), "modes")]
    [problem] = check_federation(star(a=serving))
    assert "a serves models behind exchange, which has no servingProxy" in problem.message


def test_a_serving_peer_must_run_a_serving_cluster() -> None:
    """Serving peers are the training peers unless fate-serving:peers says otherwise: a
    peer that serves no models is named, not silently left out of the route table."""
    rollsite = {"type": "NodePort", "nodePort": 30091}
    a = party(
        partyId=9999,
        peers=["b"],
        rollsite=rollsite,
        **{"fate-serving": {**SERVING_SECRETS, "servingProxy": {"type": "ClusterIP"}}},
    )
    b = party(partyId=10000, peers=["a"])
    members = {"a": member(a), "b": member(b)}
    found = [p for p in check_federation(members) if p.rule == "serving"]
    assert [p.stacks for p in found] == [("a", "b")]
    assert "list the serving peers in fate-serving:peers" in found[0].message
    alone = {
        "fate-serving": {
            "partyId": 10000,
            **SERVING_SECRETS,
            "peers": ["a"],
            "servingServer": {"fateflow": {"ip": "h", "port": 9380}},
        }
    }
    a["fate-serving"]["peers"] = ["c"]
    members = {"a": member({**a, "peers": [], "exchangeStack": None}), "c": member(alone)}
    assert rules(members) == []  # c serves alone; a's serving proxy peers with it


def test_a_serving_proxys_own_peers_and_exchange_are_checked_like_the_training_ones() -> None:
    serving = {**SERVING_SECRETS, "servingProxy": {"type": "ClusterIP"}}
    proxy = {"servingProxy": {"type": "ClusterIP"}}
    for wrong, rule in ((["ghost"], "unknown-stack"), (["exchange"], "p2p"), (["b"], "p2p")):
        members = star(
            a={"fate-serving": {**serving, "peers": wrong}},
            b={"fate-serving": dict(serving)},
            exchange=proxy,
        )
        assert rule in [r for stacks, r in rules(members) if stacks[0] == "a"], wrong
    members = star(
        a={"fate-serving": {**serving, "exchangeStack": "b"}},
        b={"fate-serving": dict(serving)},
        exchange=proxy,
    )
    assert (("a", "b"), "unknown-stack") in rules(members)


def test_parties_of_different_fate_versions_behind_one_exchange_are_refused(
    tmp_path: Path,
) -> None:
    """The Spark example with one party moved to FATE 2.0: both still speak Pulsar through
    the exchange, and FATE runs no job across them."""
    example = PROJECT_DIR / "examples" / "spark-pulsar"
    for name in ("Pulumi.exchange.yaml", "Pulumi.party9999.yaml", "Pulumi.party10000.yaml"):
        shutil.copy(example / name, tmp_path / name)
    moved = tmp_path / "Pulumi.party10000.yaml"
    moved.write_text(
        moved.read_text().replace("fate:chartVersion: v1.11.2", "fate:chartVersion: v2.0.0")
    )
    with pytest.raises(FederationError) as caught:
        discover(tmp_path, EXAMPLE_PASSPHRASE)
    said = str(caught.value)
    assert "party9999 runs FATE 1.11 and party10000 FATE 2.0, both behind exchange" in said
