"""``fatectl federation``: bring a whole federation up, converge it, take it down.

The stacks of a federation are the project's stack files. They are validated together
(each on its own, then :mod:`fate_iac.federation_check`), then updated by what changed
(:mod:`fate_iac.convergence`): a stack runs when its stack file, the program, or what
it takes from the records it reads changed since its last update, so a party's route
to its exchange appears once the exchange has published its record, and the
exchange's routes once its members have; an up-to-date federation runs no program.
Each step runs at once the stacks that do not read each other (exchanges first). Every
run tells the program which stacks exist (``FATE_EXISTING_STACKS``), so a stack never
references one that does not.

The engine is behind :class:`StackRunner`; ``fate_pulumi.automation.AutomationRunner``
is the real one (Pulumi's Automation API), and the tests drive the same logic with a fake.
When the engine fails a stack part-way, :class:`ConvergeError` carries what every stack
went through so far, so the operator sees where the federation stands.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from fate_iac import renewal
from fate_iac.cluster_target import ClusterTarget, stack_target
from fate_iac.convergence import INPUTS_ENV, file_digest, inputs_digest, next_step, references
from fate_iac.federation import EXISTING_STACKS_ENV
from fate_iac.federation_check import Member, check_federation
from fate_iac.kinds import kind_for, parts
from fate_iac.loader import load_stack_config, project_name, read_stack_file
from fate_iac.problems import ConfigError, FederationError, said
from fate_iac.recovery import RecoveryStopped

if TYPE_CHECKING:
    from fate_iac.operator_lock import LockAt

Say = Callable[[str], None]
Watch = Callable[[str, "Member", threading.Event], None]
"""Follows a stack's update until the event is set (:func:`watching`)."""


@dataclass(frozen=True)
class StepChange:
    """One resource a preview or update changes: the operation, the resource and the
    property paths that change (names only: never a value, so never a credential)."""

    op: str
    type: str
    name: str
    keys: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"op": self.op, "type": self.type, "name": self.name, "keys": list(self.keys)}


@dataclass(frozen=True)
class Previewed:
    """What the engine said of a stack's last preview or update, besides its count."""

    steps: tuple[StepChange, ...] = ()
    violations: tuple[str, ...] = ()
    """Policy violations of a run that passed (advisory ones)."""


class EngineError(Exception):
    """The engine failed a stack's preview, update or destroy, or the read of what it
    published, as the runner read the engine's report: why (one line per failing
    resource), the policies the run broke (``<policy> [<level>] <resource>: <message>``),
    and whether a policy pack refused it. The runner reads the engine's text; the
    orchestrator reads these fields. The message is the engine's whole report."""

    def __init__(
        self, report: str, cause: str, violations: Iterable[str] = (), refused: bool = False
    ) -> None:
        super().__init__(report)
        self.cause = cause
        self.violations = list(violations)
        self.refused = refused


class StackRunner(Protocol):
    """The engine, one stack at a time. ``preview``, ``up``, ``destroy`` and
    ``published`` raise :class:`EngineError` when the engine fails them."""

    def exists(self, stack: str) -> bool: ...
    def preview(self, stack: str, env: dict[str, str], refresh: bool = False) -> int: ...
    def last(self, stack: str) -> Previewed: ...
    def up(self, stack: str, env: dict[str, str]) -> int: ...
    def destroy(self, stack: str) -> None: ...
    def outputs(self, stack: str) -> dict[str, Any]: ...
    def record(self, stack: str) -> tuple[Any, bool]:
        """The stack's ``federation`` output, revealed, and whether it is secret."""
        ...

    def published(self, stack: str) -> Published:
        """What an update left for the others: its record and the digest of its inputs
        (one read of its outputs). Safe to call from several threads at once, as is
        ``up`` for different stacks."""
        ...

    def resource_count(self, stack: str) -> int: ...
    def history(self, stack: str) -> list[dict[str, Any]]: ...
    def federation_lock(self) -> LockAt | None:
        """Where the federation's lock lives in the backend (None: a backend that
        cannot hold one, see :mod:`fate_iac.operator_lock`)."""
        ...

    def cancel(self, stack: str, why: str) -> None:
        """Stop the update running on the stack now (as one Ctrl-C does); it fails
        saying ``why``. Nothing when none runs."""
        ...

    def recover(self, stack: str, target: ClusterTarget) -> list[str]:
        """Clear what an interrupted run left on the stack (on the cluster ``target``
        names) (:mod:`fate_iac.recovery`):
        what it did, one line each; raises
        :class:`fate_iac.recovery.RecoveryStopped` where it must not go on."""
        ...


