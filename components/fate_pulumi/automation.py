"""The real engine behind ``fatectl federation``: each stack of a project through Pulumi's
Automation API (the logic that drives it is :mod:`fate_iac.orchestrator`)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fate_iac.convergence import INPUTS_OUTPUT
from fate_iac.orchestrator import (
    EngineError,
    Previewed,
    Published,
    Say,
    StepChange,
    stderr,
)
from fate_iac.secrets import REDACTED, Decrypter
from fate_pulumi.engine_report import engine_failure, policy_violations

STACK_REFERENCE = "pulumi:pulumi:StackReference"
STACK = "pulumi:pulumi:Stack"
SECRET_SIGNATURE, SECRET_KIND = (
    "4dabf18193072939515e22adb298388d",
    "1b47061264138c4ac30d75fd1eb44270",
)
"""How a state (``pulumi stack export``) marks a secret value: ``{SIGNATURE: KIND,
"plaintext": <its JSON>}`` with ``--show-secrets``, ``"ciphertext"`` without."""


def revealed(value: Any, decrypt: Callable[[str], str] | None = None) -> tuple[Any, bool]:
    """A value of an exported state with its secrets revealed, and whether it held any
    (then the whole value counts as secret: it is shown as ``[secret]``). A secret is
    revealed from its ``plaintext``, or its ``ciphertext`` through ``decrypt``; without
    either it stays as the state holds it."""
    if isinstance(value, dict) and value.get(SECRET_SIGNATURE) == SECRET_KIND:
        if "plaintext" in value:
            return json.loads(value["plaintext"]), True
        if decrypt is not None and "ciphertext" in value:
            return json.loads(decrypt(value["ciphertext"])), True
        return value, True
    if isinstance(value, dict):
        pairs = {key: revealed(item, decrypt) for key, item in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        items = [revealed(item, decrypt) for item in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def state_decrypter(
    deployment: Mapping[str, Any], env: Mapping[str, str]
) -> Callable[[str], str] | None:
    """What opens one secret of a state encrypted with a passphrase (the one in ``env``,
    as the CLI reads it), value by value; None for any other secrets provider."""
    provider = deployment.get("secrets_providers") or {}
    salt = (provider.get("state") or {}).get("salt")
    if provider.get("type") != "passphrase" or not salt:
        return None
    passphrase = env.get("PULUMI_CONFIG_PASSPHRASE")
    if passphrase is None and env.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        passphrase = Path(env["PULUMI_CONFIG_PASSPHRASE_FILE"]).read_text().rstrip("\n")
    if passphrase is None:
        return None
    return Decrypter(passphrase, salt).decrypt


def shown_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Stack outputs (the Automation API's ``OutputValue``s, which hold secrets in
    plaintext) as they may be shown: each secret one as ``[secret]``."""
    return {key: REDACTED if value.secret else value.value for key, value in outputs.items()}


class Steps:
    """Counts the steps of a preview or update that change something a party runs on.

    A StackReference's step is not one: it is read again whenever the referenced stack's
    outputs change at all (an exchange's member list, say), while what matters is whether
    the routes in the release change, which its own step shows. Nor is a refresh's
    reading of a resource: what the refresh found shows in the step that follows it."""

    def __init__(self) -> None:
        self.changed: list[StepChange] = []

    @property
    def changes(self) -> int:
        return len(self.changed)

    def see(self, event: Any) -> None:
        step = event.resource_pre_event
        if step is None:
            return
        meta = step.metadata
        op, kind = meta.op.value, meta.type
        if kind != STACK_REFERENCE and op not in ("same", "read", "refresh"):
            # Property paths only (the detailed diff's keys): never a value.
            keys = tuple(sorted(meta.detailed_diff or {})) or tuple(meta.diffs or ())
            self.changed.append(StepChange(op, kind, meta.urn.split("::")[-1], keys))


@contextmanager
def engine_failures() -> Iterator[None]:
    """A failed run raised as the orchestrator reads it: an :class:`EngineError` made from
    the engine's report (:func:`fate_pulumi.engine_report.engine_failure`)."""
    try:
        yield
    except EngineError:
        raise
    except Exception as error:  # the Automation API's CommandError, or whatever the run raised
        raise engine_failure(error) from error


