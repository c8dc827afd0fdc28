"""The KubeFATE service (its REST API and MariaDB) as Kubernetes objects, free of Pulumi:
the permissions it really uses, credentials as :class:`~fate_iac.secrets.Secret` objects,
a persistent database. ``fate_pulumi.kubefate_server.KubeFateServer`` creates them.

KubeFATE has no chart for its service; its manifests (``rbac-config.yaml``,
``kubefate.yaml``) bind a ClusterRole that may also create namespaces and touch every
Secret of the cluster, ship admin/admin and kubefate/kubefate, and keep MariaDB's data in
an emptyDir. The differences are listed in docs/kubefate-service.md.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError

from fate_iac import egress, isolation, yamlio
from fate_iac.charts import UPSTREAM_CHART_REPO, is_url
from fate_iac.config import KubeFateServerConfig, Resources, Section, credential_paths
from fate_iac.problems import ConfigError, KeyPath, Problem, from_pydantic
from fate_iac.secrets import Secret
from fate_iac.values import map_secrets

NAME = "kubefate"
SERVICE_ACCOUNT = "kubefate-admin"
SECRET = "kubefate-secret"
DATABASE = "mariadb"
PORT = 8080
"""The API's port (``FATECLOUD_SERVER_PORT``)."""
DATABASE_PORT = 3306
KUBEFATE_PASSWORD = "admin"
DATABASE_PASSWORD = "kubefate"
"""KubeFATE's published credentials (its ``kubefate-secret``)."""
DEFAULT_RESOURCES = {
    "requests": {"cpu": "500m", "memory": "512Mi"},
    "limits": {"cpu": "2", "memory": "4Gi"},
}
"""KubeFATE's own, for both containers."""


@dataclass(frozen=True)
class Rule:
    """One RBAC rule, and why the service needs it (read in KubeFATE's source)."""

    groups: tuple[str, ...]
    resources: tuple[str, ...]
    verbs: tuple[str, ...]
    why: str

    def manifest(self) -> dict[str, Any]:
        return {
            "apiGroups": list(self.groups),
            "resources": list(self.resources),
            "verbs": list(self.verbs),
        }


_WRITE = ("get", "list", "create", "update", "patch", "delete")
NAMESPACED_RULES = (
    Rule(
        ("",),
        ("secrets",),
        ("get", "list", "create", "update", "delete"),
        "Helm keeps each release as Secrets in its namespace",
    ),
    Rule(
        ("",),
        ("configmaps", "services", "serviceaccounts", "persistentvolumeclaims"),
        _WRITE,
        "objects of the FATE charts; services listed to find rollsite's NodePort",
    ),
    Rule(("",), ("pods",), ("get", "list"), "cluster describe and status"),
    Rule(("",), ("pods/log",), ("get",), "kubefate cluster logs"),
    Rule(
        ("apps",),
        ("deployments", "statefulsets"),
        _WRITE,
        "objects of the FATE charts; polled while an install or update runs",
    ),
    Rule(
        ("apps",),
        ("deployments/status", "statefulsets/status"),
        ("get", "list", "update", "patch"),
        "the upgrade manager's Role grants them, and a Role can only grant what its creator holds",
    ),
    Rule(
        ("networking.k8s.io",),
        ("ingresses",),
        _WRITE,
        "objects of the FATE charts; listed for the dashboards' URLs",
    ),
    Rule(("batch",), ("jobs",), _WRITE, "the upgrade manager's MySQL migration Job"),
    Rule(
        ("rbac.authorization.k8s.io",),
        ("roles", "rolebindings"),
        ("get", "create", "update", "patch", "delete"),
        "the upgrade manager's Role",
    ),
)
"""What the service does inside a party namespace (its Kubernetes calls, and what Helm
needs to install, upgrade, roll back and uninstall the FATE charts)."""

ISTIO_RULES = (
    Rule(
        ("networking.istio.io",),
        ("gateways", "virtualservices"),
        ("get", "create", "update", "patch", "delete"),
        "charts with istio.enabled",
    ),
)
CLUSTER_READS = (
    Rule(("",), ("namespaces",), ("list",), "kubefate namespace ls"),
    Rule(("",), ("nodes",), ("list",), "the node IP in kubefate cluster describe"),
)
"""The only cluster-wide calls the service makes: it never creates a namespace."""


