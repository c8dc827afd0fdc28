"""The policy pack (``policies/``): each policy with passing and failing cases, built as the
engine's validation arguments, objects inside Helm releases rendered through the real
charts; every shipped stack passes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import PolicyCustomTimeouts
from pulumi_policy.proxy import unknown_checking_proxy

from fate_iac import yamlio
from fate_iac.charts import ChartRef, merge_values, resolve_chart
from fate_iac.kinds import kind_of
from fate_iac.loader import load_stack_config, read_stack_file
from fate_iac.postrender import MYSQL_ROOT, ROLLSITE_TLS_PORT, TLS, postrender_command
from fate_iac.routing import nest
from fate_iac.values import map_secrets
from fate_policies.objects import image_repository
from fate_policies.pack import POLICIES, parent_type, plain
from fate_policies.releases import RELEASE_TYPE, expand
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, chart_source

UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""How the engine sends a value it does not know yet."""
PROJECT = "fate"
STACK = "party9999"


# --------------------------------------------------------------------------- fixtures


def urn(resource_type: str, name: str, parent: str | None = None) -> str:
    qualified = f"{parent}${resource_type}" if parent else resource_type
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


def _props(raw: Mapping[str, Any]) -> Any:
    """Properties as the pack receives them from the engine."""
    return unknown_checking_proxy(deserialize_properties(dict(raw)))


def _options(parent: str | None = None) -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def _collect(found: list[str]) -> Callable[[str, str | None], None]:
    """A ``report_violation`` that keeps the messages."""

    def report(message: str, _urn: str | None = None) -> None:
        found.append(message)

    return report


def policy(name: str) -> ResourceValidationPolicy | StackValidationPolicy:
    return next(p for p in POLICIES if p.name == name)


def check_resource(
    name: str,
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    parent: str | None = None,
) -> list[str]:
    """The violations policy ``name`` reports for one resource."""
    chosen = policy(name)
    assert isinstance(chosen, ResourceValidationPolicy)
    found: list[str] = []
    resource_urn = urn(resource_type, str(props.get("metadata", {}).get("name", "r")), parent)
    args = ResourceValidationArgs(
        resource_type, _props(props), resource_urn, "r", _options(), None, dict(config or {})
    )
    for validate in chosen.validate if isinstance(chosen.validate, list) else [chosen.validate]:
        validate(args, _collect(found))
    return found


def stack_resource(
    resource_type: str,
    props: Mapping[str, Any],
    name: str = "r",
    parent: PolicyResource | None = None,
    provider_namespace: str | None = None,
) -> PolicyResource:
    provider = None
    if provider_namespace:
        provider = PolicyProviderResource(
            "pulumi:providers:kubernetes",
            _props({"namespace": provider_namespace}),
            "urn:provider",
            "k8s",
        )
    return PolicyResource(
        resource_type,
        _props(props),
        urn(resource_type, name),
        name,
        _options(),
        provider,
        parent,
        [],
        {},
    )


def check_stack(
    name: str, resources: list[PolicyResource], config: Mapping[str, Any] | None = None
) -> list[str]:
    chosen = policy(name)
    assert isinstance(chosen, StackValidationPolicy)
    found: list[str] = []
    chosen.validate(StackValidationArgs(resources, dict(config or {})), _collect(found))
    return found


def service(name: str, namespace: str | None, *node_ports: int, kind: str = "NodePort") -> Any:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    ports = [{"port": 80 + i, "nodePort": p} for i, p in enumerate(node_ports)]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata,
        "spec": {"type": kind, "ports": ports},
    }


def deployment(name: str, namespace: str, image: str) -> Any:
    pod = {"containers": [{"name": "c", "image": image}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"template": {"spec": pod}},
    }


def ingress(name: str, namespace: str, *hosts: str) -> Any:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"rules": [{"host": h} for h in hosts]},
    }


SERVICE = "kubernetes:core/v1:Service"
NAMESPACE = "kubernetes:core/v1:Namespace"
CONFIGMAP = "kubernetes:core/v1:ConfigMap"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"


