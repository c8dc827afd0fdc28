"""The Pulumi side of the pack: each rule of :mod:`fate_policies.checks` as a policy, with
its config schema, over the objects a resource is or (a Helm release) will install."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    PolicyProviderResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from fate_iac.cluster import SYSTEM_NAMESPACES
from fate_policies import checks
from fate_policies.checks import Violation
from fate_policies.objects import UNKNOWN, KubeObject, kube_object
from fate_policies.releases import RELEASE_TYPE, Expansion, expand

PACK_NAME = "fate-guardrails"
COMPONENT_PREFIX = "fate:index:"
"""This project's components: each outputs the namespace its config declares."""
_NOT_OBJECTS = ("helm.sh/", "yaml", "kustomize")
"""kubernetes: type tokens that are not one object (releases are expanded; charts, YAML
and kustomizations register their objects as resources of their own)."""


def plain(value: Any) -> Any:
    """Resource properties as plain data: :data:`UNKNOWN` where the engine does not know a
    value yet, whole numbers as ints (the engine's numbers are floats; Helm prints both
    alike, and a port is an int)."""
    if isinstance(value, Mapping):
        result = {}
        for key in value:
            try:
                result[key] = plain(value[key])
            except UnknownValueError:
                result[key] = UNKNOWN
        return result
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = []
        for index in range(len(value)):
            try:
                items.append(plain(value[index]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _provider_namespace(provider: PolicyProviderResource | None) -> str:
    """Where the provider puts objects that name no namespace."""
    if provider is None:
        return "default"
    namespace = plain(provider.props).get("namespace")
    return namespace if isinstance(namespace, str) and namespace else "default"


def objects_of(
    resource_type: str,
    props: Mapping[str, Any],
    urn: str,
    default_namespace: str,
    parent_type: str | None = None,
) -> tuple[list[KubeObject], Expansion | None]:
    """The Kubernetes objects a resource is, or will install (a release: rendered, and
    the release itself, as kind ``Release`` in its namespace)."""
    if resource_type == RELEASE_TYPE:
        expansion = expand(props, urn, default_namespace, parent_type)
        release = expansion.release
        itself = KubeObject("Release", release.name, release.namespace, {}, None, urn, parent_type)
        return [itself, *expansion.objects], expansion
    package, api, kind = [*resource_type.split(":"), "", ""][:3]
    if package != "kubernetes" or api.startswith(_NOT_OBJECTS) or kind.endswith("List"):
        return [], None
    body = dict(props)
    body["kind"] = kind.removesuffix("Patch")
    return [kube_object(body, default_namespace, None, urn, parent_type)], None


def parent_type(urn: str) -> str | None:
    """The type of a resource's parent, from its URN (``...::parent$type::name``)."""
    chain = urn.split("::")[2].split("$") if urn.count("::") >= 3 else []
    return chain[-2] if len(chain) > 1 else None


def _resource_objects(args: ResourceValidationArgs) -> tuple[list[KubeObject], Expansion | None]:
    return objects_of(
        args.resource_type,
        plain(args.props),
        args.urn,
        _provider_namespace(args.provider),
        parent_type(args.urn),
    )


def _report(violations: Iterable[Violation], report: ReportViolation, urn: str | None) -> None:
    for violation in violations:
        report(violation.message, violation.urn or urn)


def _on_objects(
    rule: Callable[[list[KubeObject], Mapping[str, Any]], Iterator[Violation]],
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A resource policy applying ``rule`` to what the resource is or installs."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        objects, _ = _resource_objects(args)
        _report(rule(objects, args.get_config() or {}), report, args.urn)

    return validate


def _on_release(
    rule: Callable[[Expansion], Iterator[Violation]],
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """A resource policy applying ``rule`` to each Helm release."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type != RELEASE_TYPE:
            return
        _, expansion = _resource_objects(args)
        assert expansion is not None
        _report(rule(expansion), report, args.urn)

    return validate


def _chart_pinned(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == RELEASE_TYPE:
        _report(checks.chart_pinned(plain(args.props)), report, args.urn)


def stack_objects(args: StackValidationArgs) -> tuple[list[KubeObject], set[str]]:
    """Every object the stack creates, and the namespaces it declares: its components'
    ``namespace`` outputs when it has any of this project's components (a Namespace of
    its own beyond them is a claim on another's), else its Namespaces and the namespaces
    its releases create."""
    objects: list[KubeObject] = []
    components: set[str] = set()
    created: set[str] = set()
    for resource in args.resources:
        props = plain(resource.props)
        if resource.resource_type.startswith(COMPONENT_PREFIX):
            named = [props.get("namespace"), *(props.get("namespaces") or [])]
            components |= {n for n in named if isinstance(n, str)}  # (not known: none)
            continue
        found, _ = objects_of(
            resource.resource_type,
            props,
            resource.urn,
            _provider_namespace(resource.provider),
            parent_type(resource.urn),
        )
        for obj in found:
            if obj.kind == "Namespace" and obj.release is None:
                created.add(obj.name)
            if obj.kind == "Release" and props.get("createNamespace") and obj.namespace:
                created.add(obj.namespace)
        objects += found
    return objects, components or created


def _stack(
    rule: Callable[[list[KubeObject], set[str], Mapping[str, Any]], Iterator[Violation]],
) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        objects, declared = stack_objects(args)
        _report(rule(objects, declared, args.get_config() or {}), report, None)

    return validate


def _strings(default: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    StackValidationPolicy(
        name="namespace-isolation",
        description="Every object the stack creates, in its Helm releases too, lives in the "
        "stack's own namespaces.",
        validate=_stack(checks.namespace_isolation),
        config_schema=PolicyConfigSchema(
            {
                "namespaces": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "The namespaces the stack may use (default: the ones it "
                    "declares: its components' namespace outputs, else its Namespaces).",
                },
            }
        ),
    ),
    ResourceValidationPolicy(
        name="system-namespaces",
        description="Nothing in a system namespace, in Helm releases too; cluster-scoped "
        "objects only from the allow list.",
        validate=_on_objects(checks.system_namespaces),
        config_schema=PolicyConfigSchema(
            {
                "systemNamespaces": _strings(list(SYSTEM_NAMESPACES), "Never used by a stack."),
                "clusterScopedKinds": _strings(
                    [], "Cluster-scoped kinds a stack may create (besides its Namespaces)."
                ),
            }
        ),
    ),
    ResourceValidationPolicy(
        name="nodeport-range",
        description="Every NodePort, in Helm releases too, inside the cluster's range.",
        validate=_on_objects(checks.nodeport_range),
        config_schema=PolicyConfigSchema(
            {
                "minPort": {"type": "integer", "default": 30000},
                "maxPort": {"type": "integer", "default": 32767},
            }
        ),
    ),
    StackValidationPolicy(
        name="nodeport-unique",
        description="No NodePort claimed twice in the stack.",
        validate=_stack(lambda objects, _declared, _config: checks.nodeport_unique(objects)),
    ),
    ResourceValidationPolicy(
        name="loadbalancer-services",
        description="LoadBalancer Services only when the pack's config allows them.",
        validate=_on_objects(checks.load_balancers),
        config_schema=PolicyConfigSchema({"allowed": {"type": "boolean", "default": False}}),
    ),
    ResourceValidationPolicy(
        name="image-registries",
        description="Container images only from the allowed registries.",
        validate=_on_objects(checks.image_registries),
        config_schema=PolicyConfigSchema(
            {
                "allowedRegistries": _strings(
                    ["docker.io"],
                    "Registries (docker.io) or repository prefixes (docker.io/federatedai).",
                ),
            }
        ),
    ),
    ResourceValidationPolicy(
        name="pod-security",
        description="No privileged container, hostPath volume, host network/PID/IPC, "
        "added capability or ingress snippet annotation, in Helm releases too, but the "
        "named exceptions of the pack's config.",
        validate=_on_objects(checks.pod_security),
        config_schema=PolicyConfigSchema(
            {
                "exceptions": {
                    "type": "array",
                    "default": checks.CHART_EXCEPTIONS,
                    "description": "What a chart needs, each named: {name, object "
                    "('<Kind> <namespace>/<name>', namespace * for any), allow: "
                    "[privileged, hostPath, hostNetwork, hostPID, hostIPC, "
                    "capability:<NAME>, snippet]}. Default: the charts' own needs.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "object": {"type": "string"},
                            "allow": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["name", "object", "allow"],
                    },
                },
            }
        ),
    ),
    StackValidationPolicy(
        name="ingress-hosts-unique",
        description="Each ingress host served by one Ingress of the stack.",
        validate=_stack(lambda objects, _declared, _config: checks.ingress_hosts_unique(objects)),
    ),
    ResourceValidationPolicy(
        name="default-credentials",
        description="No chart's well-known credential reaches a Helm release.",
        validate=_on_release(checks.default_credentials),
    ),
    ResourceValidationPolicy(
        name="chart-version-pinned",
        description="Every Helm release pins its chart to one exact version.",
        validate=_chart_pinned,
    ),
    ResourceValidationPolicy(
        name="release-visibility",
        description="Say when a Helm release's objects cannot be checked (its chart cannot "
        "be had or rendered, its values are not known yet, or a post-renderer changes them).",
        validate=_on_release(checks.release_visible),
        enforcement_level=EnforcementLevel.ADVISORY,
    ),
]
"""The pack's policies; each one's enforcement level can be set in the pack's config."""


def serve() -> None:
    """Serve the pack to the engine (blocks until the engine is done with it)."""
    PolicyPack(PACK_NAME, list(POLICIES), EnforcementLevel.MANDATORY)
