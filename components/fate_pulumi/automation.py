"""The real engine behind ``fatectl federation``: each stack of a project through Pulumi's
Automation API (the logic that drives it is :mod:`fate_iac.orchestrator`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from fate_iac import backoff, kube, recovery, s3_objects
from fate_iac.cluster_target import ClusterTarget
from fate_iac.convergence import INPUTS_OUTPUT
from fate_iac.loader import project_name
from fate_iac.lock_store import FileLocks, LockStore, S3Locks
from fate_iac.operator_lock import LockAt
from fate_iac.orchestrator import (
    EngineError,
    Previewed,
    Published,
    Say,
    StepChange,
    stderr,
)
from fate_iac.problems import PULUMI_CLI, MissingTool
from fate_iac.secrets import REDACTED, Decrypter
from fate_pulumi.engine_report import engine_failure, policy_violations
from fate_pulumi.release import RELEASE

T = TypeVar("T")
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


PAST = {
    "create": "created",
    "update": "updated",
    "replace": "replaced",
    "delete": "deleted",
    "create-replacement": "created (replacement)",
    "delete-replaced": "deleted (replaced)",
}
"""What a step did, once the engine says it is done: the progress worth saying."""


class Events:
    """A run's event log, read as it grows: each step counted (:class:`Steps`) and,
    for an update, said once done (``created Release fate-9999-release``), with the
    Helm releases said when they start (they wait for their workloads)."""

    def __init__(
        self, stack: str, auto: Any, steps: Steps, say: Say, progress: bool = False
    ) -> None:
        self.stack, self.auto, self.steps, self.say = stack, auto, steps, say
        self.progress = progress
        self.summarized = False
        self._offset = 0
        self._partial = ""

    def read(self, log: Path) -> None:
        """The events written since the last read (a line not finished yet waits)."""
        if not log.exists():
            return
        with open(log) as handle:
            handle.seek(self._offset)
            text = handle.read()
            self._offset = handle.tell()
        text, self._partial = self._partial + text, ""
        found = text.split("\n")
        self._partial = found.pop()
        for line in found:
            if line.strip():
                self._see(line)

    def _see(self, line: str) -> None:
        try:
            event = self.auto.events.EngineEvent.from_json(json.loads(line))
        except Exception as error:  # a newer CLI's event: said, as the SDK does
            self.say(f"  {self.stack}: an engine event was not understood: {error}")
            return
        self.steps.see(event)
        self.summarized = self.summarized or event.summary_event is not None
        if not self.progress:
            return
        started, done = event.resource_pre_event, event.res_outputs_event
        if started is not None and started.metadata.type == RELEASE:
            op = started.metadata.op.value
            if op in PAST:
                name = started.metadata.urn.split("::")[-1]
                self.say(f"  {self.stack}: {op} Release {name}: Helm waits for its workloads")
        if done is not None and done.metadata.type != STACK_REFERENCE:
            op = done.metadata.op.value
            if op in PAST:
                kind = done.metadata.type.split(":")[-1]
                name = done.metadata.urn.split("::")[-1]
                self.say(f"  {self.stack}: {PAST[op]} {kind} {name}")


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
        self._running: dict[str, subprocess.Popen[str]] = {}
        """The CLI running an update of each stack now (what :meth:`cancel` stops)."""
        self._cancelled: dict[str, str] = {}
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
        # One `pulumi stack ls` serves every question for the whole run: the
        # orchestrator asks for each stack at each step, and a stack this runner creates
        # is added to it. Listing a file backend while other updates rename their state
        # files can fail for a moment: never while a step runs, then, and retried.
        with self._lock:
            if self._listed is None:
                self._listed = {
                    s.name for s in self._retried("pulumi stack ls", self.workspace.list_stacks)
                }
            return stack in self._listed

    def _retried(self, what: str, act: Callable[[], T], read: bool = True) -> T:
        """``act()``, retried with backoff on a backend's passing failure, said
        (:mod:`fate_iac.backoff`)."""
        return backoff.retried(act, what, self.say, _engine_message, read=read)

    def _stack(self, stack: str, env: dict[str, str]) -> Any:
        # Selecting a stack writes the workspace's settings: one at a time. What runs on
        # it then (an update, say) names the stack itself, so stacks run at once.
        with self._lock:
            found = self._retried(
                f"pulumi stack select {stack}",
                lambda: self._auto.Stack.create_or_select(stack, self._workspace(env)),
            )
            if self._listed is not None:
                self._listed.add(stack)  # created, if it was not there
            return found

    def _outputs(self, stack: str, reveal: bool = False) -> dict[str, Any]:
        """A stack's outputs, each saying whether it is secret; with ``reveal``, secret
        ones revealed. Read from its state exported as it is stored (no stack selected,
        nothing decrypted by the CLI): only the outputs' own secrets are decrypted, never
        the rest of the state (a CA's key, the credentials in a release's values)."""
        done = self._retried(
            f"pulumi stack export of {stack}",
            lambda: self._command.run(
                ["stack", "export", "--stack", stack], str(self.project_dir), self.env
            ),
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
            steps, lines = self._retried(
                f"pulumi preview of {stack}",
                lambda: self._run(stack, env, ["preview", *(["--refresh"] if refresh else [])]),
            )
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
                self._retried(
                    f"pulumi preview of {stack} with the policy packs",
                    lambda: self._run(stack, env, ["preview"]),
                )
            steps, lines = self._retried(
                f"pulumi up of {stack}",
                lambda: self._run(stack, env, ["up", "--yes", "--skip-preview"]),
                read=False,
            )
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
            events = Events(stack, self._auto, steps, self.say, progress=command[0] == "up")
            self._cli(
                stack,
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
                {**self.env, **env, "PULUMI_DEBUG_COMMANDS": "true"},
                lines,
                lambda: events.read(log),
            )
            events.read(log)
        if not events.summarized:  # its changes would be unknown: never taken for none
            why = f"pulumi {command[0]} of {stack} ended without its summary event"
            raise self._auto.CommandError(self._auto.CommandResult("\n".join(lines), why, -1))
        return steps, lines

    def _cli(
        self,
        stack: str,
        args: list[str],
        env: Mapping[str, str],
        lines: list[str],
        meanwhile: Callable[[], None],
    ) -> None:
        """The CLI on ``stack``, its output lines into ``lines``, ``meanwhile`` called
        every half second while it runs (the engine's events as they come); a run
        :meth:`cancel` stopped raises an :class:`EngineError` saying why."""
        run = subprocess.Popen(
            [self._command.command, "--non-interactive", *args],
            cwd=self.project_dir,
            env={**os.environ, **env, "PULUMI_AUTOMATION_API": "true"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with self._lock:
            self._running[stack] = run
        errors: list[str] = []
        readers = [
            threading.Thread(target=lambda: lines.extend(run.stdout or []), daemon=True),
            threading.Thread(target=lambda: errors.extend(run.stderr or []), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            while run.poll() is None:
                meanwhile()
                try:
                    run.wait(0.5)
                except subprocess.TimeoutExpired:
                    continue
        finally:
            for reader in readers:
                reader.join()
            with self._lock:
                self._running.pop(stack, None)
                why = self._cancelled.pop(stack, None)
        if why is not None:
            raise EngineError("".join(lines + errors), f"stopped waiting: {why}")
        if run.returncode != 0:
            raise self._auto.errors.create_command_error(
                self._auto.CommandResult("".join(lines), "".join(errors), run.returncode)
            )

    def cancel(self, stack: str, why: str) -> None:
        """Stop the update running on ``stack`` as one Ctrl-C does (the engine ends what
        it is doing, and the update fails saying ``why``)."""
        with self._lock:
            run = self._running.get(stack)
            if run is None or run.poll() is not None:
                return
            self._cancelled[stack] = why
        self.say(f"  {stack}: stopping its update: {why}")
        run.send_signal(signal.SIGINT)

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
        """Its record (revealed, and whether secret), when its certificates expire, and
        its inputs digest: none unless its last operation was an update that succeeded
        (a failed one keeps the outputs of the one before; a refresh may have taken
        drift into the state)."""
        with engine_failures(), ThreadPoolExecutor(1) as reader:  # two runs of the CLI at once
            succeeded = reader.submit(self._last_update_succeeded, stack)
            outputs = self._outputs(stack, reveal=True)
            record, inputs = outputs.get("federation"), outputs.get(INPUTS_OUTPUT)
            digest = str(inputs.value) if inputs is not None and inputs.value else None
            if digest is not None and not succeeded.result():
                digest = None
        expiries = outputs.get("certificates")
        return Published(
            record.value if record is not None else None,
            bool(record is not None and record.secret),
            digest,
            {str(k): str(v) for k, v in expiries.value.items()}
            if expiries is not None and isinstance(expiries.value, dict)
            else {},
        )

    def _last_update_succeeded(self, stack: str) -> bool:
        done = self._retried(
            f"pulumi stack history of {stack}",
            lambda: self._command.run(
                ["stack", "history", "--json", "--page-size", "1", "--stack", stack],
                str(self.project_dir),
                self.env,
            ),
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

    def lock_store(self) -> LockStore | None:
        """Where the backend keeps its runs' locks: files of a ``file://`` backend,
        objects of an ``s3://`` one; None for any other kind (the Pulumi Cloud keeps its
        own, and lets an update be cancelled: ``pulumi cancel``)."""
        done = self._command.run(["whoami", "--json"], str(self.project_dir), self.env)
        url = str(json.loads(done.stdout or "{}").get("url") or "")
        if url.startswith("file://"):
            root = os.path.expanduser(url.removeprefix("file://").split("?")[0])
            return FileLocks(Path(root))
        if url.startswith("s3://"):
            return S3Locks(s3_objects.bucket(url, {**os.environ, **self.env}))
        return None

    def _project(self) -> str:
        return project_name(self.project_dir) or ""

    def stack_locks(self, stack: str, store: LockStore) -> list[str]:
        """The keys of ``stack``'s locks in the backend: Pulumi writes one per run at
        ``.pulumi/locks/<org>/<project>/<stack>/<id>.json`` (``<stack>/<id>.json`` in a
        backend without projects) and deletes it when the run ends."""
        project = self._project()
        folders = (f"/{project}/{stack}", f".pulumi/locks/{stack}")
        return [
            key
            for key in store.keys(".pulumi/locks/")
            if key.endswith(".json")
            and (key.rsplit("/", 1)[0].endswith(folders[0]) or key.rsplit("/", 1)[0] == folders[1])
        ]

    def federation_lock(self) -> LockAt | None:
        """Where the federation's lock lives: beside the stacks' locks, in a file or
        s3 backend (None for any other kind)."""
        store = self.lock_store()
        if store is None:
            return None
        return LockAt(store, f".pulumi/locks/fate-federation/{self._project()}.json")

    def recover(self, stack: str, target: ClusterTarget) -> list[str]:
        """Clear what an interrupted run left on ``stack`` (see :mod:`fate_iac.recovery`):
        its lock when its process is gone, its Helm releases' pending states, its
        state's pending operations; what was done, one line each. Raises
        :class:`fate_iac.recovery.RecoveryStopped` where going on could lose data or
        another run is still going."""
        done: list[str] = []
        stale_lock = False
        store = self.lock_store()
        for key in self.stack_locks(stack, store) if store is not None else []:
            content = store.read(key) if store is not None else None
            if store is None or content is None:
                continue  # its run ended meanwhile
            where = store.where(key)
            lock = recovery.lock_from_json(where, _json(content[0]))
            if not recovery.lock_is_stale(lock, socket.gethostname(), recovery.runs(lock.pid)):
                raise recovery.RecoveryStopped(
                    f"stack {stack} is locked by a run that is still going: {lock.holder()} "
                    f"({where}); wait for it to end, or once sure it is gone, run "
                    f"`pulumi cancel --yes --stack {stack}`"
                )
            store.delete(key)
            stale_lock = True
            done.append(f"removed the lock of {lock.holder()}: that run is gone")
        deployment = self._export(stack)
        pending = recovery.pending_operations(deployment)
        # A run that left a lock or pending operations did not finish, whatever the
        # history's last entry says (a killed run writes none).
        interrupted = stale_lock or bool(pending) or not self._last_update_succeeded(stack)
        if not interrupted:
            return done
        left = recovery.left_plugins(self.project_dir)
        if left:
            _end(left)
            done.append(
                f"ended the plugins the interrupted run left (pids "
                f"{', '.join(map(str, left))}): a provider among them could still be "
                "changing a release"
            )
        context, kubeconfig = target.context, target.kubeconfig
        releases = {
            recovery.object_id(r)
            for r in [
                *(deployment.get("resources") or []),
                *(p.get("resource") or {} for p in deployment.get("pending_operations") or []),
            ]
            if r.get("type") == RELEASE
        }
        stops: list[str] = []
        gone: set[str] = set()
        reapply: set[str] = set()
        for found in sorted(r for r in releases if r and "/" in r):
            namespace, name = found.split("/", 1)
            history = recovery.revisions(kube.helm_records(namespace, name, context, kubeconfig))
            remedy = recovery.release_remedy(namespace, name, history, interrupted)
            if remedy.action == "rollback" and remedy.revision is not None:
                kube.rollback_release(namespace, name, remedy.revision, context, kubeconfig)
            elif remedy.action == "uninstall":
                kube.uninstall_release(namespace, name, context, kubeconfig)
                gone.add(found)
            elif remedy.action == "stop":
                stops.append(f"{remedy.why}: run {remedy.command}")
                continue
            if remedy.reapply:
                reapply.add(found)
            if remedy.action != "none":
                done.append(remedy.why)
        # A release the interrupted run was creating that Helm holds anyway (installed by
        # its provider, which outlived the CLI) was never recorded in the state: the
        # next update would install it again and Helm refuse the name. A first install,
        # by Helm's semantics: uninstalled (claims kept), or stopped on.
        for item in pending:
            if item.op != "creating" or item.type != RELEASE or item.id is None:
                continue
            if item.id in gone or "/" not in item.id:
                continue
            namespace, name = item.id.split("/", 1)
            history = recovery.revisions(kube.helm_records(namespace, name, context, kubeconfig))
            remedy = recovery.unrecorded_remedy(namespace, name, history)
            if remedy.action == "uninstall":
                kube.uninstall_release(namespace, name, context, kubeconfig)
                gone.add(item.id)
                done.append(remedy.why)
            elif remedy.action == "stop":
                stops.append(f"{remedy.why}: run {remedy.command}")
        if stops:
            raise recovery.RecoveryStopped("\n".join(f"stack {stack}: {line}" for line in stops))
        if pending:
            held = self._held(pending, gone, target)
            adopt = recovery.imports(pending, held)
            self._command.run(
                [
                    "refresh",
                    "--yes",
                    "--skip-preview",
                    "--stack",
                    stack,
                    "--clear-pending-creates",
                    # One value per flag: a URN, then its id.
                    *[f"--import-pending-creates={x}" for pair in adopt for x in pair],
                ],
                str(self.project_dir),
                self.env,
            )
            kinds = sorted({p.op for p in pending})
            done.append(
                f"cleared {len(pending)} pending operation{'s' if len(pending) != 1 else ''} "
                f"({', '.join(kinds)}) with a refresh"
                + (
                    f"; adopted {', '.join(i for _, i in adopt)}, which the cluster holds"
                    if adopt
                    else ""
                )
            )
        if reapply:
            # After the refresh, which clears what the engine knew of an unfinished
            # release: its inputs in the state may be those of the revision that failed.
            self._mark_unfinished(stack, reapply)
        return done

    def _export(self, stack: str) -> dict[str, Any]:
        exported = self._command.run(
            ["stack", "export", "--stack", stack], str(self.project_dir), self.env
        )
        return dict(json.loads(exported.stdout or "{}").get("deployment") or {})

    def _mark_unfinished(self, stack: str, ids: set[str]) -> None:
        """The releases ``ids`` marked in the stack's state as not finished
        (:func:`fate_iac.recovery.mark_unfinished`): the next update applies them. The
        state goes from ``pulumi stack export`` to ``pulumi stack import`` through a
        pipe: its secrets shown are never written to a file."""
        exported = self._command.run(
            ["stack", "export", "--show-secrets", "--stack", stack],
            str(self.project_dir),
            self.env,
        )
        document = json.loads(exported.stdout or "{}")
        if not recovery.mark_unfinished(document.get("deployment"), ids):
            return
        done = subprocess.run(
            [self._command.command, "stack", "import", "--stack", stack, "--non-interactive"],
            input=json.dumps(document),
            cwd=self.project_dir,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise recovery.RecoveryStopped(
                f"stack {stack}: could not mark releases {', '.join(sorted(ids))} for the "
                f"next update: {done.stderr.strip()}; run `fatectl recover --stack {stack}` "
                "again"
            )

    def _held(
        self, pending: list[recovery.Pending], gone: set[str], target: ClusterTarget
    ) -> set[str]:
        """The ids of the pending creates' objects the cluster holds."""
        held = set()
        for item in pending:
            if item.op != "creating" or item.id is None or item.id in gone:
                continue
            if item.type == RELEASE:
                namespace, _, name = item.id.partition("/")
                if kube.helm_records(namespace, name, target.context, target.kubeconfig):
                    held.add(item.id)
                continue
            path = kube.resource_type_path(item.type)
            if path is None:
                continue
            namespace, _, name = item.id.rpartition("/")
            found = kube.read_objects([(*path, namespace, name)], target.context, target.kubeconfig)
            if any(v is not None for v in found.values()):
                held.add(item.id)
        return held

    def resource_count(self, stack: str) -> int:
        """Resources in the stack's state (what ``destroy`` would delete, and the stack)."""
        deployment = self._stack(stack, {}).export_stack().deployment or {}
        return len(deployment.get("resources") or [])


def _engine_message(error: BaseException) -> str:
    """What a failed CLI run said (the Automation API's CommandError keeps its stderr)."""
    return "\n".join(
        str(part) for part in (getattr(error, "stderr", ""), getattr(error, "stdout", ""), error)
    )


def _end(pids: list[int], within: float = 10.0) -> None:
    """Kill ``pids`` and wait, at most ``within`` seconds, until they are gone."""
    for pid in pids:
        with contextlib.suppress(OSError):  # gone already
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + within
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return {}


def default_runner(
    project_dir: Path, policy_packs: list[str], policy_pack_configs: list[str]
) -> AutomationRunner:
    """The runner fatectl uses: the Pulumi CLI on PATH (said plainly when it is not)."""
    if shutil.which("pulumi") is None:
        raise MissingTool(PULUMI_CLI)
    return AutomationRunner(
        project_dir, dict(os.environ), None, policy_packs, stderr, policy_pack_configs
    )