def _secret_problems(
    secret: Secret | None, path: KeyPath, known: str, allow: bool, where: KeyPath
) -> Iterator[Problem]:
    full = (*where, *path)
    dotted = ".".join(str(p) for p in full)
    if secret is None:
        yield Problem(
            full,
            "required",
            f"set it as a Pulumi secret: pulumi config set --secret --path 'fate:{dotted}' <value>",
        )
    elif not secret.secure:
        yield Problem(
            full,
            "secret",
            f"credentials must be Pulumi secrets: pulumi config set "
            f"--secret --path 'fate:{dotted}' <value>",
        )
    elif not secret.value:
        yield Problem(full, "required", "is empty")
    elif secret.value == known and not allow:
        opt_in = f"fate:{'.'.join(map(str, where))}.allowDefaultCredentials: true"
        yield Problem(
            full,
            "default-credentials",
            f"is KubeFATE's published {known!r}; choose another (or opt in with {opt_in})",
        )


def check(
    cfg: KubeFateServerConfig,
    party_namespace: str | None,
    node_ports: tuple[int, int] = (30000, 32767),
    where: KeyPath = ("kubefate",),
) -> list[Problem]:
    """Every problem of the service's config, with key paths under ``where``;
    ``party_namespace`` is the namespace of the stack it is beside, ``node_ports`` the
    cluster's NodePort range."""
    problems = [
        *_secret_problems(
            cfg.password, ("password",), KUBEFATE_PASSWORD, cfg.allowDefaultCredentials, where
        ),
        *_secret_problems(
            cfg.database.password,
            ("database", "password"),
            DATABASE_PASSWORD,
            cfg.allowDefaultCredentials,
            where,
        ),
    ]
    if cfg.rbac.scope == "namespaces" and not rbac_namespaces(cfg, party_namespace):
        need = "scope namespaces needs the namespaces the service deploys into"
        problems.append(Problem((*where, "rbac", "namespaces"), "required", need))
    seen: set[str] = set()
    for index, namespace in enumerate(cfg.rbac.namespaces or []):
        at = (*where, "rbac", "namespaces", index)
        if namespace in seen:
            problems.append(Problem(at, "unique", f"{namespace} is listed twice"))
        seen.add(namespace)
    if cfg.rbac.namespaces and cfg.rbac.scope == "cluster":
        problems.append(
            Problem(
                (*where, "rbac", "namespaces"),
                "no-effect",
                "is only used with rbac.scope namespaces",
            )
        )
    if cfg.namespace == party_namespace and cfg.createNamespace:
        problems.append(
            Problem(
                (*where, "namespace"),
                "namespace",
                f"{cfg.namespace} is the party's own: give the service its own namespace",
            )
        )
    if cfg.nodePort is not None and cfg.serviceType != "NodePort":
        problems.append(
            Problem((*where, "nodePort"), "service-type", "is only used with serviceType NodePort")
        )
    if cfg.networkPolicyEgress and not cfg.networkPolicy:
        problems.append(
            Problem(
                (*where, "networkPolicyEgress"),
                "no-effect",
                "limits egress with NetworkPolicies, and networkPolicy is false (none are "
                "created): turn networkPolicy on, or networkPolicyEgress off",
            )
        )
    low, high = node_ports
    if cfg.nodePort is not None and not low <= cfg.nodePort <= high:
        problems.append(
            Problem(
                (*where, "nodePort"),
                "nodeport-range",
                f"{cfg.nodePort} is outside the cluster's NodePort range {low}-{high}",
            )
        )
    return problems + list(_database_problems(cfg, where))


_MARIADB_ONLY = ("image", "storageClass", "size", "existingClaim", "ephemeral", "resources")
"""Database keys that shape the MariaDB this project deploys, and nothing else."""


