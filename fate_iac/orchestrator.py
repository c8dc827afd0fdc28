"""``fatectl federation``: bring a whole federation up, converge it, take it down.

The stacks of a federation are the project's stack files. They are validated together
(each on its own, then :mod:`fate_iac.federation_check`), run in dependency order
(exchanges, then parties), and re-run while a preview shows changes: a party's route
to its exchange appears once the exchange has published its federation record, and
the exchange's routes once its members have. Every run tells the program which stacks
exist (``FATE_EXISTING_STACKS``), so a stack never references one that does not.

The engine is behind :class:`StackRunner`; :class:`AutomationRunner` is the real one
(Pulumi's Automation API), and the tests drive the same logic with a fake.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fate_iac import yamlio
from fate_iac.exchange import ExchangeConfig
from fate_iac.federation import EXISTING_STACKS_ENV
from fate_iac.federation_check import Member, check_federation
from fate_iac.loader import load_stack_config, read_stack_file
from fate_iac.problems import ConfigError, FederationError

Say = Callable[[str], None]


class StackRunner(Protocol):
    def exists(self, stack: str) -> bool: ...
    def preview(self, stack: str, env: dict[str, str]) -> int: ...
    def up(self, stack: str, env: dict[str, str]) -> int: ...
    def destroy(self, stack: str) -> None: ...
    def outputs(self, stack: str) -> dict[str, Any]: ...


@dataclass
class Outcome:
    stack: str
    kind: str
    updates: int = 0
    changes: int = 0
    state: str = "unchanged"

    def line(self) -> str:
        return (
            f"{self.stack:<16} {self.kind:<8} {self.state:<10} "
            f"{self.updates} update{'s' if self.updates != 1 else ''}, "
            f"{self.changes} resource change{'s' if self.changes != 1 else ''}"
        )


def discover(project_dir: Path, passphrase: str | None = None) -> dict[str, Member]:
    """Every stack file of the project, validated; all problems of all stacks at once."""
    members: dict[str, Member] = {}
    errors: list[str] = []
    for path in sorted(project_dir.glob("Pulumi.*.yaml")):
        name = path.name[len("Pulumi.") : -len(".yaml")]
        try:
            loaded = load_stack_config(read_stack_file(path, name, passphrase), name)
        except ConfigError as error:
            errors.append(error.report())
            continue
        document = yamlio.load(path.read_text()) or {}
        cluster = str((document.get("config") or {}).get("kubernetes:context") or "")
        members[name] = Member(loaded.config, cluster)
    if not members and not errors:
        raise FederationError(f"no Pulumi.<stack>.yaml files in {project_dir}")
    problems = [p.render() for p in check_federation(members)] if not errors else []
    if errors or problems:
        raise FederationError("\n".join(["federation refused:", *errors, *problems]))
    return members


def run_order(members: Mapping[str, Member]) -> list[str]:
    """Exchanges first, then parties: each stack after the ones it most often waits for."""
    exchanges = sorted(n for n, m in members.items() if isinstance(m.config, ExchangeConfig))
    return exchanges + sorted(n for n in members if n not in exchanges)


def _kind(member: Member) -> str:
    return "exchange" if isinstance(member.config, ExchangeConfig) else "party"


def _env(runner: StackRunner, members: Mapping[str, Member]) -> dict[str, str]:
    return {EXISTING_STACKS_ENV: ",".join(n for n in sorted(members) if runner.exists(n))}


def converge(
    members: Mapping[str, Member], runner: StackRunner, max_passes: int = 4, say: Say = print
) -> list[Outcome]:
    """Update the stacks in order, again and again, until a pass previews no change."""
    order = run_order(members)
    outcomes = {name: Outcome(name, _kind(members[name])) for name in order}
    for number in range(1, max_passes + 1):
        changed = False
        for name in order:
            env = _env(runner, members)
            if runner.exists(name):
                say(f"[pass {number}] {name}: preview")
                pending = runner.preview(name, env)
                if pending == 0:
                    continue
            say(f"[pass {number}] {name}: up")
            outcome = outcomes[name]
            outcome.changes += runner.up(name, env)
            outcome.updates += 1
            outcome.state = "updated"
            changed = True
        if not changed:
            say(f"converged after {number} pass{'es' if number > 1 else ''}")
            return list(outcomes.values())
    raise FederationError(f"not converged after {max_passes} passes: stacks still change")


def preview_all(
    members: Mapping[str, Member], runner: StackRunner, say: Say = print
) -> list[Outcome]:
    outcomes = []
    for name in run_order(members):
        outcome = Outcome(name, _kind(members[name]))
        if runner.exists(name):
            outcome.changes = runner.preview(name, _env(runner, members))
            outcome.state = "changes" if outcome.changes else "up-to-date"
        else:
            outcome.state = "new"
        say(f"preview {name}: {outcome.state}")
        outcomes.append(outcome)
    return outcomes


def destroy_all(
    members: Mapping[str, Member], runner: StackRunner, say: Say = print
) -> list[Outcome]:
    outcomes = []
    for name in reversed(run_order(members)):
        outcome = Outcome(name, _kind(members[name]), state="absent")
        if runner.exists(name):
            say(f"destroy {name}")
            runner.destroy(name)
            outcome.state = "destroyed"
        outcomes.append(outcome)
    return outcomes


def status_all(members: Mapping[str, Member], runner: StackRunner) -> list[str]:
    lines = []
    for name in run_order(members):
        if not runner.exists(name):
            lines.append(f"{name:<16} {_kind(members[name]):<8} not deployed")
            continue
        record = runner.outputs(name).get("federation") or {}
        rollsite = (record.get("endpoints") or {}).get("rollsite")
        where = f"rollsite {rollsite['host']}:{rollsite['port']}" if rollsite else "no endpoint"
        extra = f" members {record.get('members')}" if record.get("kind") == "exchange" else ""
        lines.append(f"{name:<16} {_kind(members[name]):<8} deployed  {where}{extra}")
    return lines


class AutomationRunner:
    """The real engine: each stack of ``project_dir`` through Pulumi's Automation API."""

    def __init__(
        self,
        project_dir: Path,
        env: Mapping[str, str] | None = None,
        pulumi_root: Path | None = None,
        policy_packs: list[str] | None = None,
        say: Say = print,
    ) -> None:
        from pulumi import automation as auto

        self._auto = auto
        self.project_dir = project_dir
        self.env = dict(env or {})
        self.policy_packs = policy_packs or []
        self.say = say
        self._listed: set[str] | None = None
        command = None
        if pulumi_root is not None:
            command = auto.PulumiCommand(root=str(pulumi_root), skip_version_check=True)
        self.workspace = auto.LocalWorkspace(
            work_dir=str(project_dir),
            env_vars=self.env,
            pulumi_home=self.env.get("PULUMI_HOME"),
            pulumi_command=command,
        )

    def exists(self, stack: str) -> bool:
        # One `pulumi stack ls` serves every question until a stack is created: the
        # orchestrator asks for each stack at each step.
        if self._listed is None:
            self._listed = {s.name for s in self.workspace.list_stacks()}
        return stack in self._listed

    def _stack(self, stack: str, env: dict[str, str]) -> Any:
        self.workspace.env_vars = {**self.env, **env}
        if self._listed is not None and stack not in self._listed:
            self._listed = None  # create_or_select is about to create it
        return self._auto.Stack.create_or_select(stack, self.workspace)

    def preview(self, stack: str, env: dict[str, str]) -> int:
        result = self._stack(stack, env).preview(policy_packs=self.policy_packs)
        return sum(count for op, count in result.change_summary.items() if op != "same")

    def up(self, stack: str, env: dict[str, str]) -> int:
        lines: list[str] = []
        result = self._stack(stack, env).up(policy_packs=self.policy_packs, on_output=lines.append)
        for line in lines:
            if "waiting for" in line or "error" in line:
                self.say(f"  {stack}: {line.strip()}")
        changes = result.summary.resource_changes or {}
        return sum(count for op, count in changes.items() if op != "same")

    def destroy(self, stack: str) -> None:
        self._stack(stack, {}).destroy()

    def outputs(self, stack: str) -> dict[str, Any]:
        return {k: v.value for k, v in self._stack(stack, {}).outputs().items()}


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def default_runner(project_dir: Path, policy_packs: list[str]) -> AutomationRunner:
    return AutomationRunner(project_dir, dict(os.environ), None, policy_packs, stderr)