@dataclass(frozen=True)
class Published:
    """A stack's ``federation`` output (revealed), whether it is secret, and the
    ``inputs`` digest its last successful update exported (None: none, or none known)."""

    record: Any = None
    secret: bool = False
    inputs: str | None = None
    certificates: dict[str, str] = field(default_factory=dict)
    """When its CA and each certificate Secret expire (its ``certificates`` output)."""


@dataclass
class Outcome:
    stack: str
    kind: str
    updates: int = 0
    changes: int = 0
    state: str = "unchanged"
    steps: list[StepChange] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    """Policy violations the engine reported (each line says its level)."""
    error: str | None = None
    """Why the engine failed it, when it did (for ``drift``'s ``renewal-due``: which
    certificates are due)."""
    objects: list[str] = field(default_factory=list)
    """What a preview's update would do to its releases' objects (``fatectl diff``)."""

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "kind": self.kind,
            "state": self.state,
            "updates": self.updates,
            "changes": self.changes,
            "steps": [s.as_json() for s in self.steps],
            "violations": list(self.violations),
            "error": self.error,
            "objects": list(self.objects),
        }

    def line(self) -> str:
        return (
            f"{self.stack:<16} {self.kind:<8} {self.state:<10} "
            f"{self.updates} update{'s' if self.updates != 1 else ''}, "
            f"{self.changes} resource change{'s' if self.changes != 1 else ''}"
        )


class NotConverged(FederationError):
    """Stacks still change after the bound on passes: the engine's doing, not the config's."""


@dataclass
class ConvergeError(FederationError):
    """The engine failed a stack; ``outcomes`` say what each stack went through so far."""

    stack: str
    cause: str
    outcomes: list[Outcome] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    """The policies the stack broke, when a policy pack refused it."""
    refused: bool = False
    """Whether a policy pack refused the stack (a mandatory or remediating policy)."""

    def __str__(self) -> str:
        lines = [o.line() for o in self.outcomes]
        refused = [f"  {v}" for v in self.violations]
        # The stacks that failed beside it, in the same step, each with its own cause.
        beside = [
            (o.stack, o.error)
            for o in self.outcomes
            if o.state == "failed" and o.stack != self.stack and o.error
        ]
        return "\n".join(
            [
                *_failed(self.stack, self.cause),
                *refused,
                *(line for stack, cause in beside for line in _failed(stack, cause)),
                "so far:",
                *lines,
            ]
        )


def _failed(stack: str, cause: str) -> list[str]:
    causes = cause.splitlines()
    if len(causes) == 1:
        return [f"stack {stack} failed: {cause}"]
    return [f"stack {stack} failed:", *(f"  {c}" for c in causes)]


@dataclass
class PreviewError(FederationError):
    """Previews the engine refused (a policy pack's mandatory policies, say), each stack's."""

    failures: dict[str, list[str]]
    outcomes: list[Outcome]

    def __str__(self) -> str:
        lines = []
        for stack, reasons in self.failures.items():
            lines += [f"stack {stack} refused:", *(f"  {r}" for r in reasons)]
        return "\n".join([*lines, "previews:", *(o.line() for o in self.outcomes)])


def discover(
    project_dir: Path,
    passphrase: str | None = None,
    kubeconfig: str | None = None,
    context: str | None = None,
) -> dict[str, Member]:
    """Every stack file of the project, validated; all problems of all stacks at once.
    Each is read from the cluster its config names (``kubeconfig`` and ``context``
    override it for one run)."""
    members: dict[str, Member] = {}
    errors: list[str] = []
    for path in sorted(project_dir.glob("Pulumi.*.yaml")):
        name = path.name[len("Pulumi.") : -len(".yaml")]
        try:
            raw = read_stack_file(path, name, passphrase)
            if not kind_for(raw.values, name).federates:
                continue  # the KubeFATE service alone: not a member of the federation
            loaded = load_stack_config(raw, name)
            target = stack_target(path, name, passphrase).overridden(kubeconfig, context)
        except ConfigError as error:
            errors.append(error.report())
            continue
        members[name] = Member(loaded.config, target.identity(), file_digest(path), target)
    if not members and not errors:
        raise FederationError(f"no Pulumi.<stack>.yaml files in {project_dir}")
    project = project_name(project_dir)
    problems = [p.render() for p in check_federation(members, project)] if not errors else []
    if errors or problems:
        raise FederationError("\n".join(["federation refused:", *errors, *problems]))
    return members