class AutomationRunner:
    """The real engine: each stack of ``project_dir`` through Pulumi's Automation API.
    Every operation has its own workspace and environment, so the orchestrator may run
    several stacks at once."""

    def __init__(
        self,
        project_dir: Path,
        env: Mapping[str, str] | None = None,
        pulumi_root: Path | None = None,
        policy_packs: list[str] | None = None,
        say: Say = print,
        policy_pack_configs: list[str] | None = None,
    ) -> None:
        from pulumi import automation as auto

        self._auto = auto
        self.project_dir = project_dir
        self.env = dict(env or {})
        self.policy_packs = policy_packs or []
        self.policy_pack_configs = policy_pack_configs or []
        self.say = say
        self._listed: set[str] | None = None
        self._lock = threading.Lock()
        self._last: dict[str, Previewed] = {}
        # One CLI for every workspace: each would otherwise ask it for its version.
        self._command = auto.PulumiCommand(
            root=str(pulumi_root) if pulumi_root is not None else None,
            skip_version_check=pulumi_root is not None,
        )
        self.workspace = self._workspace({})

    def _workspace(self, env: Mapping[str, str]) -> Any:
        return self._auto.LocalWorkspace(
            work_dir=str(self.project_dir),
            env_vars={**self.env, **env},
            pulumi_home=self.env.get("PULUMI_HOME"),
            pulumi_command=self._command,
        )

    def exists(self, stack: str) -> bool:
        # One `pulumi stack ls` serves every question until a stack is created: the
        # orchestrator asks for each stack at each step.
        with self._lock:
            if self._listed is None:
                self._listed = {s.name for s in self.workspace.list_stacks()}
            return stack in self._listed

    def _stack(self, stack: str, env: dict[str, str]) -> Any:
        # Selecting a stack writes the workspace's settings: one at a time. What runs on
        # it then (an update, say) names the stack itself, so stacks run at once.
        with self._lock:
            if self._listed is not None and stack not in self._listed:
                self._listed = None  # create_or_select is about to create it
            return self._auto.Stack.create_or_select(stack, self._workspace(env))

    def _outputs(self, stack: str, reveal: bool = False) -> dict[str, Any]:
        """A stack's outputs, each saying whether it is secret; with ``reveal``, secret
        ones revealed. Read from its state exported as it is stored (no stack selected,
        nothing decrypted by the CLI): only the outputs' own secrets are decrypted, never
        the rest of the state (a CA's key, the credentials in a release's values)."""
        done = self._command.run(
            ["stack", "export", "--stack", stack], str(self.project_dir), self.env
        )
        deployment = json.loads(done.stdout or "{}").get("deployment") or {}
        resources = deployment.get("resources") or []
        root: dict[str, Any] = next((r for r in resources if r.get("type") == STACK), {})
        stored = root.get("outputs") or {}
        outputs = {key: revealed(value) for key, value in stored.items()}
        if reveal and any(secret for _, secret in outputs.values()):
            decrypt = state_decrypter(deployment, {**os.environ, **self.env})
            if decrypt is not None:
                outputs = {key: revealed(value, decrypt) for key, value in stored.items()}
            else:  # another secrets provider: the CLI decrypts the outputs, and only them
                shown = self._command.run(
                    ["stack", "output", "--json", "--show-secrets", "--stack", stack],
                    str(self.project_dir),
                    self.env,
                )
                plain = json.loads(shown.stdout or "{}")
                outputs = {
                    key: (plain.get(key), True) if secret else (value, False)
                    for key, (value, secret) in outputs.items()
                }
        return {key: self._auto.OutputValue(*found) for key, found in outputs.items()}

    def preview(self, stack: str, env: dict[str, str], refresh: bool = False) -> int:
        """What an update would change; with ``refresh``, against what the cluster holds
        now rather than what the state says."""
        with engine_failures():
            steps, lines = self._run(stack, env, ["preview", *(["--refresh"] if refresh else [])])
        self._done(stack, steps, lines)
        return steps.changes

    def last(self, stack: str) -> Previewed:
        return self._last.get(stack, Previewed())

    def _done(self, stack: str, steps: Steps, lines: list[str]) -> None:
        """Keep what the run changed; a run that passed may still carry advisory
        violations: they are kept and said, never dropped (a mandatory one fails the run,
        and its error says it)."""
        violations = policy_violations("\n".join(line.rstrip("\n") for line in lines))
        self._last[stack] = Previewed(tuple(steps.changed), tuple(violations))
        for violation in violations:
            self.say(f"  {stack}: {violation}")

    def up(self, stack: str, env: dict[str, str]) -> int:
        """Update ``stack``. With policy packs, a preview with them comes first, in the
        same environment: stack policies run only after an update's changes, so without
        it a later step's stack would be checked when it is already changed."""
        with engine_failures():
            if self.policy_packs:
                self._run(stack, env, ["preview"])
            steps, lines = self._run(stack, env, ["up", "--yes", "--skip-preview"])
        for line in lines:
            if "waiting for" in line or "error" in line:
                self.say(f"  {stack}: {line.strip()}")
        self._done(stack, steps, lines)
        return steps.changes

    def _run(self, stack: str, env: dict[str, str], command: list[str]) -> tuple[Steps, list[str]]:
        """``pulumi <command>`` on ``stack`` (created first if it does not exist) as the
        Automation API runs it, with the steps it took read from its event log, and its
        output lines; raises the Automation API's CommandError when it fails.

        Not ``Stack.up``: that selects the stack first and, after the update, reads its
        outputs (two runs) and its last history entry, four more runs of the CLI (about
        1.3 s), for results the orchestrator reads once per step anyway
        (:meth:`published`)."""
        if not self.exists(stack):
            self._stack(stack, env)
        policy = [arg for pack in self.policy_packs for arg in ("--policy-pack", pack)]
        policy += [arg for c in self.policy_pack_configs for arg in ("--policy-pack-config", c)]
        lines: list[str] = []
        steps = Steps()
        with tempfile.TemporaryDirectory(prefix="fate-events-") as scratch:
            log = Path(scratch) / "events.json"
            self._command.run(
                [
                    *command,
                    "--stack",
                    stack,
                    "--event-log",
                    str(log),
                    *policy,
                    "--exec-kind",
                    "auto.local",
                ],  # recorded in its history, as the SDK's runs
                # The CLI takes --event-log only with its debug commands on, as the
                # Automation API runs it.
                str(self.project_dir),
                {**self.env, **env, "PULUMI_DEBUG_COMMANDS": "true"},
                on_output=lines.append,
            )
            summarized = False
            for line in log.read_text().splitlines() if log.exists() else []:
                try:
                    event = self._auto.events.EngineEvent.from_json(json.loads(line))
                except Exception as error:  # a newer CLI's event: said, as the SDK does
                    self.say(f"  {stack}: an engine event was not understood: {error}")
                    continue
                steps.see(event)
                summarized = summarized or event.summary_event is not None
        if not summarized:  # its changes would be unknown: never taken for none
            why = f"pulumi {command[0]} of {stack} ended without its summary event"
            raise self._auto.CommandError(self._auto.CommandResult("\n".join(lines), why, -1))
        return steps, lines

    def destroy(self, stack: str) -> None:
        with engine_failures():
            self._stack(stack, {}).destroy()

    def outputs(self, stack: str) -> dict[str, Any]:
        """The stack's outputs; a secret one as ``[secret]``: whoever prints them (status,
        describe, the main command) never shows a secret's value."""
        return shown_outputs(self._outputs(stack))

    def record(self, stack: str) -> tuple[Any, bool]:
        """The stack's ``federation`` output as the program reads it (a secret one
        revealed: the caller hides it) and whether it is secret."""
        found = self._outputs(stack, reveal=True).get("federation")
        return (found.value, found.secret) if found is not None else (None, False)

    def published(self, stack: str) -> Published:
        """Its record (revealed, and whether secret) and its inputs digest: none unless
        its last operation was an update that succeeded (a failed one keeps the outputs
        of the one before; a refresh may have taken drift into the state)."""
        with engine_failures(), ThreadPoolExecutor(1) as reader:  # two runs of the CLI at once
            succeeded = reader.submit(self._last_update_succeeded, stack)
            outputs = self._outputs(stack, reveal=True)
            record, inputs = outputs.get("federation"), outputs.get(INPUTS_OUTPUT)
            digest = str(inputs.value) if inputs is not None and inputs.value else None
            if digest is not None and not succeeded.result():
                digest = None
        return Published(
            record.value if record is not None else None,
            bool(record is not None and record.secret),
            digest,
        )

    def _last_update_succeeded(self, stack: str) -> bool:
        done = self._command.run(
            ["stack", "history", "--json", "--page-size", "1", "--stack", stack],
            str(self.project_dir),
            self.env,
        )
        entries = json.loads(done.stdout or "[]") or [{}]
        return bool(entries[0].get("kind") == "update" and entries[0].get("result") == "succeeded")

    def history(self, stack: str) -> list[dict[str, Any]]:
        """The stack's updates, as ``pulumi stack history`` keeps them."""
        return [
            {
                "version": s.version,
                "kind": s.kind,
                "startTime": s.start_time,
                "endTime": s.end_time,
                "result": s.result,
                "resourceChanges": s.resource_changes or {},
            }
            for s in self._stack(stack, {}).history()
        ]

    def resource_count(self, stack: str) -> int:
        """Resources in the stack's state (what ``destroy`` would delete, and the stack)."""
        deployment = self._stack(stack, {}).export_stack().deployment or {}
        return len(deployment.get("resources") or [])


def default_runner(
    project_dir: Path, policy_packs: list[str], policy_pack_configs: list[str]
) -> AutomationRunner:
    return AutomationRunner(
        project_dir, dict(os.environ), None, policy_packs, stderr, policy_pack_configs
    )
