"""The KubeFATE service beside a stack (``fate:kubefate``, ``KubeFateServer``): its REST
API, its database and its permissions.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fate_iac.charts import UPSTREAM_CHART_REPO
from fate_iac.config.fields import (
    Resources,
    Section,
)
from fate_iac.typed import (
    ChartSource,
    Credential,
    DatabaseName,
    DatabaseUser,
    Host,
    ImageReference,
    IngressHostName,
    KubeFateNamespace,
    KubeName,
    LabelKey,
    NamespaceName,
    Port,
    Quantity,
    UserName,
    YamlText,
)

KUBEFATE_IMAGE = "federatedai/kubefate:v1.4.5"
"""The KubeFATE service's image every KubeFATE release from v1.9.0 to v2.0.0 ships."""
MARIADB_IMAGE = "mariadb:10.11"
"""KubeFATE's manifests float on mariadb:10; 11 breaks their mysqladmin probe."""


class KubeFateDatabase(Section):
    """The KubeFATE service's database: its own MariaDB (with a PersistentVolumeClaim),
    or an external MySQL/MariaDB when ``host`` is set."""

    host: Host | None = Field(
        None,
        description="An external database's host: no MariaDB is deployed. Default: deploy MariaDB.",
    )
    port: Port = Field(3306, description="Default: 3306.")
    name: DatabaseName = Field("kube_fate", description="Database name. Default: kube_fate.")
    username: DatabaseUser = Field("kubefate", description="Default: kubefate.")
    password: Credential | None = Field(
        None,
        description="Secret. Required; KubeFATE's kubefate is refused unless "
        "allowDefaultCredentials.",
    )
    image: ImageReference = Field(
        MARIADB_IMAGE, description=f"MariaDB image. Default: {MARIADB_IMAGE}."
    )
    storageClass: KubeName | None = Field(
        None, description="StorageClass of MariaDB's PVC. Default: the cluster's default class."
    )
    size: Quantity = Field("1Gi", description="Size of MariaDB's PVC. Default: 1Gi.")
    existingClaim: KubeName | None = Field(
        None, description="Use this PVC instead of creating one."
    )
    ephemeral: bool = Field(
        False,
        description="Keep MariaDB's data in an emptyDir, as "
        "KubeFATE's manifests do: every restart loses every cluster "
        "record. Default: false.",
    )
    resources: Resources | None = Field(None, description="MariaDB's pod resources.")


class KubeFateRbac(Section):
    """What the service account may do: the table in docs/kubefate-service.md
    (``fate_iac.kubefate_server.NAMESPACED_RULES``)."""

    scope: Literal["cluster", "namespaces"] = Field(
        "namespaces",
        description="namespaces: a Role in each of `namespaces` only. cluster: one "
        "ClusterRole, for parties in any namespace: it reads and writes Secrets and "
        "creates Deployments and RoleBindings in every namespace, cluster-admin in effect "
        "(`fatectl validate` says so when it is chosen). Default: namespaces.",
    )
    namespaces: list[NamespaceName] | None = Field(
        None,
        description="scope namespaces: the party namespaces the service may deploy "
        "into (they must exist). Default beside a party: its namespace.",
    )
    clusterReads: bool | None = Field(
        None,
        description="Let the service list namespaces and nodes (`kubefate namespace "
        "ls`, the node IP in `cluster describe`). Default: true with scope cluster, false "
        "with scope namespaces.",
    )
    istio: bool = Field(
        False,
        description="Also manage Istio Gateways and VirtualServices "
        "(charts with istio.enabled). Default: false.",
    )


class KubeFateIngress(Section):
    host: IngressHostName = Field(description="Host the API is served at.")
    className: KubeName = Field("nginx", description="IngressClass. Default: nginx.")
    tlsSecret: KubeName | None = Field(
        None, description="TLS Secret in the service's namespace: the API is then https."
    )
    annotations: dict[LabelKey, YamlText] | None = Field(
        None, description="Ingress annotations: values free text, written as YAML strings."
    )


class KubeFateServerConfig(Section):
    """The KubeFATE service (``KubeFateServer``): its REST API for the `kubefate` CLI."""

    namespace: KubeFateNamespace = Field("kube-fate", description="Default: kube-fate.")
    createNamespace: bool = Field(True, description="Create and own the namespace. Default: true.")
    image: ImageReference = Field(KUBEFATE_IMAGE, description=f"Default: {KUBEFATE_IMAGE}.")
    pullPolicy: Literal["Always", "IfNotPresent", "Never"] = Field(
        "IfNotPresent", description="Default: IfNotPresent."
    )
    username: UserName = Field("admin", description="The API's user. Default: admin.")
    password: Credential | None = Field(
        None,
        description="Secret. Required; KubeFATE's admin is refused unless allowDefaultCredentials.",
    )
    chartRepo: ChartSource | None = Field(
        None,
        description="The chart repository the service installs from. Default: the "
        f"stack's fate:chartRepo when it is a URL, else {UPSTREAM_CHART_REPO}.",
    )
    logLevel: Literal["debug", "info", "warn", "error"] = Field(
        "info", description="Default: info."
    )
    serviceType: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(
        "ClusterIP", description="Type of the API's Service. Default: ClusterIP."
    )
    nodePort: Port | None = Field(None, description="The API's NodePort (serviceType NodePort).")
    resources: Resources | None = Field(
        None,
        description="Pod resources. Default: KubeFATE's (requests 0.5 CPU, 512Mi; "
        "limits 2 CPU, 4Gi).",
    )
    database: KubeFateDatabase = Field(
        default_factory=KubeFateDatabase, description="The service's database."
    )
    rbac: KubeFateRbac = Field(default_factory=KubeFateRbac, description="Its permissions.")
    ingress: KubeFateIngress | None = Field(
        None, description="Serve the API through an Ingress. Default: none."
    )
    networkPolicy: bool = Field(
        True,
        description="NetworkPolicies on the service's pods, as every stack's namespace has: "
        "MariaDB answers the service only; the API its port only. Default: true.",
    )
    networkPolicyEgress: bool = Field(
        False,
        description="Limit what the service's pods connect to as well (with networkPolicy): "
        "the API pod to its MariaDB (or database.host), kube-system's DNS, the chart "
        "repository's port and the Kubernetes API server's ports (443, 6443) at any "
        "address (a NetworkPolicy matches neither names nor the API server); MariaDB to "
        "DNS only. Default: false.",
    )
    allowDefaultCredentials: bool = Field(
        False,
        description="Accept KubeFATE's published admin/admin and kubefate/kubefate. "
        "Default: false.",
    )