def run_order(members: Mapping[str, Member]) -> list[str]:
    """Exchanges first, then parties: each stack after the ones it most often waits for."""
    exchanges = sorted(n for n, m in members.items() if m.role == "exchange")
    return exchanges + sorted(n for n in members if n not in exchanges)


def _env(runner: StackRunner, members: Mapping[str, Member]) -> dict[str, str]:
    return {EXISTING_STACKS_ENV: ",".join(n for n in sorted(members) if runner.exists(n))}


MAX_PARALLEL = 8
"""Stacks updated (or read) at once, at most: each update runs a program and a provider."""


def _concurrently(names: list[str], run: Callable[[str], Any]) -> dict[str, Any]:
    """``run`` for each name at once; each name's result, or the exception it raised."""
    if not names:
        return {}
    if len(names) == 1:
        try:
            return {names[0]: run(names[0])}
        except Exception as error:  # the engine's own error, whatever its type
            return {names[0]: error}
    with ThreadPoolExecutor(max_workers=min(len(names), MAX_PARALLEL)) as pool:
        futures = {name: pool.submit(run, name) for name in names}
    return {name: future.exception() or future.result() for name, future in futures.items()}


@dataclass
class Plan:
    """Where a federation stands against its inputs: what each stack last published, the
    digest of its inputs now, and the stacks to update (in run order)."""

    order: list[str]
    reads: dict[str, list[str]]
    seen: dict[str, Published] = field(default_factory=dict)
    existing: list[str] = field(default_factory=list)
    wanted: dict[str, str] = field(default_factory=dict)
    stale: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """The stale stacks whose inputs changed (the others are stale by time alone)."""
    renewing: dict[str, dict[str, str]] = field(default_factory=dict)
    """The stacks whose certificates entered their renewal window: which, and when each
    expires (:mod:`fate_iac.renewal`). Time is an input: they are stale too."""

    def why(self, name: str, fresh: bool = False) -> str:
        """``new``, ``changed`` (its inputs), ``certificates due: ...`` or ``up-to-date``."""
        if name not in self.existing:
            return "new"
        if self.seen[name].inputs != self.wanted[name] if fresh else name in self.changed:
            return "changed"
        if name in self.renewing:
            return f"certificates due: {renewal.describe(self.renewing[name])}"
        return "up-to-date"

    def refresh(
        self, members: Mapping[str, Member], runner: StackRunner, updated: list[str]
    ) -> Plan:
        """Read what ``updated`` published (the others have not changed), then which
        stacks' inputs differ from those of their last update."""
        self.existing = [n for n in self.order if runner.exists(n)]
        fresh = _concurrently([n for n in updated if n in self.existing], runner.published)
        for name in updated:
            found = fresh.get(name, Published())
            if isinstance(found, Exception):
                raise FederationError(f"cannot read stack {name}'s outputs: {_cause(found)}")
            self.seen[name] = found
        self.wanted = {
            name: inputs_digest(
                members[name].config,
                name,
                members[name].source,
                {ref: self.seen[ref].record for ref in self.reads[name] if ref in self.seen},
            )
            for name in self.order
        }
        self.renewing = {
            name: found
            for name in self.existing
            if name in self.seen
            and (
                found := renewal.due_certificates(
                    members[name].config, self.seen[name].certificates
                )
            )
        }
        self.stale = [n for n in self.order if self.why(n, fresh=True) != "up-to-date"]
        self.changed = [n for n in self.stale if self.why(n, fresh=True) in ("new", "changed")]
        return self


def plan(members: Mapping[str, Member], runner: StackRunner) -> Plan:
    """Which stacks an update of the federation would run, from their outputs alone (no
    program runs)."""
    order = run_order(members)
    reads = {name: references(members[name].config) for name in order}
    return Plan(order, reads).refresh(members, runner, order)