def _database_problems(cfg: KubeFateServerConfig, where: KeyPath) -> Iterator[Problem]:
    db = cfg.database
    at = (*where, "database")
    if db.host is not None:
        for key in sorted(set(_MARIADB_ONLY) & db.model_fields_set):
            yield Problem(
                (*at, key),
                "no-effect",
                "only shapes the MariaDB deployed when database.host is not set",
            )
    elif db.existingClaim is not None and db.ephemeral:
        yield Problem(
            (*at, "ephemeral"), "no-effect", "an emptyDir instead of the existing claim: choose one"
        )
    if db.host is None and db.username == "root":
        yield Problem(
            (*at, "username"),
            "database-user",
            "MariaDB's image creates its own root: give the service a user of its own",
        )


class KubeFateStack(Section):
    """A stack that deploys the KubeFATE service alone: ``fate:kubefate`` and nothing else."""

    kubefate: KubeFateServerConfig = Field(description="The KubeFATE service.")


def load(
    raw: Mapping[str, Any], stack: str, secret_paths: Collection[KeyPath] = ()
) -> KubeFateServerConfig:
    """The service's config of a stack that deploys only it; raises :class:`ConfigError`
    listing every problem, never quoting a value under ``secret_paths``."""
    try:
        cfg = KubeFateStack.model_validate(raw).kubefate
    except ValidationError as error:
        secret = {(*("kubefate",), *path) for path in credential_paths(KubeFateServerConfig)}
        raise ConfigError(stack, from_pydantic(error, secret | set(secret_paths), raw)) from None
    problems = check(cfg, None)
    if problems:
        raise ConfigError(stack, problems)
    return cfg


def advisories(cfg: KubeFateServerConfig) -> list[str]:
    """What ``validate`` says of a valid service: an opt-out of a secure default taken."""
    if cfg.rbac.scope != "cluster":
        return []
    return [
        "fate:kubefate.rbac.scope cluster: the service's ClusterRole reads and writes "
        "Secrets and creates Deployments, Services and RoleBindings in every namespace "
        "(cluster-admin in effect); the default, namespaces, grants that in "
        "rbac.namespaces only"
    ]


def standalone(raw: Mapping[str, Any]) -> bool:
    """Whether a stack's ``fate:`` config deploys the KubeFATE service alone (it has
    ``fate:kubefate`` and nothing else)."""
    return set(raw) == {"kubefate"}


def beside(cfg: KubeFateServerConfig, stack_chart_repo: str | None) -> KubeFateServerConfig:
    """The service of a party or exchange stack: it installs from the stack's chart
    repository (a mirror, say) unless told otherwise; a local one it cannot reach."""
    if cfg.chartRepo is None and stack_chart_repo and is_url(stack_chart_repo):
        return cfg.model_copy(update={"chartRepo": stack_chart_repo})
    return cfg


def rbac_namespaces(cfg: KubeFateServerConfig, party_namespace: str | None) -> list[str]:
    """The namespaces a namespaced service may deploy into."""
    if cfg.rbac.namespaces:
        return list(cfg.rbac.namespaces)
    return [party_namespace] if party_namespace else []


def cluster_reads(cfg: KubeFateServerConfig) -> bool:
    if cfg.rbac.clusterReads is not None:
        return cfg.rbac.clusterReads
    return cfg.rbac.scope == "cluster"


def _labels(component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/part-of": "kubefate",
        "app.kubernetes.io/managed-by": "pulumi",
    }


