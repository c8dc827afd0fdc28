"""A deployed stack, read from the cluster it deploys to and the backend that keeps it:
what ``fatectl describe`` shows (:func:`describe_stack`) and what an update would do to
its objects (:func:`stack_diff`, ``fatectl diff``). The models are pure
(:mod:`fate_iac.describe`, :mod:`fate_iac.day2`); here they meet the cluster
(:mod:`fate_iac.kube`) and the backend (a :class:`fate_iac.orchestrator.StackRunner`), so
fatectl and the e2e harness read a stack the same way. Raises ClusterError when the
cluster cannot be read."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fate_iac.charts import chart_source
from fate_iac.cluster_target import stack_target
from fate_iac.day2 import release_diff, release_drift, wanted_objects
from fate_iac.describe import Description, describe
from fate_iac.federation_check import Member
from fate_iac.helm_record import chart_version, deployed_record
from fate_iac.kinds import kind_for, kind_of, parts
from fate_iac.loader import load_stack_config, read_stack_file, stack_file
from fate_iac.orchestrator import StackRunner
from fate_iac.problems import UsageError
from fate_iac.render import render_stack


def describe_stack(
    stack: str, member: Member, outputs: Mapping[str, Any], kubeconfig: str | None = None
) -> Description:
    """``stack`` as the cluster it deploys to holds it (``member.target``; ``kubeconfig``
    in its place, when given); raises ClusterError."""
    from fate_iac.kube import read_namespace

    target = member.target.overridden(kubeconfig, None)
    # What the namespace outputs say, never secret; a party's serving cluster's too.
    namespace, *also = dict.fromkeys(part.k8s_namespace for _, part in parts(member.config))
    observed = read_namespace(namespace, target.context, target.kubeconfig)
    for other in also:
        observed += read_namespace(other, target.context, target.kubeconfig)
    now = datetime.datetime.now(datetime.UTC)
    return describe(stack, namespace, outputs, observed, now, also)


def deployed_outputs(runner: StackRunner, stack: str) -> dict[str, Any]:
    """The stack's outputs (a secret one as ``[secret]``): what describe reads; none is
    :class:`NotDeployed`."""
    outputs = runner.outputs(stack) if runner.exists(stack) else {}
    if not outputs:
        raise NotDeployed(f"stack {stack} has not been deployed: it has no outputs (pulumi up)")
    return outputs


class NotDeployed(Exception):
    """The stack does not exist in the backend, or has never completed an update."""


def stack_diff(
    project_dir: Path,
    stack: str,
    runner: StackRunner,
    chart_repo: str | None = None,
    live: bool = False,
    kubeconfig: str | None = None,
    context: str | None = None,
) -> tuple[list[str], list[Any]]:
    """What an update of ``stack`` would do to its objects (``live``: what was changed by
    hand): the upgrade's refusals and one :class:`fate_iac.day2.ReleaseDiff` (or
    ``ReleaseDrift``) per release. See :mod:`fate_iac.day2`."""
    from fate_iac.kube import helm_records, read_objects

    path = stack_file(project_dir, stack)
    raw = read_stack_file(path, stack)
    unsupported = kind_for(raw.values, stack).unsupported("diff", stack)
    if unsupported:
        raise UsageError(unsupported)
    cfg = load_stack_config(raw, stack).config
    target = stack_target(path, stack).overridden(kubeconfig, context)
    # Routes by stack name as the program would build them now: from those stacks'
    # records (a secret one's values stay hidden).
    hidden = set(raw.plaintexts)
    records: dict[str, Any] = {}
    for name in cfg.referenced_stacks:
        records[name], secret = runner.record(name) if runner.exists(name) else (None, False)
        if secret and isinstance(records[name], Mapping):  # its addresses stay hidden
            hidden |= set(_strings(records[name].get("endpoints")))
    rendered = render_stack(cfg, chart_source(chart_repo, cfg.chartRepo), False, records)
    helm: dict[str, list[Any]] = {}
    for release in rendered:
        if release.namespace not in helm:
            helm[release.namespace] = helm_records(
                release.namespace, None, target.context, target.kubeconfig
            )
    refusals = []
    kind = kind_of(cfg)
    if kind.tracks_upgrades:  # its chart's upgrade rules, against Helm's record
        deployed = chart_version(deployed_record(helm[cfg.k8s_namespace], cfg.release_name))
        refusals = [p.render(stack) for p in kind.upgrade_refusals(cfg, deployed)]
    secrets = frozenset(hidden)
    if not live:
        return refusals, [release_diff(r, helm[r.namespace], secrets) for r in rendered]
    wanted = wanted_objects(
        [r for rs in helm.values() for r in rs], [(r.name, r.namespace) for r in rendered]
    )
    found = read_objects(wanted, target.context, target.kubeconfig)
    return refusals, [release_drift(r, helm[r.namespace], found, secrets) for r in rendered]


def _strings(value: Any) -> list[str]:
    """Every string in a record (to hide a secret one's values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []
