"""What every component here does the same way: a labelled namespace and a Helm release
whose values carry credentials as Pulumi secrets and routes from other stacks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from fate_iac.config import PartyConfig
from fate_iac.exchange import ExchangeConfig
from fate_iac.gotemplate import Values
from fate_iac.release import namespace_labels
from fate_iac.routing import KeyPath, Overrides, RoutedValues, nest
from fate_iac.secrets import Secret
from fate_iac.values import map_secrets, merge_values


def _as_pulumi_secret(secret: Secret) -> pulumi.Output[str]:
    if secret.value is None:
        raise ValueError("a credential reached the Pulumi program without its value")
    return pulumi.Output.secret(secret.value)


def namespace_for(
    parent: pulumi.ComponentResource, name: str, config: PartyConfig | ExchangeConfig
) -> list[pulumi.Resource]:
    """The labelled namespace, or nothing when the config adopts an existing one."""
    if not config.createNamespace:
        return []
    namespace = k8s.core.v1.Namespace(
        f"{name}-namespace",
        metadata=k8s.meta.v1.ObjectMetaArgs(
            name=config.k8s_namespace, labels=namespace_labels(config)
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return [namespace]


def install_release(
    parent: pulumi.ComponentResource,
    resource_name: str,
    options: dict[str, Any],
    values: Values,
    overrides: Overrides,
    depends_on: list[pulumi.Resource],
) -> k8s.helm.v3.Release:
    """A Helm release, child of ``parent``: credentials as Pulumi secrets, and
    ``overrides`` (values known only at deploy time, such as routes from other stacks)
    merged over ``values``."""
    merged = merge_values(map_secrets(values, _as_pulumi_secret), nest(overrides))
    return k8s.helm.v3.Release(
        resource_name,
        k8s.helm.v3.ReleaseArgs(**options, values=merged),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=depends_on),
    )


def route_overrides(
    routed: pulumi.Output[RoutedValues],
    paths: Iterable[KeyPath],
    pick: Callable[[RoutedValues], Overrides],
) -> Overrides:
    """One Output per key path of the routes (the config alone decides the paths), so a
    secret or unknown record taints the routes, never the rest of the release."""

    def at(path: KeyPath) -> pulumi.Output[Any]:
        return routed.apply(lambda r: pick(r)[path])

    return {path: at(path) for path in paths}


def report_routes(resource: pulumi.Resource, routed: pulumi.Output[RoutedValues]) -> None:
    """Say which referenced stacks are not routed yet, and why."""

    def report(routed: RoutedValues) -> None:
        found = routed.routes
        for name in found.waiting:
            pulumi.log.warn(
                f"waiting for {name}: it has no federation output yet; its route is added "
                "on the next run after it is deployed",
                resource,
            )
        for problem in found.problems:
            pulumi.log.error(problem, resource)

    routed.apply(report)
