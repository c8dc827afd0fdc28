"""A party's FATE version upgrade in its update: refused before anything is registered
when :mod:`fate_iac.upgrade` says so, and when fateflow's MySQL must be migrated, the
migration's objects, whose Job the ``fate`` release waits for.

The deployed version is what Helm records as deployed for the party's release, read
from the cluster before any resource is registered: after a failed upgrade, the version
still running; nothing for a release not installed (so a fresh install never migrates).
Not the stack's own outputs: a program cannot read its stack's checkpoint while the
engine writes it. The migration's objects exist only in the update that migrates; the
next update removes them, and the ``upgrade`` output keeps the record (from Helm's
history)."""

from __future__ import annotations

import os
from typing import Any

import pulumi

from fate_iac.config import StackConfig
from fate_iac.helm_record import chart_version, deployed_record, last_version_change
from fate_iac.kinds import ChartKind, UpgradeStep
from fate_iac.kube import ClusterError, release_history
from fate_iac.problems import ConfigError
from fate_pulumi.release import kubernetes_object

OUTPUT = "upgrade"
"""The stack output that records the release's last version change (``{from, to}``)."""


def deployed_records(config: StackConfig) -> list[dict[str, Any]]:
    """Every revision Helm keeps of the party's release, in the cluster the kubernetes
    provider targets: its ``kubeconfig`` (a path or the content itself) and ``context``,
    else ``KUBECONFIG`` or ``~/.kube/config`` (raises ClusterError)."""
    provider = pulumi.Config("kubernetes")
    kubeconfig = provider.get("kubeconfig")
    path = kubeconfig if kubeconfig and os.path.isfile(kubeconfig) else None
    return release_history(
        config.k8s_namespace,
        config.release_name,
        provider.get("context"),
        kubeconfig=path,
        kubeconfig_content=kubeconfig if kubeconfig and path is None else None,
    )


def plan(
    kind: ChartKind[Any], config: StackConfig
) -> tuple[UpgradeStep | None, dict[str, str] | None]:
    """The migration this update runs, and the ``upgrade`` output to publish (this
    migration, else the release's last version change in Helm's history), as the stack's
    kind says. Raises ConfigError, before anything is registered, for an upgrade that
    must not happen."""
    stack = pulumi.get_stack()
    try:
        records = deployed_records(config)
    except ClusterError as error:
        # The release cannot be installed either: the update fails there, with the
        # provider's own reason.
        pulumi.log.warn(f"the upgrade rules are not checked: cannot read the cluster: {error}")
        return None, None
    deployed = chart_version(deployed_record(records, config.release_name))
    problems = kind.upgrade_refusals(config, deployed)
    if problems:
        raise ConfigError(stack, problems)
    step = kind.upgrade_step(config, deployed)
    if step is not None:
        return step, step.migration.as_output()
    return None, last_version_change(records, config.release_name)


def migration_resources(
    parent: pulumi.ComponentResource,
    name: str,
    step: UpgradeStep,
    depends_on: list[pulumi.Resource],
    secret: bool = False,
) -> list[pulumi.Resource]:
    """The migration's objects, each after the ones before it; the last is the Job, which
    the ``fate`` release waits for, as long as ``upgradeManager.timeout`` says."""
    created: list[pulumi.Resource] = []
    timeout = f"{step.timeout}s"
    for manifest in step.objects:
        kind = manifest["kind"]
        waits = pulumi.CustomTimeouts(create=timeout, update=timeout) if kind == "Job" else None
        created.append(
            kubernetes_object(
                parent,
                f"{name}-upgrade-{kind.lower()}",
                manifest,
                [*depends_on, *created],
                secret,
                waits,
            )
        )
    return created