def _meta(name: str, namespace: str | None, component: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": _labels(component)}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def _resources(resources: Resources | None) -> dict[str, Any]:
    return resources.model_dump(exclude_none=True) if resources else DEFAULT_RESOURCES


def _from_secret(key: str) -> dict[str, Any]:
    return {"valueFrom": {"secretKeyRef": {"name": SECRET, "key": key}}}


def rules(cfg: KubeFateServerConfig, scope: str) -> list[Rule]:
    """The rules of the service's ClusterRole (``cluster``), of its Role in each party
    namespace (``namespace``), or of its cluster reads alone (``reads``)."""
    namespaced = [*NAMESPACED_RULES, *(ISTIO_RULES if cfg.rbac.istio else ())]
    reads = list(CLUSTER_READS) if cluster_reads(cfg) else []
    return {"cluster": namespaced + reads, "namespace": namespaced, "reads": reads}[scope]


def _rbac(cfg: KubeFateServerConfig, party_namespace: str | None) -> list[dict[str, Any]]:
    ns = cfg.namespace
    subject = [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": ns}]
    cluster_name = f"kubefate-{ns}"  # one KubeFATE service per namespace: names never clash
    objects: list[dict[str, Any]] = []

    def cluster_role(rules_: list[Rule]) -> None:
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": _meta(cluster_name, None, NAME),
                "rules": [r.manifest() for r in rules_],
            }
        )
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": _meta(cluster_name, None, NAME),
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": cluster_name,
                },
                "subjects": subject,
            }
        )

    if cfg.rbac.scope == "cluster":
        cluster_role(rules(cfg, "cluster"))
        return objects
    for namespace in rbac_namespaces(cfg, party_namespace):
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": _meta(cluster_name, namespace, NAME),
                "rules": [r.manifest() for r in rules(cfg, "namespace")],
            }
        )
        objects.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": _meta(cluster_name, namespace, NAME),
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": cluster_name,
                },
                "subjects": subject,
            }
        )
    if rules(cfg, "reads"):
        cluster_role(rules(cfg, "reads"))
    return objects


def _database(cfg: KubeFateServerConfig) -> list[dict[str, Any]]:
    db, ns = cfg.database, cfg.namespace
    if db.host is not None:
        return []
    objects: list[dict[str, Any]] = []
    if db.ephemeral:
        volume: dict[str, Any] = {"name": "data", "emptyDir": {}}
    else:
        claim = db.existingClaim or f"{DATABASE}-data"
        volume = {"name": "data", "persistentVolumeClaim": {"claimName": claim}}
        if db.existingClaim is None:
            storage = {"requests": {"storage": str(db.size)}}
            spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": storage}
            if db.storageClass is not None:
                spec["storageClassName"] = db.storageClass
            objects.append(
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": _meta(claim, ns, DATABASE),
                    "spec": spec,
                }
            )
    ping = {"exec": {"command": ["mysqladmin", "ping"]}, "periodSeconds": 10, "timeoutSeconds": 5}
    container = {
        "name": DATABASE,
        "image": db.image,
        "imagePullPolicy": cfg.pullPolicy,
        "env": [
            {"name": "MYSQL_DATABASE", "value": db.name},
            # No root password anyone knows: the service logs in as its own user.
            {"name": "MYSQL_RANDOM_ROOT_PASSWORD", "value": "yes"},
            {"name": "MYSQL_USER", **_from_secret("mariadbUsername")},
            {"name": "MYSQL_PASSWORD", **_from_secret("mariadbPassword")},
        ],
        "ports": [{"containerPort": DATABASE_PORT, "name": "mysql"}],
        "resources": _resources(db.resources),
        "volumeMounts": [{"name": "data", "mountPath": "/var/lib/mysql"}],
        "readinessProbe": {**ping, "initialDelaySeconds": 10},
        "livenessProbe": {**ping, "initialDelaySeconds": 60, "periodSeconds": 30},
    }
    objects.append(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": _meta(DATABASE, ns, DATABASE),
            "spec": {
                "replicas": 1,
                "strategy": {"type": "Recreate"},
                "selector": {"matchLabels": {"app.kubernetes.io/name": DATABASE}},
                "template": {
                    "metadata": {"labels": _labels(DATABASE)},
                    # The database needs no Kubernetes API: no token in its pod.
                    "spec": {
                        "automountServiceAccountToken": False,
                        "containers": [container],
                        "volumes": [volume],
                    },
                },
            },
        }
    )
    objects.append(_service(DATABASE, ns, DATABASE_PORT, "ClusterIP", None))
    return objects


def _service(name: str, ns: str, port: int, kind: str, node_port: int | None) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": str(port), "port": port, "targetPort": port, "protocol": "TCP"}
    if node_port is not None:
        entry["nodePort"] = node_port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(name, ns, name),
        "spec": {"type": kind, "ports": [entry], "selector": {"app.kubernetes.io/name": name}},
    }


def database_host(cfg: KubeFateServerConfig) -> str:
    return cfg.database.host or DATABASE


