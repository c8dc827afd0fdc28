"""What every component here does the same way: a labelled namespace and Helm releases
whose values carry credentials as Pulumi secrets and routes from other stacks."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pulumi

from fate_iac.charts import ChartSourceError, merge_values
from fate_iac.config import StackConfig
from fate_iac.gotemplate import Values
from fate_iac.postrender import postrender_command
from fate_iac.release import ReleaseSpec, namespace_labels
from fate_iac.routing import Overrides, RoutedValues, ValuesPath, nest
from fate_iac.secrets import Secret
from fate_iac.values import map_secrets
from fate_pulumi.pending import PendingSecret

NAMESPACE = "kubernetes:core/v1:Namespace"
RELEASE = "kubernetes:helm.sh/v3:Release"
KUBERNETES_PROVIDER_VERSION = version("pulumi_kubernetes")
"""The kubernetes provider the SDK's own resources ask for."""


def as_pulumi_secret(secret: Secret) -> pulumi.Output[str]:
    """A credential as the Pulumi secret it always is here (one another resource gives
    too, see :mod:`fate_pulumi.pending`)."""
    if isinstance(secret, PendingSecret):
        return pulumi.Output.secret(secret.output)
    if secret.value is None:
        raise ValueError("a credential reached the Pulumi program without its value")
    return pulumi.Output.secret(secret.value)


def namespace_for(
    parent: pulumi.ComponentResource,
    name: str,
    config: StackConfig,
    role: str,
    routed: pulumi.Output[RoutedValues],
) -> list[pulumi.Resource]:
    """The labelled namespace, or nothing when the config adopts an existing one. It
    waits for the routes: when they cannot be built, nothing at all is created."""
    if not config.createNamespace:
        return []
    labels = namespace_labels(config, role)
    metadata = {
        "name": config.k8s_namespace,
        "labels": pulumi.Output.unsecret(routed.apply(lambda _: labels)),
    }
    # The same resource k8s.core.v1.Namespace registers (type, inputs, provider version),
    # without importing that module: its 78,000 lines of generated types cost every
    # preview and update of a stack about a second, for one object.
    namespace = pulumi.CustomResource(
        NAMESPACE,
        f"{name}-namespace",
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": metadata,
            "spec": None,
            "status": None,
        },
        opts=pulumi.ResourceOptions(parent=parent, version=KUBERNETES_PROVIDER_VERSION),
    )
    return [namespace]


def kubernetes_object(
    parent: pulumi.ComponentResource,
    resource_name: str,
    manifest: dict[str, Any],
    depends_on: list[pulumi.Resource],
    secret: bool = False,
    custom_timeouts: pulumi.CustomTimeouts | None = None,
    patch: bool = False,
) -> pulumi.CustomResource:
    """One Kubernetes object as the kubernetes provider's resource of its kind, child of
    ``parent``: credentials (:class:`Secret`) as Pulumi secrets; ``secret`` makes each
    of its inputs one (a config with secret keys beyond credentials). Registered as the
    SDK's own class would, without importing its generated module (see namespace_for).
    ``patch``: a server-side-apply patch of an existing object (``<Kind>Patch``), whose
    outputs (the object as it stands) are secret."""
    group, _, version = manifest["apiVersion"].rpartition("/")
    token = f"kubernetes:{group or 'core'}/{version}:{manifest['kind']}{'Patch' * patch}"
    inputs: Any = map_secrets(manifest, as_pulumi_secret)
    if secret:
        inputs = {key: pulumi.Output.secret(value) for key, value in inputs.items()}
    options = pulumi.ResourceOptions(
        parent=parent,
        version=KUBERNETES_PROVIDER_VERSION,
        depends_on=depends_on,
        custom_timeouts=custom_timeouts,
        # A patch's outputs are the whole live object, what the chart put in it too (a
        # pull secret's name, a password in an env): secret in the state.
        additional_secret_outputs=["spec", "status"] if patch else None,
    )
    return pulumi.CustomResource(token, resource_name, inputs, options)


def require_post_renderer(specs: Iterable[ReleaseSpec]) -> None:
    """Before anything is registered: a release to post-render needs its command."""
    for spec in specs:
        command = postrender_command(spec.post_render) if spec.post_render else None
        if command is not None and not Path(command).exists():
            raise ChartSourceError(
                f"the Helm post-renderer {command} is missing: run "
                "scripts/setup (it installs this package's commands)"
            )


def install_release(
    parent: pulumi.ComponentResource,
    resource_name: str,
    options: dict[str, Any],
    values: Values,
    overrides: Overrides,
    depends_on: list[pulumi.Resource],
    secret: bool = False,
) -> pulumi.CustomResource:
    """A Helm release (``options``: its inputs besides values, see
    :func:`fate_iac.release.release_options`), child of ``parent``: credentials as
    Pulumi secrets, and ``overrides`` (values known only at deploy time, such as routes
    from other stacks) merged over ``values``. ``secret`` makes all the values one
    secret: for a config with secret keys, whose values may be anywhere in them.

    Registered as ``kubernetes.helm.v3.Release`` registers it (type, inputs, the
    ``compat`` flag it always sets, provider version), without importing that module:
    it pulls in ``requests`` for the SDK's YAML resources, a fifth of a second of every
    update for nothing this program uses."""
    merged: Any = merge_values(map_secrets(values, as_pulumi_secret), nest(overrides))
    if secret:
        merged = pulumi.Output.secret(merged)
    return pulumi.CustomResource(
        RELEASE,
        resource_name,
        {**options, "values": merged, "compat": "true", "status": None},
        opts=pulumi.ResourceOptions(
            parent=parent, depends_on=depends_on, version=KUBERNETES_PROVIDER_VERSION
        ),
    )


def route_overrides(
    routed: pulumi.Output[RoutedValues], paths: Iterable[ValuesPath], key: str
) -> Overrides:
    """One Output per key path of the routes (the config alone decides the paths), so a
    secret or unknown record taints the routes, never the rest of the release."""

    def at(path: ValuesPath) -> pulumi.Output[Any]:
        return routed.apply(lambda r: r.overrides[key][path])

    return {path: at(path) for path in paths}


def report_routes(resource: pulumi.Resource, routed: pulumi.Output[RoutedValues]) -> None:
    """Say which referenced stacks are not routed yet, and anything worth knowing about
    the records read (problems never get here: they fail the update)."""

    def report(routed: RoutedValues) -> None:
        found = routed.routes
        for name in found.waiting:
            pulumi.log.warn(
                f"waiting for {name}: it has no federation output yet; its route is added "
                "on the next run after it is deployed",
                resource,
            )
        for note in found.notes:
            pulumi.log.warn(note, resource)

    routed.apply(report)