def converge(
    members: Mapping[str, Member],
    runner: StackRunner,
    max_passes: int = 8,
    say: Say = print,
    planned: Plan | None = None,
    watch: Watch | None = None,
) -> list[Outcome]:
    """Update the stacks whose inputs changed, step by step, until none has: each step
    runs at once the stale stacks that do not read each other (exchanges first), then
    reads what they published. ``max_passes`` bounds the steps; ``planned`` is a
    :func:`plan` just made; ``watch`` follows each update while it runs (what it waits
    for in the cluster, :func:`watching`)."""
    current = planned or plan(members, runner)
    outcomes = {name: Outcome(name, members[name].role) for name in current.order}
    exchanges = [name for name in current.order if members[name].role == "exchange"]
    for step in range(1, max_passes + 2):
        if not current.stale:
            for outcome in outcomes.values():
                if outcome.updates == 0:
                    outcome.state = "up-to-date"
            runs = sum(o.updates for o in outcomes.values())
            if runs == 0:
                say("nothing to do: every stack's inputs are those of its last update")
            else:
                say(
                    f"converged after {runs} update{'s' if runs != 1 else ''} in {step - 1} "
                    f"step{'s' if step > 2 else ''}"
                )
            return list(outcomes.values())
        if step > max_passes:
            break
        updated = next_step(current.stale, current.order, exchanges)
        say(f"[step {step}] up: {', '.join(updated)}")
        envs = {
            name: {
                EXISTING_STACKS_ENV: ",".join(sorted(current.existing)),
                INPUTS_ENV: current.wanted[name],
            }
            for name in updated
        }

        def up(name: str, envs: dict[str, dict[str, str]] = envs) -> int:
            if watch is None:
                return runner.up(name, envs[name])
            done = threading.Event()
            follower = threading.Thread(
                target=watch, args=(name, members[name], done), name=f"watch-{name}", daemon=True
            )
            follower.start()
            try:
                return runner.up(name, envs[name])
            finally:
                done.set()
                # (a daemon thread still inside a cluster read when the process exits
                # can abort it at interpreter shutdown, after the work is done: exit 134)
                follower.join()

        results = _concurrently(updated, up)
        failed = None
        for name in updated:  # every outcome of the step first, then the failure
            outcome, result = outcomes[name], results[name]
            if isinstance(result, Exception):
                outcome.state = "failed"
                outcome.violations = _violations(result)
                outcome.error = _cause(result)
                failed = failed or (name, result)
                continue
            outcome.changes += result
            last = runner.last(name)
            outcome.steps += last.steps
            outcome.violations += [v for v in last.violations if v not in outcome.violations]
            outcome.updates += 1
            outcome.state = "updated"
        if failed is not None:
            name, error = failed
            raise ConvergeError(
                name,
                _cause(error),
                list(outcomes.values()),
                outcomes[name].violations,
                _refused(error),
            ) from error
        current.refresh(members, runner, updated)
    raise NotConverged(f"not converged after {max_passes} steps: stacks still change")


def watching(runner: StackRunner, say: Say, bound: float) -> Watch:
    """Follows an update in its stack's cluster (:mod:`fate_iac.progress`): says what
    its releases wait for (each workload's ready pods, the scheduler's reason for a pod
    it cannot place) and stops the update once a pod stays unschedulable ``bound``
    seconds, naming the workload and the reason."""
    from fate_iac import kube, progress

    def watch(stack: str, member: Member, done: threading.Event) -> None:
        namespaces = sorted({part.k8s_namespace for _, part in parts(member.config)})
        target = member.target

        def read(namespace: str) -> Any:
            return kube.read_namespace(namespace, target.context, target.kubeconfig)

        def give_up(why: str) -> None:
            runner.cancel(stack, why)

        progress.follow(stack, namespaces, read, say, give_up, done, bound)

    return watch


def _cause(error: BaseException) -> str:
    """Why a stack failed: the runner's reading of the engine's report; an error that is
    not the engine's (the runner's own) by what it says."""
    if isinstance(error, EngineError):
        return error.cause
    return said(error)


def _violations(error: BaseException) -> list[str]:
    return list(error.violations) if isinstance(error, EngineError) else []


def _refused(error: BaseException) -> bool:
    return isinstance(error, EngineError) and error.refused