def _server(cfg: KubeFateServerConfig) -> list[dict[str, Any]]:
    ns, db = cfg.namespace, cfg.database
    env = [
        {"name": "FATECLOUD_DB_TYPE", "value": "mysql"},
        {"name": "FATECLOUD_DB_HOST", "value": database_host(cfg)},
        {"name": "FATECLOUD_DB_PORT", "value": str(db.port)},
        {"name": "FATECLOUD_DB_NAME", "value": db.name},
        {"name": "FATECLOUD_DB_USERNAME", **_from_secret("mariadbUsername")},
        {"name": "FATECLOUD_DB_PASSWORD", **_from_secret("mariadbPassword")},
        {"name": "FATECLOUD_REPO_NAME", "value": "kubefate"},
        {"name": "FATECLOUD_REPO_URL", "value": cfg.chartRepo or UPSTREAM_CHART_REPO},
        {"name": "FATECLOUD_USER_USERNAME", **_from_secret("kubefateUsername")},
        {"name": "FATECLOUD_USER_PASSWORD", **_from_secret("kubefatePassword")},
        {"name": "FATECLOUD_SERVER_ADDRESS", "value": "0.0.0.0"},
        {"name": "FATECLOUD_SERVER_PORT", "value": str(PORT)},
        {"name": "FATECLOUD_LOG_LEVEL", "value": cfg.logLevel},
        {"name": "FATECLOUD_LOG_NOCOLOR", "value": "true"},
    ]
    # GET / answers without a login; the port opens once the database is reached.
    http = {"httpGet": {"path": "/", "port": PORT}, "periodSeconds": 10, "timeoutSeconds": 5}
    container = {
        "name": NAME,
        "image": cfg.image,
        "imagePullPolicy": cfg.pullPolicy,
        "env": env,
        "ports": [{"containerPort": PORT, "name": "http"}],
        "resources": _resources(cfg.resources),
        "startupProbe": {**http, "failureThreshold": 30},
        "readinessProbe": http,
        "livenessProbe": {**http, "failureThreshold": 3},
        "securityContext": {"allowPrivilegeEscalation": False},
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(NAME, ns, NAME),
        "spec": {
            # One replica: each process signs its logins with its own random key.
            "replicas": 1,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "template": {
                "metadata": {"labels": _labels(NAME)},
                "spec": {"serviceAccountName": SERVICE_ACCOUNT, "containers": [container]},
            },
        },
    }
    objects = [deployment, _service(NAME, ns, PORT, cfg.serviceType, cfg.nodePort)]
    if cfg.ingress is not None:
        ingress = cfg.ingress
        spec: dict[str, Any] = {
            "ingressClassName": ingress.className,
            "rules": [
                {
                    "host": ingress.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": NAME, "port": {"number": PORT}}},
                            }
                        ]
                    },
                }
            ],
        }
        if ingress.tlsSecret is not None:
            spec["tls"] = [{"hosts": [ingress.host], "secretName": ingress.tlsSecret}]
        metadata = _meta(NAME, ns, NAME)
        # Nothing here waits for an ingress controller to publish an address: a cluster
        # without one would otherwise hold the update until it times out.
        metadata["annotations"] = {**(ingress.annotations or {}), "pulumi.com/skipAwait": "true"}
        objects.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "Ingress",
                "metadata": metadata,
                "spec": spec,
            }
        )
    return objects


def manifests(cfg: KubeFateServerConfig, party_namespace: str | None) -> list[dict[str, Any]]:
    """Every object of the service, in the order they are needed; credentials as
    :class:`Secret` objects (in the Secret's ``stringData`` only)."""
    ns = cfg.namespace
    assert cfg.password is not None and cfg.database.password is not None, "checked first"
    objects: list[dict[str, Any]] = []
    if cfg.createNamespace:
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, None, NAME)})
    objects.append(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(SERVICE_ACCOUNT, ns, NAME)}
    )
    objects += _rbac(cfg, party_namespace)
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": _meta(SECRET, ns, NAME),
            "stringData": {
                "kubefateUsername": cfg.username,
                "kubefatePassword": cfg.password,
                "mariadbUsername": cfg.database.username,
                "mariadbPassword": cfg.database.password,
            },
        }
    )
    return objects + _database(cfg) + _server(cfg) + network_policies(cfg)


