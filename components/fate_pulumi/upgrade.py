"""A party's FATE version upgrade in its update: refused before anything is registered
when :func:`fate_iac.upgrade.check_upgrade` says so, and when fateflow's MySQL must be
migrated, the migration Job, which the ``fate`` release waits for.

The deployed version is the ``chartVersion`` output of the stack's last successful
update, read with the engine's ``readStackOutputs`` (the read behind StackReference),
synchronously, before any resource: a stack's outputs change only when an update
completes, so after a failed upgrade they still name the version that runs."""

from __future__ import annotations

from typing import Any

import pulumi

from fate_iac.config import PartyConfig
from fate_iac.problems import ConfigError
from fate_iac.upgrade import Migration, check_upgrade, migration_for, migration_objects
from fate_iac.values import map_secrets
from fate_pulumi.federation_refs import READ_STACK_OUTPUTS, qualified_name
from fate_pulumi.release import KUBERNETES_PROVIDER_VERSION, as_pulumi_secret

OUTPUT = "upgrade"
"""The stack output that records the last migration (``{from, to}``)."""
TYPES = {
    "Secret": "kubernetes:core/v1:Secret",
    "ServiceAccount": "kubernetes:core/v1:ServiceAccount",
    "Role": "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "RoleBinding": "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "Job": "kubernetes:batch/v1:Job",
}


def previous_outputs(stack: str) -> dict[str, Any]:
    """This stack's outputs as its last successful update left them (none before its
    first)."""
    result = pulumi.runtime.invoke(READ_STACK_OUTPUTS, {"name": qualified_name(stack)})
    return dict((result.value or {}).get("outputs") or {})


def plan(config: PartyConfig) -> tuple[Migration | None, bool]:
    """The migration this update runs or keeps, and whether it is new (to run). Raises
    ConfigError, before anything is registered, for an upgrade that must not happen."""
    stack = pulumi.get_stack()
    previous = previous_outputs(stack)
    deployed = previous.get("chartVersion")
    problems = check_upgrade(deployed, config.chartVersion)
    if problems:
        raise ConfigError(stack, problems)
    recorded = previous.get(OUTPUT)
    last = Migration(recorded["from"], recorded["to"]) if isinstance(recorded, dict) else None
    migration, notes = migration_for(config, deployed, last)
    for note in notes:
        pulumi.log.warn(note)
    return migration, migration is not None and migration != last


def migration_resources(
    parent: pulumi.ComponentResource,
    name: str,
    config: PartyConfig,
    migration: Migration,
    fresh: bool,
    depends_on: list[pulumi.Resource],
) -> list[pulumi.Resource]:
    """The migration's objects, each after the ones before it; the last is the Job, which
    the ``fate`` release waits for."""
    created: list[pulumi.Resource] = []
    for manifest in migration_objects(config, migration):
        kind = manifest["kind"]
        timeout = f"{config.upgradeManager.timeout + 60}s"
        options = pulumi.ResourceOptions(
            parent=parent,
            version=KUBERNETES_PROVIDER_VERSION,
            depends_on=[*depends_on, *created],
            # The Job ran once, for this migration: kept as its record, never re-run by a
            # later change of its image or placement.
            ignore_changes=["spec"] if kind == "Job" and not fresh else None,
            custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout)
            if kind == "Job"
            else None,
        )
        inputs = map_secrets(manifest, as_pulumi_secret)
        created.append(
            pulumi.CustomResource(TYPES[kind], f"{name}-upgrade-{kind.lower()}", inputs, options)
        )
    return created