def recover_all(
    members: Mapping[str, Member],
    runner: StackRunner,
    say: Say = print,
    only: Iterable[str] | None = None,
) -> dict[str, list[str]]:
    """Clear what interrupted runs left on the deployed stacks (all at once: each is
    read, and most need nothing), saying what was done; every stack's reason to stop
    at once, as one :class:`FederationError` naming what to run."""
    chosen = set(only) if only is not None else set(members)
    names = [n for n in run_order(members) if n in chosen and runner.exists(n)]
    results = _concurrently(names, lambda n: runner.recover(n, members[n].target))
    done: dict[str, list[str]] = {}
    stops: list[str] = []
    for name in names:
        found = results[name]
        if isinstance(found, RecoveryStopped):
            stops.append(str(found))
        elif isinstance(found, Exception):
            stops.append(f"stack {name}: recovery failed: {_cause(found)}")
        else:
            done[name] = list(found)
            for line in found:
                say(f"recover {name}: {line}")
    if stops:
        raise FederationError("\n".join(["recovery stopped:", *stops]))
    return done


def preview_all(
    members: Mapping[str, Member],
    runner: StackRunner,
    say: Say = print,
    new_too: bool = False,
    only: Iterable[str] | None = None,
) -> list[Outcome]:
    """Preview every stack in order; one not deployed yet only with ``new_too`` (which
    creates it, empty, in the backend: a policy pack can only see a stack in a preview).
    Every stack is previewed even when one is refused; then :class:`PreviewError` says why.
    ``only``: these stacks alone (all of ``members`` still count as the federation)."""
    outcomes = []
    failures: dict[str, list[str]] = {}
    chosen = set(only) if only is not None else set(members)
    for name in (n for n in run_order(members) if n in chosen):
        outcome = Outcome(name, members[name].role)
        existed = runner.exists(name)
        if existed or new_too:
            try:
                outcome.changes = runner.preview(name, _env(runner, members))
                last = runner.last(name)
                outcome.steps, outcome.violations = list(last.steps), list(last.violations)
            except Exception as error:  # the engine's own error, whatever its type
                outcome.violations = _violations(error)
                outcome.state = "refused" if _refused(error) else "failed"
                outcome.error = _cause(error)
                failures[name] = outcome.violations or [outcome.error]
        if outcome.state not in ("refused", "failed"):
            outcome.state = "new" if not existed else "changes" if outcome.changes else "up-to-date"
        say(f"preview {name}: {outcome.state}")
        outcomes.append(outcome)
    if failures:
        raise PreviewError(failures, outcomes)
    return outcomes


def destroy_plan(members: Mapping[str, Member], runner: StackRunner) -> list[str]:
    """What ``destroy_all`` would do, one line per stack, in its order."""
    lines = []
    for name in reversed(run_order(members)):
        if runner.exists(name):
            count = runner.resource_count(name)
            lines.append(f"destroy {name:<16} {members[name].role:<8} {count} resources")
        else:
            lines.append(f"skip    {name:<16} {members[name].role:<8} not deployed")
    return lines


def destroy_all(
    members: Mapping[str, Member], runner: StackRunner, say: Say = print
) -> list[Outcome]:
    """Parties first, then exchanges; a failure ends with every stack's outcome so far."""
    order = list(reversed(run_order(members)))
    outcomes = {n: Outcome(n, members[n].role, state="absent") for n in order}
    for name in order:
        if runner.exists(name):
            say(f"destroy {name}")
            try:
                runner.destroy(name)
            except Exception as error:  # the engine's own error, whatever its type
                outcomes[name].state = "failed"
                raise ConvergeError(name, _cause(error), list(outcomes.values())) from error
            outcomes[name].state = "destroyed"
    return list(outcomes.values())


GATEWAYS = ("rollsite", "osx", "nginxHttp", "trafficServer", "servingProxy")
"""The endpoints ``status`` shows, the first a stack publishes: what peers reach first."""

Health = Callable[[str, Member, Mapping[str, Any]], str]
"""A stack's health word (see :mod:`fate_iac.describe`) from its name, member and outputs."""