def network_policies(cfg: KubeFateServerConfig) -> list[dict[str, Any]]:
    """The service's pods isolated as every stack's are: its own MariaDB answers the
    service's pods only, on its port; the API pod answers its port only (from anywhere:
    the `kubefate` CLI, the ingress controller). Other pods of a shared namespace keep
    their own rules (only the service's pods are selected)."""
    if not cfg.networkPolicy:
        return []

    def policy(name: str, pods: str, port: int, sources: list[dict[str, Any]] | None) -> Any:
        rule: dict[str, Any] = {"ports": [{"protocol": "TCP", "port": port}]}
        if sources is not None:
            rule["from"] = sources
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(name, cfg.namespace, NAME),
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": pods}},
                "policyTypes": ["Ingress"],
                "ingress": [rule],
            },
        }

    policies = [policy(f"{NAME}-api", NAME, PORT, None)]
    if cfg.database.host is None:
        service_pods = [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": NAME}}}]
        policies.append(policy(f"{NAME}-{DATABASE}", DATABASE, DATABASE_PORT, service_pods))
    return policies + egress_policies(cfg)


API_SERVER_PORTS = (443, 6443)
"""Where the Kubernetes API server answers: its Service (``kubernetes.default``, 443) and
the control plane's own port (6443), which is what many network plugins see once the
Service address is translated."""


def _repository_port(url: str) -> int:
    parsed = urlsplit(url)
    return parsed.port or (80 if parsed.scheme == "http" else 443)


def egress_policies(cfg: KubeFateServerConfig) -> list[dict[str, Any]]:
    """With ``networkPolicyEgress``: the API pod connects to its database, DNS, the chart
    repository and the API server; MariaDB to DNS only (it answers, it never dials)."""
    if not (cfg.networkPolicy and cfg.networkPolicyEgress):
        return []
    if cfg.database.host is None:
        database = {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": DATABASE}}}],
            "ports": [{"protocol": "TCP", "port": DATABASE_PORT}],
        }
        out = [database]
    else:
        out = egress.egress_rules([(cfg.database.host, cfg.database.port)])
    ports = sorted({*API_SERVER_PORTS, _repository_port(cfg.chartRepo or UPSTREAM_CHART_REPO)})
    out.append(
        {
            "to": [{"ipBlock": {"cidr": block}} for block in egress.ANY_ADDRESS],
            "ports": [{"protocol": "TCP", "port": port} for port in ports],
        }
    )

    def policy(name: str, pods: str, rules: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _meta(name, cfg.namespace, NAME),
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": pods}},
                "policyTypes": ["Egress"],
                "egress": rules,
            },
        }

    policies = [policy(f"{NAME}-api-egress", NAME, [isolation.dns_egress_rule(), *out])]
    if cfg.database.host is None:
        policies.append(
            policy(f"{NAME}-{DATABASE}-egress", DATABASE, [isolation.dns_egress_rule()])
        )
    return policies


def service_url(cfg: KubeFateServerConfig) -> str:
    """Where the API answers: its Ingress host, else its in-cluster Service."""
    if cfg.ingress is not None:
        scheme = "https" if cfg.ingress.tlsSecret else "http"
        return f"{scheme}://{cfg.ingress.host}"
    return f"http://{NAME}.{cfg.namespace}.svc.cluster.local:{PORT}"


def cli_config(cfg: KubeFateServerConfig, password: str) -> str:
    """The `kubefate` CLI's ``config.yaml`` for this service (it holds the password)."""
    scheme, _, where = service_url(cfg).partition("://")
    return yamlio.dump(
        {
            "log": {"level": "info"},
            "user": {"username": cfg.username, "password": password},
            "serviceurl": where,
            "safeconnect": scheme == "https",
        }
    )


def render(cfg: KubeFateServerConfig, party_namespace: str | None, redact: bool = True) -> str:
    """The service's objects as YAML documents (``fatectl render``); credentials as
    ``[secret]`` when redacted."""
    objects = map_secrets(manifests(cfg, party_namespace), lambda s: s.reveal(redact))
    return "".join(f"---\n{yamlio.dump(o)}" for o in objects)
