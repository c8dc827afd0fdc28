"""A party's FATE version upgrade in its update: refused before anything is registered
when :mod:`fate_iac.upgrade` says so, and when fateflow's MySQL must be migrated, the
migration's objects, whose Job the ``fate`` release waits for.

The deployed version is what Helm records as deployed for the party's release, read
from the cluster before any resource is registered: after a failed upgrade, the version
still running; nothing for a release not installed (so a fresh install never migrates).
When the cluster cannot be read, the stack's last ``chartVersion`` output stands in.
The migration's objects exist only in the update that migrates; the next update removes
them, and the ``upgrade`` output keeps the record."""

from __future__ import annotations

import os
from typing import Any

import pulumi

from fate_iac.config import PartyConfig
from fate_iac.day2 import chart_version, deployed_record
from fate_iac.kube import ClusterError, helm_records
from fate_iac.problems import ConfigError
from fate_iac.upgrade import (
    Migration,
    check_upgrade,
    external_mysql_problems,
    migration_for,
    migration_objects,
)
from fate_pulumi.federation_refs import READ_STACK_OUTPUTS, qualified_name
from fate_pulumi.release import kubernetes_object

OUTPUT = "upgrade"
"""The stack output that records the last migration (``{from, to}``)."""


def previous_outputs(stack: str) -> dict[str, Any]:
    """This stack's outputs as its last update left them (none before its first), read
    with the engine's ``readStackOutputs`` (the read behind StackReference)."""
    result = pulumi.runtime.invoke(READ_STACK_OUTPUTS, {"name": qualified_name(stack)})
    return dict((result.value or {}).get("outputs") or {})


def cluster_version(config: PartyConfig) -> str | None:
    """The chart version Helm records as deployed for the party's release, in the
    cluster the kubernetes provider targets (raises ClusterError)."""
    provider = pulumi.Config("kubernetes")
    kubeconfig = provider.get("kubeconfig")
    if kubeconfig and not os.path.isfile(kubeconfig):
        raise ClusterError("kubernetes:kubeconfig holds a kubeconfig, not a path")
    records = helm_records(
        config.k8s_namespace, config.release_name, provider.get("context"), kubeconfig
    )
    return chart_version(deployed_record(records, config.release_name))


def plan(config: PartyConfig) -> tuple[Migration | None, Any]:
    """The migration this update runs, and the ``upgrade`` output to publish (this
    migration's record, else the last one's). Raises ConfigError, before anything is
    registered, for an upgrade that must not happen."""
    stack = pulumi.get_stack()
    previous = previous_outputs(stack)
    try:
        deployed = cluster_version(config)
    except ClusterError as error:
        deployed = previous.get("chartVersion")
        pulumi.log.info(f"the deployed version is taken from the stack's outputs: {error}")
    problems = [*check_upgrade(deployed, config.chartVersion),
                *external_mysql_problems(config, deployed)]  # fmt: skip
    if problems:
        raise ConfigError(stack, problems)
    migration = migration_for(config, deployed)
    return migration, migration.as_output() if migration else previous.get(OUTPUT)


def migration_resources(
    parent: pulumi.ComponentResource,
    name: str,
    config: PartyConfig,
    migration: Migration,
    depends_on: list[pulumi.Resource],
    secret: bool = False,
) -> list[pulumi.Resource]:
    """The migration's objects, each after the ones before it; the last is the Job, which
    the ``fate`` release waits for, as long as ``upgradeManager.timeout`` says."""
    created: list[pulumi.Resource] = []
    timeout = f"{config.upgradeManager.timeout}s"
    for manifest in migration_objects(config, migration):
        kind = manifest["kind"]
        waits = pulumi.CustomTimeouts(create=timeout, update=timeout) if kind == "Job" else None
        created.append(kubernetes_object(parent, f"{name}-upgrade-{kind.lower()}", manifest,
                                         [*depends_on, *created], secret, waits))  # fmt: skip
    return created
