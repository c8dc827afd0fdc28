"""The KubeFATE service through the real engine: the example stack (examples/kubefate) up
from nothing with MariaDB on a bound PersistentVolumeClaim, its RBAC checked by the API
server itself with SubjectAccessReviews (allowed what the service needs, denied the rest),
its credentials secret in outputs and state; then narrowed to one party namespace, and
destroyed."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from e2e.controlplane import ControlPlane, kube_get, kube_request, make_volume
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac import yamlio
from fate_pulumi.automation import SECRET_KIND, SECRET_SIGNATURE

EXAMPLE = PROJECT_DIR / "examples" / "kubefate"
ACCOUNT = "system:serviceaccount:kube-fate:kubefate-admin"
STORAGE_CLASS = "e2e-static"


def can(
    plane: ControlPlane,
    verb: str,
    resource: str,
    namespace: str = "",
    group: str = "",
    subresource: str = "",
) -> bool:
    """Whether the API server lets the KubeFATE service's account do it."""
    review = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SubjectAccessReview",
        "spec": {
            "user": ACCOUNT,
            "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-fate"],
            "resourceAttributes": {
                "verb": verb,
                "resource": resource,
                "group": group,
                "namespace": namespace,
                "subresource": subresource,
            },
        },
    }
    answer = kube_request(
        plane, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review
    )
    return bool(answer["status"].get("allowed"))


def namespace(plane: ControlPlane, name: str) -> None:
    kube_request(
        plane,
        "POST",
        "/api/v1/namespaces",
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
    )


def set_service(project: Path, **changes: Any) -> None:
    path = project / "Pulumi.kubefate.yaml"
    document = yamlio.load(path.read_text())
    service = document["config"]["fate:kubefate"]
    for key, value in changes.items():
        service[key] = {**service.get(key, {}), **value} if isinstance(value, dict) else value
    path.write_text(yamlio.dump(document))


def test_the_kubefate_service_least_privilege_persistent_and_secret(
    tools: Tools, plane: ControlPlane, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", ["kubefate"], None, source=EXAMPLE)
    set_service(project, database={"storageClass": STORAGE_CLASS}, networkPolicyEgress=True)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    make_volume(plane, "kubefate-e2e-0", storage_class=STORAGE_CLASS)
    stack = ws.stack("kubefate")
    stack.up()

    # Its egress, as the API server holds it: the API pod to its database, DNS and the
    # API server's and chart repository's ports; MariaDB to DNS only.
    policies = "/apis/networking.k8s.io/v1/namespaces/kube-fate/networkpolicies"
    api_egress = kube_get(plane, f"{policies}/kubefate-api-egress")["spec"]
    assert api_egress["policyTypes"] == ["Egress"]
    assert [p["port"] for p in api_egress["egress"][-1]["ports"]] == [443, 6443]
    assert api_egress["egress"][1]["to"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mariadb"}}}
    ]
    mariadb_egress = kube_get(plane, f"{policies}/kubefate-mariadb-egress")["spec"]
    assert [p["port"] for p in mariadb_egress["egress"][0]["ports"]] == [53, 53]

    # The objects, as the API server holds them
    deployment = kube_get(plane, "/apis/apps/v1/namespaces/kube-fate/deployments/kubefate")
    assert deployment["status"].get("readyReplicas") == 1
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "kubefate-admin"
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    assert env["FATECLOUD_USER_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "kubefate-secret"
    claim = kube_get(plane, "/api/v1/namespaces/kube-fate/persistentvolumeclaims/mariadb-data")
    assert claim["status"]["phase"] == "Bound"
    mariadb = kube_get(plane, "/apis/apps/v1/namespaces/kube-fate/deployments/mariadb")
    assert mariadb["status"].get("readyReplicas") == 1
    secret = kube_get(plane, "/api/v1/namespaces/kube-fate/secrets/kubefate-secret")
    assert base64.b64decode(secret["data"]["kubefatePassword"]).decode() == "kubefate-example-admin"
    assert (
        kube_get(plane, "/api/v1/namespaces/kube-fate/services/kubefate")["spec"]["ports"][0][
            "port"
        ]
        == 8080
    )

    # Cluster-wide RBAC: what the service uses, and nothing it does not
    for verb, resource, ns, group, sub in [
        ("create", "deployments", "fate-9999", "apps", ""),
        ("patch", "statefulsets", "fate-10000", "apps", "status"),
        ("create", "secrets", "fate-9999", "", ""),
        ("get", "pods", "fate-9999", "", "log"),
        ("create", "roles", "fate-9999", "rbac.authorization.k8s.io", ""),
        ("create", "jobs", "fate-9999", "batch", ""),
        ("list", "namespaces", "", "", ""),
        ("list", "nodes", "", "", ""),
    ]:
        assert can(plane, verb, resource, ns, group, sub), (verb, resource, ns, sub)
    for verb, resource, ns, group in [
        ("create", "namespaces", "", ""),
        ("delete", "namespaces", "", ""),
        ("delete", "nodes", "", ""),
        ("create", "clusterroles", "", "rbac.authorization.k8s.io"),
        ("create", "clusterrolebindings", "", "rbac.authorization.k8s.io"),
        ("create", "persistentvolumes", "", ""),
        ("create", "pods", "fate-9999", ""),
        ("create", "gateways", "fate-9999", "networking.istio.io"),
        ("watch", "secrets", "fate-9999", ""),
    ]:
        assert not can(plane, verb, resource, ns, group), (verb, resource, ns)

    # Credentials: secret in the outputs and encrypted in the state
    outputs = stack.outputs()["kubefate"]
    cli = yamlio.load(outputs.value["cliConfig"])
    assert cli["user"]["password"] == "kubefate-example-admin"
    assert cli["serviceurl"] == "kubefate.kube-fate.svc.cluster.local:8080"
    backend = Path(ws.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    state = (backend / ".pulumi" / "stacks" / "kubefate" / "kubefate.json").read_text()
    for plain in ("kubefate-example-admin", "kubefate-example-db"):
        assert plain not in state and base64.b64encode(plain.encode()).decode() not in state
    resources = json.loads(state)["checkpoint"]["latest"]["resources"]
    [root] = [r for r in resources if r["type"] == "pulumi:pulumi:Stack"]
    recorded = root["outputs"]["kubefate"]
    for key in ("password", "cliConfig"):  # encrypted in the state, the rest readable
        assert recorded[key].get(SECRET_SIGNATURE) == SECRET_KIND, key
        assert "ciphertext" in recorded[key], key
    assert recorded["url"] == "http://kubefate.kube-fate.svc.cluster.local:8080"

    # Narrowed to one party namespace: Roles there, nothing cluster-wide
    namespace(plane, "fate-9999")
    set_service(project, rbac={"scope": "namespaces", "namespaces": ["fate-9999"]})
    stack.up()
    assert (
        kube_get(plane, "/apis/rbac.authorization.k8s.io/v1/clusterroles/kubefate-kube-fate")
        is None
    )
    assert can(plane, "create", "deployments", "fate-9999", "apps")
    assert not can(plane, "create", "deployments", "fate-10000", "apps")
    assert not can(plane, "get", "secrets", "kube-system")
    assert not can(plane, "list", "namespaces")

    stack.destroy()
    assert kube_get(plane, "/apis/apps/v1/namespaces/kube-fate/deployments/kubefate") is None
    assert (
        kube_get(
            plane,
            "/apis/rbac.authorization.k8s.io/v1/namespaces/fate-9999/roles/kubefate-kube-fate",
        )
        is None
    )