@dataclass
class Status:
    """A stack as ``federation status`` sees it."""

    stack: str
    kind: str
    deployed: bool
    health: str | None = None
    endpoints: dict[str, Any] = field(default_factory=dict)
    members: list[Any] | None = None
    certificates: dict[str, str] = field(default_factory=dict)
    """When its CA and each certificate Secret expire (the ``certificates`` output)."""
    renewal: dict[str, str] = field(default_factory=dict)
    """Those inside their renewal window: the next ``federation up`` re-issues them."""

    def line(self) -> str:
        if not self.deployed:
            return f"{self.stack:<16} {self.kind:<8} not deployed"
        gateway = next((n for n in GATEWAYS if n in self.endpoints), None)
        where = "no endpoint"
        if gateway is not None:
            found = self.endpoints[gateway]
            where = f"{gateway} {found['host']}:{found['port']}"
        extra = f" members {self.members}" if self.members is not None else ""
        if self.certificates:
            extra += f" certificates until {min(self.certificates.values())[:10]}"
        if self.renewal:
            extra += f"; due for renewal: {renewal.describe(self.renewal)}"
        word = f"{self.health:<12} " if self.health is not None else ""
        return f"{self.stack:<16} {self.kind:<8} deployed  {word}{where}{extra}"

    def as_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "kind": self.kind,
            "deployed": self.deployed,
            "health": self.health,
            "endpoints": self.endpoints,
            "members": self.members,
            "certificates": self.certificates,
            "renewal": self.renewal,
        }


def statuses(
    members: Mapping[str, Member], runner: StackRunner, health: Health | None = None
) -> list[Status]:
    """Each stack: deployed or not, its health in the cluster (when ``health`` is
    given), the endpoints it publishes, an exchange's members."""
    found = []
    for name in run_order(members):
        status = Status(name, members[name].role, runner.exists(name))
        if status.deployed:
            outputs = runner.outputs(name)
            record = outputs.get("federation")
            record = record if isinstance(record, dict) else {}  # a secret one shows nothing
            status.endpoints = dict(record.get("endpoints") or {})
            if record.get("kind") == "exchange":
                status.members = list(record.get("members") or [])
            expiries = outputs.get("certificates")
            if isinstance(expiries, dict):
                status.certificates = {str(k): str(v) for k, v in expiries.items()}
                status.renewal = renewal.due_certificates(members[name].config, status.certificates)
            if health is not None:
                status.health = health(name, members[name], outputs)
        found.append(status)
    return found


def status_all(
    members: Mapping[str, Member], runner: StackRunner, health: Health | None = None
) -> list[str]:
    """One line per stack (see :func:`statuses`): the endpoint peers reach first
    (rollsite, osx on FATE 2.0, else nginx on Spark; a serving-only stack's proxy)."""
    return [s.line() for s in statuses(members, runner, health)]


def drift_all(
    members: Mapping[str, Member], runner: StackRunner, say: Say = print
) -> list[Outcome]:
    """Each stack, previewed as deployed and again against what the cluster holds now (a
    refresh first): ``drifted`` when the refreshed preview changes something the plain
    one does not (the cluster no longer holds what the stack deployed), else ``pending``
    when the plain one changes something (config or program not deployed yet), else
    ``in-sync``; ``not-deployed`` (pending too) and ``failed`` (the engine's error).
    A stack otherwise ``pending`` or ``in-sync`` whose certificates entered their
    renewal window is ``renewal-due`` (time drifts too: the next ``federation up``
    re-issues them; left alone, they lapse). Helm releases are compared as Helm records
    them (chart and values), not object by object."""
    outcomes = []
    for name in run_order(members):
        outcome = Outcome(name, members[name].role, state="not-deployed")
        try:
            if runner.exists(name):
                env = _env(runner, members)
                pending = runner.preview(name, env)
                planned = set(runner.last(name).steps)
                outcome.changes = runner.preview(name, env, refresh=True)
                refreshed = list(runner.last(name).steps)
                drift = [step for step in refreshed if step not in planned]
                outcome.steps = drift or refreshed
                outcome.state = (
                    "drifted"
                    if drift or outcome.changes > pending
                    else ("pending" if pending else "in-sync")
                )
                if outcome.state != "drifted":
                    expiries = runner.outputs(name).get("certificates")
                    due = renewal.due_certificates(
                        members[name].config, expiries if isinstance(expiries, dict) else {}
                    )
                    if due:
                        outcome.state = "renewal-due"
                        outcome.error = f"certificates due for renewal: {renewal.describe(due)}"
        except Exception as error:  # the engine's own error, whatever its type
            outcome.state, outcome.error = "failed", _cause(error)
        if outcome.error is not None:  # why, in text too
            say(f"drift {name}: {outcome.state}: {outcome.error}")
        else:
            say(f"drift {name}: {outcome.state}")
        outcomes.append(outcome)
    return outcomes


def stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