def stack_file_releases(
    project: Path, stack: str, changes: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The releases a shipped stack's program registers, as the pack sees their inputs
    (credentials revealed, as the engine gives them to a pack), charts from the local
    copy of KubeFATE's repository; ``changes`` edit its ``fate:`` config first."""
    raw = read_stack_file(project / f"Pulumi.{stack}.yaml", stack, EXAMPLE_PASSPHRASE)
    raw.values.update(changes or {})
    cfg = load_stack_config(raw, stack).config
    kind = kind_of(cfg)
    routes = kind.routed(cfg, {}).overrides  # the static routes, as before any record
    for spec in kind.releases(cfg, chart_source()):
        values = map_secrets(spec.values, lambda s: s.value)
        values = merge_values(values, nest(routes.get(spec.key, {})))
        yield release_props(spec.name, spec.namespace, spec.chart, values, spec.post_render)


def release_props(
    name: str,
    namespace: str,
    chart: ChartRef,
    values: Any,
    post_render: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """A release's inputs as the program registers them (the post-renderer is this
    package's command, where the program runs)."""
    args = chart.release_args()
    props = {
        "name": name,
        "namespace": namespace,
        "chart": args["chart"],
        "version": args.get("version", chart.version),
        "values": values,
        "postrender": postrender_command(post_render) if post_render else "",
        "createNamespace": False,
    }
    if "repositoryOpts" in args:
        props["repositoryOpts"] = args["repositoryOpts"]
    return props


def party_release(changes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return next(stack_file_releases(PROJECT_DIR, "party9999", changes))


def with_values(release: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A release whose values were changed after the stack's rules ran (the config
    refuses these keys in helmValues; the pack still catches them in any release)."""
    from fate_iac.charts import merge_values

    return {**release, "values": merge_values(release["values"], values)}


# ------------------------------------------------------------------------ plain objects


def test_nodeports_outside_the_range_are_refused_and_the_range_is_configurable() -> None:
    assert check_resource("nodeport-range", SERVICE, service("ok", "fate-9999", 30500)) == []
    found = check_resource("nodeport-range", SERVICE, service("far", "fate-9999", 40000))
    assert found == [
        "Service fate-9999/far: nodePort 40000 is outside the allowed range 30000-32767"
    ]
    narrow = {"minPort": 31000, "maxPort": 31999}
    assert check_resource("nodeport-range", SERVICE, service("s", "n", 30500), narrow) != []
    assert check_resource("nodeport-range", SERVICE, service("s", "n", 31500), narrow) == []


def test_a_clusterip_service_claims_no_nodeport() -> None:
    body = service("inside", "fate-9999", 40000, kind="ClusterIP")
    assert check_resource("nodeport-range", SERVICE, body) == []


def test_load_balancers_only_when_allowed() -> None:
    body = service("lb", "fate-9999", kind="LoadBalancer")
    assert "LoadBalancer Service" in check_resource("loadbalancer-services", SERVICE, body)[0]
    assert check_resource("loadbalancer-services", SERVICE, body, {"allowed": True}) == []
    assert check_resource("loadbalancer-services", SERVICE, service("np", "n", 30001)) == []


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        ("federatedai/eggroll:1.11.2-release", "docker.io/federatedai/eggroll"),
        ("mysql:8.0.28", "docker.io/library/mysql"),
        ("localhost:5000/fate/client", "localhost:5000/fate/client"),
        (
            "registry.example.com:8443/fate/python@sha256:abc",
            "registry.example.com:8443/fate/python",
        ),
        ("docker.io/fluent/fluent-bit:2.1.4", "docker.io/fluent/fluent-bit"),
    ],
)
def test_image_repositories_are_what_docker_pulls(image: str, repository: str) -> None:
    assert image_repository(image) == repository


def test_images_only_from_allowed_registries() -> None:
    good = deployment("d", "fate-9999", "federatedai/fateflow:1.11.2-release")
    bad = deployment("d", "fate-9999", "quay.io/someone/fateflow:latest")
    assert check_resource("image-registries", DEPLOYMENT, good) == []
    assert check_resource("image-registries", DEPLOYMENT, bad) == [
        "Deployment fate-9999/d: image quay.io/someone/fateflow:latest is not from an allowed "
        "registry (docker.io)"
    ]
    mirror = {"allowedRegistries": ["registry.example.com/fate"]}
    mirrored = deployment("d", "n", "registry.example.com/fate/fateflow:1")
    assert check_resource("image-registries", DEPLOYMENT, mirrored, mirror) == []
    lookalike = deployment("d", "n", "registry.example.com/fate-evil/fateflow:1")
    assert check_resource("image-registries", DEPLOYMENT, lookalike, mirror) != []
    assert check_resource("image-registries", DEPLOYMENT, good, mirror) != []


def test_nodeports_unique_in_the_stack() -> None:
    resources = [
        stack_resource(SERVICE, service("a", "fate-9999", 30091), "a"),
        stack_resource(SERVICE, service("b", "fate-9999", 30092, 30091), "b"),
    ]
    assert check_stack("nodeport-unique", resources) == [
        "nodePort 30091 is claimed 2 times: Service fate-9999/a, Service fate-9999/b"
    ]
    assert check_stack("nodeport-unique", resources[:1]) == []
    # the API server allocates NodePorts by number: a UDP port takes it from TCP too
    udp = service("u", "fate-9999", 30091)
    udp["spec"]["ports"][0]["protocol"] = "UDP"
    assert check_stack("nodeport-unique", [resources[0], stack_resource(SERVICE, udp, "u")]) != []


def test_ingress_hosts_unique_in_the_stack() -> None:
    resources = [
        stack_resource(INGRESS, ingress("a", "fate-9999", "board.example.com"), "a"),
        stack_resource(INGRESS, ingress("b", "fate-9999", "board.example.com"), "b"),
    ]
    found = check_stack("ingress-hosts-unique", resources)
    assert found == [
        "ingress host board.example.com is served by 2 Ingresses: "
        "Ingress fate-9999/a, Ingress fate-9999/b"
    ]
    one = [stack_resource(INGRESS, ingress("a", "n", "a.example.com", "b.example.com"))]
    assert check_stack("ingress-hosts-unique", one) == []


def _namespace(name: str) -> PolicyResource:
    return stack_resource(
        NAMESPACE,
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        f"{name}-ns",
    )


def _configmap(name: str, namespace: str | None) -> Any:
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": {}}


def test_namespace_isolation_keeps_a_stack_in_the_namespaces_it_declares() -> None:
    own = [_namespace("fate-9999"), stack_resource(CONFIGMAP, _configmap("c", "fate-9999"), "c")]
    assert check_stack("namespace-isolation", own) == []
    elsewhere = [*own, stack_resource(CONFIGMAP, _configmap("x", "fate-10000"), "x")]
    assert check_stack("namespace-isolation", elsewhere) == [
        "ConfigMap fate-10000/x: in namespace fate-10000, not one of this stack's (fate-9999)"
    ]
    # the pack's config names the namespaces outright
    assert (
        check_stack("namespace-isolation", elsewhere, {"namespaces": ["fate-9999", "fate-10000"]})
        == []
    )


def test_nothing_in_a_system_namespace_checked_on_each_resource() -> None:
    """A resource policy: a plain ``pulumi up`` stops before creating the object (stack
    policies run after the steps)."""
    assert check_resource("system-namespaces", CONFIGMAP, _configmap("a", "kube-system")) == [
        "ConfigMap kube-system/a: in the system namespace kube-system"
    ]
    # naming no namespace lands in the provider's: "default" unless it says otherwise
    assert check_resource("system-namespaces", CONFIGMAP, _configmap("b", None)) == [
        "ConfigMap default/b: in the system namespace default"
    ]
    assert check_resource("system-namespaces", CONFIGMAP, _configmap("c", "fate-9999")) == []
    kube_public = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-public"}}
    assert check_resource("system-namespaces", NAMESPACE, kube_public) == [
        "Namespace kube-public: the system namespace kube-public"
    ]
    custom = {"systemNamespaces": ["platform"]}
    assert check_resource("system-namespaces", CONFIGMAP, _configmap("d", "platform"), custom) != []


def test_a_provider_namespace_is_where_unnamed_objects_land() -> None:
    resources = [
        _namespace("fate-9999"),
        stack_resource(CONFIGMAP, _configmap("c", None), "c", provider_namespace="fate-9999"),
        stack_resource(CONFIGMAP, _configmap("d", None), "d"),
    ]
    assert check_stack("namespace-isolation", resources) == [
        "ConfigMap default/d: in namespace default, not one of this stack's (fate-9999)"
    ]


def test_a_stack_cannot_claim_another_partys_namespace_by_creating_it() -> None:
    component = stack_resource("fate:index:FateEggrollCluster", {"namespace": "fate-9999"})
    resources = [
        component,
        _namespace("fate-9999"),
        _namespace("fate-10000"),
        stack_resource(CONFIGMAP, _configmap("c", "fate-10000"), "c"),
    ]
    assert check_stack("namespace-isolation", resources) == [
        "Namespace fate-10000: not one of this stack's namespaces (fate-9999)",
        "ConfigMap fate-10000/c: in namespace fate-10000, not one of this stack's (fate-9999)",
    ]


def test_a_namespace_not_known_at_preview_is_not_judged() -> None:
    """An auto-named Namespace, and what goes in it, cannot be told apart at preview; the
    check at the update sees the names."""
    auto = stack_resource(
        NAMESPACE,
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": UNKNOWN_STRING}},
        "auto",
    )
    inside = stack_resource(CONFIGMAP, _configmap("c", UNKNOWN_STRING), "c")
    assert check_stack("namespace-isolation", [_namespace("fate-9999"), auto, inside]) == []


def test_the_kubefate_services_party_namespaces_are_declared_by_it() -> None:
    """Its Roles go in the party namespaces it deploys into (its ``namespaces`` output)."""
    outputs = {"namespace": "kube-fate", "namespaces": ["kube-fate", "fate-9999"]}
    server = stack_resource("fate:index:KubeFateServer", outputs)
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "kubefate-kube-fate", "namespace": "fate-9999"},
    }
    resources = [server, stack_resource("kubernetes:rbac.authorization.k8s.io/v1:Role", role)]
    assert check_stack("namespace-isolation", resources) == []


def test_a_components_namespace_output_is_declared() -> None:
    """A party that adopts an existing namespace creates no Namespace: its component's
    ``namespace`` output declares it."""
    component = stack_resource("fate:index:FateEggrollCluster", {"namespace": "fate-9999"})
    resources = [component, stack_resource(CONFIGMAP, _configmap("c", "fate-9999"), "c")]
    assert check_stack("namespace-isolation", resources) == []


def test_cluster_scoped_objects_only_from_the_allow_list() -> None:
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "everything"},
        "rules": [],
    }
    assert check_resource("system-namespaces", CLUSTER_ROLE, role) == [
        "ClusterRole everything: a cluster-scoped ClusterRole, not in the allow list "
        "(clusterScopedKinds)"
    ]
    allowed = {"clusterScopedKinds": ["ClusterRole"]}
    assert check_resource("system-namespaces", CLUSTER_ROLE, role, allowed) == []
    # the KubeFATE service's own RBAC, as its component's child, without wildcards
    server = "fate:index:KubeFateServer"
    own = {**role, "metadata": {"name": "kubefate-kube-fate"}}
    assert check_resource("system-namespaces", CLUSTER_ROLE, own, parent=server) == []
    wild = {**own, "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]}
    assert check_resource("system-namespaces", CLUSTER_ROLE, wild, parent=server) != []
    assert (
        check_resource(
            "system-namespaces", CLUSTER_ROLE, own, parent="fate:index:FateEggrollCluster"
        )
        != []
    )


KUBEFATE_SERVER = "fate:index:KubeFateServer"
BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"


def binding(name: str, role: str, namespace: str = "kube-fate") -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": "kubefate-admin", "namespace": namespace}],
    }


def test_the_kubefate_exemption_is_decided_by_what_its_rbac_grants() -> None:
    """A component claiming to be KubeFateServer (its URN says so) gets no exemption for
    a binding to cluster-admin, nor for a role that may escalate, bind or impersonate."""

    def refused(kind: str, body: dict[str, Any]) -> bool:
        return check_resource("system-namespaces", kind, body, parent=KUBEFATE_SERVER) != []

    from fate_iac.config import KubeFateServerConfig
    from fate_iac.kubefate_server import render
    from fate_iac.secrets import Secret

    credentials = {"password": Secret("a", True), "database": {"password": Secret("b", True)}}
    cfg = KubeFateServerConfig.model_validate({**credentials, "rbac": {"scope": "cluster"}})
    shipped = yamlio.load_all(render(cfg, None, True))
    rbac = [o for o in shipped if o and o["kind"] in ("ClusterRole", "ClusterRoleBinding")]
    assert {o["kind"] for o in rbac} == {"ClusterRole", "ClusterRoleBinding"}
    for obj in rbac:  # what the service creates passes
        assert not refused(f"kubernetes:rbac.authorization.k8s.io/v1:{obj['kind']}", obj)
    assert refused(BINDING, binding("kubefate-kube-fate", "cluster-admin"))
    assert refused(BINDING, binding("cluster-admin", "cluster-admin"))
    assert refused(BINDING, binding("kubefate-kube-fate", "kubefate-kube-fate", "default"))
    for verb in ("escalate", "bind", "impersonate"):
        rule = {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles"]}
        role = {
            "kind": "ClusterRole",
            "metadata": {"name": "kubefate-kube-fate"},
            "rules": [{**rule, "verbs": ["get", verb]}],
        }
        assert refused(CLUSTER_ROLE, role)
    aggregated = {
        "kind": "ClusterRole",
        "metadata": {"name": "kubefate-kube-fate"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"admin": "true"}}]},
    }
    assert refused(CLUSTER_ROLE, aggregated)
    # a custom kind named Cluster... is cluster-scoped; one the pack does not know is not
    issuer = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": "ca"},
    }
    assert (
        check_resource("system-namespaces", "kubernetes:cert-manager.io/v1:ClusterIssuer", issuer)
        != []
    )


def test_parent_type_comes_from_the_urn() -> None:
    assert parent_type(urn(SERVICE, "s", "fate:index:FateEggrollCluster")) == (
        "fate:index:FateEggrollCluster"
    )
    assert parent_type(urn(SERVICE, "s")) is None


def test_unknown_values_stay_unknown() -> None:
    props = _props({"a": UNKNOWN_STRING, "b": [1.0, UNKNOWN_STRING], "c": 0.5})
    converted = plain(props)
    assert repr(converted["a"]) == "<unknown>"
    assert converted["b"][0] == 1 and isinstance(converted["b"][0], int)
    assert converted["c"] == 0.5


# ------------------------------------------------------------------ inside Helm releases


@pytest.mark.chart
def test_a_nodeport_hidden_in_helm_values_is_caught_inside_the_release() -> None:
    clean = party_release()
    assert check_resource("nodeport-range", RELEASE_TYPE, clean) == []
    hidden = with_values(party_release(), {"modules": {"rollsite": {"nodePort": 40000}}})
    assert check_resource("nodeport-range", RELEASE_TYPE, hidden) == [
        "Service fate-9999/rollsite in release fate-9999 (fate v1.11.2): nodePort 40000 is "
        "outside the allowed range 30000-32767"
    ]


@pytest.mark.chart
def test_an_image_registry_hidden_in_helm_values_is_caught_inside_the_release() -> None:
    hidden = with_values(party_release(), {"image": {"registry": "evil.example.com/fate"}})
    found = check_resource("image-registries", RELEASE_TYPE, hidden)
    assert found and all(
        "evil.example.com/fate/" in f and "in release fate-9999" in f for f in found
    )
    assert any(f.startswith("StatefulSet fate-9999/python ") for f in found)


@pytest.mark.chart
def test_a_release_and_what_it_installs_share_the_stacks_nodeports() -> None:
    release = stack_resource(RELEASE_TYPE, party_release(), "fate-9999-release")
    clash = stack_resource(SERVICE, service("mine", "fate-9999", 30091), "mine")
    found = check_stack("nodeport-unique", [release, clash])
    assert found == [
        "nodePort 30091 is claimed 2 times: Service fate-9999/rollsite in "
        "release fate-9999 (fate v1.11.2), Service fate-9999/mine"
    ]


@pytest.mark.chart
def test_a_plain_ingress_taking_a_release_host_is_caught() -> None:
    release = stack_resource(RELEASE_TYPE, party_release(), "fate-9999-release")
    board = stack_resource(
        INGRESS, ingress("mine", "fate-9999", "party9999.fateboard.example.com"), "mine"
    )
    found = check_stack("ingress-hosts-unique", [release, board])
    assert len(found) == 1 and "party9999.fateboard.example.com" in found[0]


@pytest.mark.chart
def test_a_release_in_another_namespace_is_refused_with_its_objects() -> None:
    props = party_release()
    props["namespace"] = "fate-10000"
    component = stack_resource("fate:index:FateEggrollCluster", {"namespace": "fate-9999"})
    found = check_stack(
        "namespace-isolation", [component, stack_resource(RELEASE_TYPE, props, "rel")]
    )
    assert found[0] == (
        "Release fate-10000/fate-9999: in namespace fate-10000, not one of this stack's (fate-9999)"
    )
    assert any(f.startswith("Deployment fate-10000/rollsite in release fate-9999") for f in found)


@pytest.mark.chart
@pytest.mark.chart
def test_default_credentials_are_caught_set_or_left_to_the_chart() -> None:
    props = party_release()
    assert check_resource("default-credentials", RELEASE_TYPE, props) == []
    mysql = props["values"]["modules"]["mysql"]
    mysql["password"] = "fate_dev"
    found = check_resource("default-credentials", RELEASE_TYPE, props)
    assert found == [
        "release fate-9999 (fate v1.11.2): the MySQL password is the chart's well-known default"
    ]
    del mysql["password"]  # the chart's own default applies
    assert check_resource("default-credentials", RELEASE_TYPE, props) == found
    mysql["password"] = ""  # the templates then write their own fallback, fate_dev
    assert check_resource("default-credentials", RELEASE_TYPE, props) == found
    props["values"]["externalMysqlPassword"] = "chosen"  # read first by fateflow
    for module in ("mysql", "python", "clustermanager"):
        props["values"]["modules"][module]["include"] = None  # Helm: removed, so off
    assert check_resource("default-credentials", RELEASE_TYPE, props) == []
    props["values"]["modules"]["fateboard"]["password"] = "admin"
    assert check_resource("default-credentials", RELEASE_TYPE, props) == [
        "release fate-9999 (fate v1.11.2): FATE-Board's password is the chart's well-known default"
    ]


@pytest.mark.chart
def test_the_rabbitmq_broker_always_runs_with_its_published_login() -> None:
    props = party_release()
    props["values"]["modules"]["rabbitmq"] = {"include": True, "default_pass": "changed"}
    found = check_resource("default-credentials", RELEASE_TYPE, props)
    assert len(found) == 1 and "RabbitMQ broker's password" in found[0]


@pytest.mark.chart
def test_the_serving_charts_credentials_are_known_too() -> None:
    chart = resolve_chart("fate-serving", "v2.1.6", chart_source())
    props = release_props(
        "serving", "fate-serving-9999", chart, {"servingRedis": {"password": "x"}}
    )
    found = check_resource("default-credentials", RELEASE_TYPE, props)
    assert found == [
        "release serving (fate-serving v2.1.6): serving-admin's password is the "
        "chart's well-known default"
    ]
    props["values"] = {"servingAdmin": {"password": "chosen"}}  # Redis: the chart's fate_dev
    assert "the Redis password" in check_resource("default-credentials", RELEASE_TYPE, props)[0]
    props["values"] = {
        "servingAdmin": {"include": False},
        "servingRedis": {"include": False},
        "servingServer": {"include": False},
    }
    assert check_resource("default-credentials", RELEASE_TYPE, props) == []


def test_a_chart_version_is_pinned_exactly() -> None:
    base = {"name": "fate-9999", "chart": "fate", "repositoryOpts": {"repo": "https://x"}}
    assert (
        check_resource("chart-version-pinned", RELEASE_TYPE, {**base, "version": "v1.11.2"}) == []
    )
    assert (
        check_resource("chart-version-pinned", RELEASE_TYPE, {**base, "version": "1.11.2-rc.1"})
        == []
    )
    assert check_resource("chart-version-pinned", RELEASE_TYPE, base) == [
        "release fate-9999: chart fate has no version, so it installs the newest the "
        "repository serves"
    ]
    for loose in ("^1.11.0", "~1.11", ">=1.10.0", "1.x"):
        found = check_resource("chart-version-pinned", RELEASE_TYPE, {**base, "version": loose})
        assert found == [
            f"release fate-9999: chart fate version {loose!r} is not one exact version"
        ]


@pytest.mark.chart
def test_a_local_chart_archive_is_its_own_version() -> None:
    props = party_release()
    assert "repositoryOpts" not in props and Path(props["chart"]).is_file()
    assert check_resource("chart-version-pinned", RELEASE_TYPE, {**props, "version": ""}) == []


def test_a_release_the_pack_cannot_see_into_is_said() -> None:
    missing = {
        "name": "r",
        "namespace": "n",
        "chart": "nowhere/fate",
        "version": "v1.11.2",
        "values": {"password": "s3cr3t-value"},
    }
    found = check_resource("release-visibility", RELEASE_TYPE, missing)
    assert found == [
        "release r (nowhere/fate v1.11.2): the policies cannot see its objects: "
        "its chart cannot be had: chart 'nowhere/fate' is neither in a "
        "repository (repositoryOpts.repo), an oci:// reference nor a local "
        "chart"
    ]
    unknown = {**missing, "values": {"route": UNKNOWN_STRING}}
    assert (
        "not known until the update"
        in check_resource("release-visibility", RELEASE_TYPE, unknown)[0]
    )
    postrendered = {**missing, "postrender": "/usr/local/bin/kustomize-it"}
    assert "post-renderer" in check_resource("release-visibility", RELEASE_TYPE, postrendered)[0]
    # the other policies see nothing to check in it, and say nothing
    assert check_resource("nodeport-range", RELEASE_TYPE, missing) == []


@pytest.mark.chart
def test_a_post_rendered_release_is_checked_as_the_post_renderer_leaves_it() -> None:
    """A stack with TLS: its release goes through this project's post-renderer, and the
    pack checks the objects it leaves (rollsite's TLS port, its writable properties),
    not an advisory "cannot see" while a NodePort outside the range passes."""
    release = next(stack_file_releases(PROJECT_DIR / "examples" / "tls", "party10000"))
    release = with_values(release, {"modules": {"python": {"httpNodePort": 40000}}})
    assert release["postrender"] == postrender_command({TLS, MYSQL_ROOT})
    assert check_resource("release-visibility", RELEASE_TYPE, release) == []
    assert check_resource("nodeport-range", RELEASE_TYPE, release) == [
        "Service fate-tls-10000/fateflow-client in release fate-tls-10000 (fate v1.11.2): "
        "nodePort 40000 is outside the allowed range 30000-32767"
    ]
    expansion = expand(release, None, "default")
    [rollsite] = [o for o in expansion.objects if (o.kind, o.name) == ("Deployment", "rollsite")]
    [container] = rollsite.body["spec"]["template"]["spec"]["containers"][:1]
    assert {"containerPort": ROLLSITE_TLS_PORT, "name": "tls"} in container["ports"]


# ------------------------------------------------------------------------ shipped stacks

SHIPPED = [
    (PROJECT_DIR / example, s)
    for example in ("", "examples/spark-pulsar", "examples/serving", "examples/tls")
    for s in ("party9999", "party10000", "exchange")
]


@pytest.mark.chart
@pytest.mark.parametrize(("project", "stack"), SHIPPED, ids=lambda v: str(v))
def test_every_shipped_stack_passes_every_policy(project: Path, stack: str) -> None:
    """The pack as a platform team runs it, over the releases each shipped stack's
    program registers (the e2e tests run it through the engine)."""
    raw = read_stack_file(project / f"Pulumi.{stack}.yaml", stack, EXAMPLE_PASSPHRASE)
    cfg = load_stack_config(raw, stack).config
    resources = []
    for part in (cfg, getattr(cfg, "servingCluster", None)):  # a party's serving cluster too
        if part is not None:
            name = part.k8s_namespace
            namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            resources.append(stack_resource(NAMESPACE, namespace, name))
    for props in stack_file_releases(project, stack):
        for chosen in POLICIES:
            if isinstance(chosen, ResourceValidationPolicy):
                assert check_resource(chosen.name, RELEASE_TYPE, props) == [], chosen.name
        resources.append(stack_resource(RELEASE_TYPE, props, str(props["name"])))
    for chosen in POLICIES:
        if isinstance(chosen, StackValidationPolicy):
            assert check_stack(chosen.name, resources) == [], chosen.name


def test_the_pack_names_each_policy_once() -> None:
    names = [p.name for p in POLICIES]
    assert len(names) == len(set(names)) == 11


def test_the_example_config_names_only_what_the_policies_take() -> None:
    """``policies/config.example.json`` (``--policy-pack-config``) stays true to the pack."""
    example = json.loads((PROJECT_DIR / "policies" / "config.example.json").read_text())
    schemas = {p.name: p.config_schema for p in POLICIES}
    assert set(example) == set(schemas)
    for name, value in example.items():
        if isinstance(value, str):
            assert value in ("advisory", "mandatory", "disabled", "remediate")
            continue
        schema = schemas[name]
        known = set(schema.properties) if schema is not None else set()
        assert set(value) - {"enforcementLevel"} <= known, name


def test_pod_security_refuses_what_a_workload_may_do_beyond_a_container() -> None:
    """Each finding, caught; an exception allows one finding on one object only."""
    pod = {
        "hostNetwork": True,
        "hostPID": True,
        "hostIPC": True,
        "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
        "containers": [
            {
                "name": "c",
                "image": "federatedai/python",
                "securityContext": {"privileged": True, "capabilities": {"add": ["NET_ADMIN"]}},
            }
        ],
    }
    body = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "fate-9999"},
        "spec": {"template": {"spec": pod}},
    }
    found = check_resource("pod-security", DEPLOYMENT, body)
    assert [f.split(": ", 1)[1].split(" (")[0] for f in found] == [
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "volume root",
        "container c",
        "container c adds NET_ADMIN",
    ]
    allowed = {
        "exceptions": [
            {"name": "why", "object": "Deployment */d", "allow": ["capability:NET_ADMIN"]}
        ]
    }
    assert len(check_resource("pod-security", DEPLOYMENT, body, allowed)) == 5
    snippet = ingress("i", "fate-9999", "a.example.com")
    snippet["metadata"]["annotations"] = {
        "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers x;"
    }
    [said] = check_resource("pod-security", INGRESS, snippet)
    assert "annotation nginx.ingress.kubernetes.io/configuration-snippet (snippet)" in said


@pytest.mark.chart
def test_pod_security_sees_inside_releases_and_the_charts_needs_are_named() -> None:
    """The fate chart's own added capabilities pass by the named default exceptions;
    without them (an empty list), they are reported."""
    release = party_release()
    assert check_resource("pod-security", RELEASE_TYPE, release) == []
    found = check_resource("pod-security", RELEASE_TYPE, release, {"exceptions": []})
    assert any("nodemanager adds SYS_PTRACE" in f for f in found)


@pytest.mark.chart
def test_the_example_config_lets_the_shipped_party_through() -> None:
    example = json.loads((PROJECT_DIR / "policies" / "config.example.json").read_text())
    props = party_release()
    config = example["image-registries"]
    assert check_resource("image-registries", RELEASE_TYPE, props, config) == []
    props["values"]["image"]["registry"] = "docker.io/someone-else"
    assert check_resource("image-registries", RELEASE_TYPE, props, config) != []


def test_values_not_known_at_preview_are_left_to_the_update() -> None:
    """Nothing the engine does not know yet is judged (or crashes the pack)."""
    port_unknown = service("s", "fate-9999", 30091)
    port_unknown["spec"]["ports"][0]["nodePort"] = UNKNOWN_STRING
    ports_unknown = {
        **service("t", "fate-9999"),
        "spec": {"type": "NodePort", "ports": UNKNOWN_STRING},
    }
    for body in (port_unknown, ports_unknown):
        assert check_resource("nodeport-range", SERVICE, body) == []
    image_unknown = deployment("d", "fate-9999", UNKNOWN_STRING)
    assert check_resource("image-registries", DEPLOYMENT, image_unknown) == []
    hosts = [stack_resource(INGRESS, ingress(n, "fate-9999", UNKNOWN_STRING), n) for n in "ab"]
    assert check_stack("ingress-hosts-unique", hosts) == []


def _tiny_chart(root: Path) -> Path:
    """A chart with what the FATE charts never do: an object naming its own namespace,
    a NodePort from a values file, and a CRD in crds/."""
    chart = root / "tiny"
    (chart / "templates").mkdir(parents=True)
    (chart / "crds").mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: tiny\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("port: 30001\n")
    (chart / "templates" / "objects.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sneaky\n  namespace: kube-system\n"
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  type: NodePort\n"
        "  ports:\n  - port: 80\n    nodePort: {{ .Values.port }}\n"
    )
    (chart / "crds" / "crd.yaml").write_text(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: widgets.example.com\n"
    )
    return chart


def test_what_a_chart_writes_itself_is_seen_too(tmp_path: Path) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text("port: 40001\n")
    asset = {
        "4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17",
        "path": str(values_file),
    }
    chart = str(_tiny_chart(tmp_path))
    props: dict[str, Any] = {
        "name": "tiny",
        "namespace": "apps",
        "chart": chart,
        "version": "",
        "values": {},
        "valueYamlFiles": [asset],
    }
    assert check_resource("system-namespaces", RELEASE_TYPE, props) == [
        "CustomResourceDefinition widgets.example.com in release tiny (tiny (no version)): a "
        "cluster-scoped CustomResourceDefinition, not in the allow list (clusterScopedKinds)",
        "ConfigMap kube-system/sneaky in release tiny (tiny (no version)): in the system "
        "namespace kube-system",
    ]
    assert check_resource("nodeport-range", RELEASE_TYPE, props) == [
        "Service apps/svc in release tiny (tiny (no version)): nodePort 40001 is outside the "
        "allowed range 30000-32767"
    ]
    props["values"] = {"port": 30002}  # values win over the files, as in Helm
    assert check_resource("nodeport-range", RELEASE_TYPE, props) == []
    props["skipCrds"] = True
    assert len(check_resource("system-namespaces", RELEASE_TYPE, props)) == 1


@pytest.mark.chart
def test_a_render_error_never_quotes_the_releases_values(monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(archive: Path, values: Any, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"template: bad value {values['modules']['mysql']['password']!r} "
            "at fate/templates/core/mysql/statefulSet.yaml:52"
        )

    monkeypatch.setattr("fate_policies.releases.render_chart", failing)
    props = party_release()
    props["values"]["modules"]["mysql"]["password"] = "s3cr3t-quoted-by-helm"
    [found] = check_resource("release-visibility", RELEASE_TYPE, props)
    assert "cannot be rendered" in found and "fate/templates/core/mysql" in found
    assert "s3cr3t" not in found and "[secret]" in found


def test_a_repository_login_never_shows() -> None:
    props = {
        "name": "r",
        "namespace": "n",
        "chart": "fate",
        "version": "v1.11.2",
        "repositoryOpts": {"repo": "http://robot:t0ken-s3cret@127.0.0.1:9"},
        "values": {},
    }
    [found] = check_resource("release-visibility", RELEASE_TYPE, props)
    assert "cannot be had" in found and "t0ken" not in found and "robot" not in found
