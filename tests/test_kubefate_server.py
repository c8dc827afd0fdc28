"""The KubeFATE service (``KubeFateServer``): its objects and their wiring, least-privilege
RBAC, validation, and its credentials as Pulumi secrets (under the SDK's mocks; the real
API server checks the RBAC in tests/e2e)."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest
import yaml
from pydantic import ValidationError

from fate_iac import kubefate_server as service
from fate_iac.config import KubeFateServerConfig
from fate_iac.loader import load_stack_config
from fate_iac.problems import ConfigError
from fate_iac.secrets import Secret
from fate_pulumi.kubefate_server import KubeFateServer, type_token
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, party
from tests.pulumi_mocks import Recorder, engine_config, run_program, run_with_mocks, unwrap_secret

EXAMPLE = PROJECT_DIR / "examples" / "kubefate"
ADMIN = "s3cr3t-admin-pw"
DB = "s3cr3t-db-pw"


def server(**overrides: Any) -> dict[str, Any]:
    """A service config; RBAC of scope cluster, as KubeFATE's manifests have it (the
    default is namespaces: see test_the_default_scope_is_namespaces...)."""
    raw: dict[str, Any] = {
        "password": Secret(ADMIN, True),
        "database": {"password": Secret(DB, True)},
        "rbac": {"scope": "cluster"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return raw


def config(**overrides: Any) -> KubeFateServerConfig:
    return KubeFateServerConfig.model_validate(server(**overrides))


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in by_kind(objects, kind) if o["metadata"]["name"] == name]
    return found


def rules_of(role: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (g, r, v)
        for rule in role["rules"]
        for g in rule["apiGroups"]
        for r in rule["resources"]
        for v in rule["verbs"]
    }


# ------------------------------------------------------------------------------ objects


def test_the_default_service_is_kubefates_set_with_a_persistent_database() -> None:
    objects = service.manifests(config(), None)
    assert [o["kind"] for o in objects] == [
        "Namespace",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "Secret",
        "PersistentVolumeClaim",
        "Deployment",
        "Service",
        "Deployment",
        "Service",
        "NetworkPolicy",
        "NetworkPolicy",
    ]
    assert {o["metadata"].get("namespace") for o in objects} == {None, "kube-fate"}
    claim = one(objects, "PersistentVolumeClaim", "mariadb-data")
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    mariadb = one(objects, "Deployment", "mariadb")["spec"]["template"]["spec"]
    assert mariadb["volumes"] == [
        {"name": "data", "persistentVolumeClaim": {"claimName": "mariadb-data"}}
    ]
    assert mariadb["automountServiceAccountToken"] is False
    env = {e["name"]: e for e in mariadb["containers"][0]["env"]}
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" not in env and env["MYSQL_RANDOM_ROOT_PASSWORD"]["value"]


def test_the_server_reads_its_credentials_from_the_secret() -> None:
    objects = service.manifests(config(), None)
    secret = one(objects, "Secret", "kubefate-secret")
    assert secret["stringData"]["kubefatePassword"] == Secret(ADMIN, True)
    assert secret["stringData"]["mariadbPassword"] == Secret(DB, True)
    pod = one(objects, "Deployment", "kubefate")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == service.SERVICE_ACCOUNT
    env = {e["name"]: e for e in pod["containers"][0]["env"]}
    for name, key in (
        ("FATECLOUD_USER_PASSWORD", "kubefatePassword"),
        ("FATECLOUD_DB_PASSWORD", "mariadbPassword"),
        ("FATECLOUD_DB_USERNAME", "mariadbUsername"),
    ):
        assert env[name] == {
            "name": name,
            "valueFrom": {"secretKeyRef": {"name": "kubefate-secret", "key": key}},
        }
    assert env["FATECLOUD_DB_HOST"]["value"] == "mariadb"
    # no credential anywhere but the Secret
    rest = [o for o in objects if o["kind"] != "Secret"]
    assert ADMIN not in json.dumps(rest, default=str) and DB not in json.dumps(rest, default=str)
    probe = pod["containers"][0]["readinessProbe"]["httpGet"]
    assert probe == {"path": "/", "port": 8080}


def test_the_cluster_role_grants_what_the_service_uses_and_nothing_wider() -> None:
    objects = service.manifests(config(), None)
    role = one(objects, "ClusterRole", "kubefate-kube-fate")
    granted = rules_of(role)
    assert not any("*" in triple for triple in granted)
    assert ("", "namespaces", "create") not in granted  # the service never creates one
    assert ("", "namespaces", "list") in granted and ("", "nodes", "list") in granted
    assert ("", "secrets", "create") in granted  # Helm's release storage
    assert ("apps", "deployments/status", "patch") in granted  # the upgrade manager's Role
    assert ("", "nodes", "delete") not in granted
    assert not any(r == "clusterroles" or r == "clusterrolebindings" for _, r, _ in granted)
    binding = one(objects, "ClusterRoleBinding", "kubefate-kube-fate")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "kubefate-admin", "namespace": "kube-fate"}
    ]


def test_namespaced_rbac_grants_roles_in_the_listed_namespaces_only() -> None:
    cfg = config(rbac={"scope": "namespaces", "namespaces": ["fate-9999", "fate-10000"]})
    objects = service.manifests(cfg, None)
    assert by_kind(objects, "ClusterRole") == []  # no cluster reads unless asked
    roles = by_kind(objects, "Role")
    assert [r["metadata"]["namespace"] for r in roles] == ["fate-9999", "fate-10000"]
    assert ("", "namespaces", "list") not in rules_of(roles[0])
    bindings = by_kind(objects, "RoleBinding")
    for role, binding in zip(roles, bindings, strict=True):
        assert binding["metadata"]["namespace"] == role["metadata"]["namespace"]
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": role["metadata"]["name"],
        }
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "kubefate-admin", "namespace": "kube-fate"}
        ]
    # beside a party, its own namespace is the default
    beside = service.manifests(config(rbac={"scope": "namespaces"}), "fate-9999")
    assert [r["metadata"]["namespace"] for r in by_kind(beside, "Role")] == ["fate-9999"]
    reads = service.manifests(config(rbac={"scope": "namespaces", "clusterReads": True}), "x")
    assert rules_of(one(reads, "ClusterRole", "kubefate-kube-fate")) == {
        ("", "namespaces", "list"),
        ("", "nodes", "list"),
    }
    istio = service.manifests(config(rbac={"istio": True}), None)
    assert ("networking.istio.io", "gateways", "create") in rules_of(
        by_kind(istio, "ClusterRole")[0]
    )


def test_an_external_database_deploys_no_mariadb() -> None:
    cfg = config(database={"host": "db.example.com", "port": 3307, "name": "kf"})
    objects = service.manifests(cfg, None)
    assert not [o for o in objects if o["metadata"]["name"].startswith("mariadb")]
    env = {
        e["name"]: e.get("value")
        for e in one(objects, "Deployment", "kubefate")["spec"]["template"]["spec"]["containers"][
            0
        ]["env"]
    }
    assert (env["FATECLOUD_DB_HOST"], env["FATECLOUD_DB_PORT"], env["FATECLOUD_DB_NAME"]) == (
        "db.example.com",
        "3307",
        "kf",
    )


def test_storage_options() -> None:
    classed = service.manifests(config(database={"storageClass": "fast", "size": "5Gi"}), None)
    spec = one(classed, "PersistentVolumeClaim", "mariadb-data")["spec"]
    assert spec["storageClassName"] == "fast" and spec["resources"]["requests"]["storage"] == "5Gi"
    existing = service.manifests(config(database={"existingClaim": "kept"}), None)
    assert by_kind(existing, "PersistentVolumeClaim") == []
    volumes = one(existing, "Deployment", "mariadb")["spec"]["template"]["spec"]["volumes"]
    assert volumes[0]["persistentVolumeClaim"] == {"claimName": "kept"}
    ephemeral = service.manifests(config(database={"ephemeral": True}), None)
    volumes = one(ephemeral, "Deployment", "mariadb")["spec"]["template"]["spec"]["volumes"]
    assert volumes == [{"name": "data", "emptyDir": {}}]


def test_the_ingress_and_the_cli_config_point_at_the_service() -> None:
    plain = config()
    assert service.service_url(plain) == "http://kubefate.kube-fate.svc.cluster.local:8080"
    cli = yaml.safe_load(service.cli_config(plain, "pw"))
    assert cli == {
        "log": {"level": "info"},
        "user": {"username": "admin", "password": "pw"},
        "serviceurl": "kubefate.kube-fate.svc.cluster.local:8080",
        "safeconnect": False,
    }
    tls = config(ingress={"host": "kubefate.example.com", "tlsSecret": "kubefate-tls"})
    ingress = one(service.manifests(tls, None), "Ingress", "kubefate")
    assert ingress["spec"]["tls"] == [
        {"hosts": ["kubefate.example.com"], "secretName": "kubefate-tls"}
    ]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert service.service_url(tls) == "https://kubefate.example.com"
    cli = yaml.safe_load(service.cli_config(tls, "pw"))
    assert cli["serviceurl"] == "kubefate.example.com" and cli["safeconnect"] is True


# --------------------------------------------------------------------------- validation


def problems(
    cfg: KubeFateServerConfig, party_namespace: str | None = None
) -> list[tuple[Any, ...]]:
    return [(p.path, p.rule) for p in service.check(cfg, party_namespace)]


def test_credentials_are_required_secret_and_not_kubefates() -> None:
    assert problems(config()) == []
    missing = KubeFateServerConfig.model_validate({"rbac": {"scope": "cluster"}})
    assert problems(missing) == [
        (("kubefate", "password"), "required"),
        (("kubefate", "database", "password"), "required"),
    ]
    plaintext = config(password=Secret(ADMIN, False))
    assert problems(plaintext) == [(("kubefate", "password"), "secret")]
    published = config(
        password=Secret("admin", True), database={"password": Secret("kubefate", True)}
    )
    assert problems(published) == [
        (("kubefate", "password"), "default-credentials"),
        (("kubefate", "database", "password"), "default-credentials"),
    ]
    opted_in = config(password=Secret("admin", True), allowDefaultCredentials=True)
    assert problems(opted_in) == []
    with pytest.raises(ValidationError, match="empty or blank"):
        config(password=Secret("", True))


def test_bad_rbac_and_service_settings_are_refused() -> None:
    with pytest.raises(ValidationError, match="'kube-system' is a system namespace"):
        config(namespace="kube-system")
    alone = config(rbac={"scope": "namespaces"})
    assert problems(alone) == [(("kubefate", "rbac", "namespaces"), "required")]
    assert problems(alone, "fate-9999") == []
    with pytest.raises(ValidationError, match="'default' is a system namespace"):
        config(rbac={"scope": "namespaces", "namespaces": ["default"]})
    twice = config(rbac={"scope": "namespaces", "namespaces": ["fate-9999", "fate-9999"]})
    assert problems(twice) == [(("kubefate", "rbac", "namespaces", 1), "unique")]
    listed = config(rbac={"namespaces": ["fate-9999"]})  # scope cluster: they would be ignored
    assert problems(listed) == [(("kubefate", "rbac", "namespaces"), "no-effect")]
    assert problems(config(namespace="fate-9999"), "fate-9999") == [
        (("kubefate", "namespace"), "namespace")
    ]
    assert problems(config(namespace="fate-9999", createNamespace=False), "fate-9999") == []
    far = config(serviceType="NodePort", nodePort=30800)
    assert [(p.path, p.rule) for p in service.check(far, None, (31000, 31999))] == [
        (("kubefate", "nodePort"), "nodeport-range")
    ]
    external = config(database={"host": "db.example.com", "size": "5Gi", "ephemeral": True})
    assert problems(external) == [
        (("kubefate", "database", "ephemeral"), "no-effect"),
        (("kubefate", "database", "size"), "no-effect"),
    ]
    both = config(database={"existingClaim": "kept", "ephemeral": True})
    assert problems(both) == [(("kubefate", "database", "ephemeral"), "no-effect")]
    assert problems(config(database={"username": "root"})) == [
        (("kubefate", "database", "username"), "database-user")
    ]
    with pytest.raises(ValueError):
        config(ingress={"host": ""})
    assert problems(config(nodePort=30800)) == [(("kubefate", "nodePort"), "service-type")]
    assert problems(config(serviceType="NodePort", nodePort=30800)) == []


def test_a_standalone_stack_reports_every_problem_with_key_paths_and_no_secret() -> None:
    raw = {
        "kubefate": {
            "password": Secret(ADMIN, False),
            "rbac": {"scope": "everything"},
            "databse": {},
        },
        "partyName": "x",
    }
    with pytest.raises(ConfigError) as raised:
        service.load(raw, "kubefate")
    report = raised.value.report()
    assert "fate:kubefate.rbac.scope" in report and "fate:kubefate.databse" in report
    assert "fate:partyName" in report and ADMIN not in report


def test_beside_a_party_its_problems_come_with_the_partys() -> None:
    raw = {**party(), "kubefate": {"password": Secret("admin", True)}}
    with pytest.raises(ConfigError) as raised:
        load_stack_config(raw, "party9999")
    rules = {(p.path, p.rule) for p in raised.value.problems}
    assert (("kubefate", "password"), "default-credentials") in rules
    assert (("kubefate", "database", "password"), "required") in rules


# ----------------------------------------------------------------------- Pulumi (mocks)


def test_type_tokens_follow_the_kubernetes_provider() -> None:
    assert type_token({"apiVersion": "v1", "kind": "Secret"}) == "kubernetes:core/v1:Secret"
    assert type_token({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role"}) == (
        "kubernetes:rbac.authorization.k8s.io/v1:Role"
    )


def test_the_standalone_stack_deploys_the_service_with_its_credentials_secret() -> None:
    config_, secret_keys = engine_config(EXAMPLE / "Pulumi.kubefate.yaml", EXAMPLE_PASSPHRASE)
    exported: dict[str, Any] = {}
    recorder = Recorder()

    def program() -> None:
        from fate_pulumi.program import main as program_main

        original = pulumi.export
        pulumi.export = lambda key, value: exported.__setitem__(key, value)  # type: ignore[assignment]
        try:
            program_main()
        finally:
            pulumi.export = original

    run_with_mocks(program, "kubefate", config_, secret_keys, recorder)
    kinds = [r.type for r in recorder.resources if r.type.startswith("kubernetes:")]
    assert "kubernetes:apps/v1:Deployment" in kinds and "kubernetes:helm.sh/v3:Release" not in kinds
    [secret] = recorder.of_type("kubernetes:core/v1:Secret")
    # the credentials make the Secret's data a secret as a whole
    is_secret, data = unwrap_secret(secret.inputs["stringData"])
    assert is_secret and data["kubefateUsername"] == "admin"
    state = json.dumps([r.inputs for r in recorder.resources if r.type != secret.type], default=str)
    assert "kubefate-example-admin" not in state and "kubefate-example-db" not in state
    assert set(exported) == {"kubefate"}


def test_outputs_keep_the_password_and_cli_config_secret() -> None:
    recorder = Recorder()
    seen: dict[str, Any] = {}

    def program() -> None:
        built = KubeFateServer("kubefate", config())
        for key, value in built.outputs().items():
            pulumi.CustomResource("test:index:Sink", f"sink-{key}", {"value": value})
        seen["built"] = built

    run_with_mocks(program, "kubefate", recorder=recorder)
    sinks = {
        r.name.removeprefix("sink-"): r.inputs["value"] for r in recorder.of_type("test:index:Sink")
    }
    assert unwrap_secret(sinks["password"]) == (True, ADMIN)
    is_secret, text = unwrap_secret(sinks["cliConfig"])
    assert is_secret and yaml.safe_load(text)["user"]["password"] == ADMIN
    assert unwrap_secret(sinks["url"]) == (False, service.service_url(config()))


def test_a_party_stack_with_kubefate_deploys_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "party9999")
    config_, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party9999.yaml", EXAMPLE_PASSPHRASE)
    config_["fate:kubefate"] = json.dumps(
        {
            "password": "beside-pw-1",
            "rbac": {"scope": "namespaces"},
            "database": {"password": "beside-db-1"},
        }
    )
    recorder = run_program("party9999", config_, [*secret_keys, "fate:kubefate"])
    assert len(recorder.of_type("kubernetes:helm.sh/v3:Release")) == 1
    [role] = recorder.of_type("kubernetes:rbac.authorization.k8s.io/v1:Role")
    assert role.inputs["metadata"]["namespace"] == "fate-9999"
    assert recorder.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole") == []


# ------------------------------------------------------------------------------ fatectl


def test_fatectl_validates_and_renders_the_standalone_stack(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    assert main(["validate", "--stack", "kubefate", "--project-dir", str(EXAMPLE)]) == 0
    assert "KubeFATE service (KubeFateServer) in namespace kube-fate" in capsys.readouterr().out
    assert main(["render", "--stack", "kubefate", "--project-dir", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    documents = [d for d in yaml.safe_load_all(out) if d]
    assert len(documents) == len(
        service.manifests(
            service.load(
                {
                    "kubefate": {
                        "password": Secret("x", True),
                        "database": {"password": Secret("y", True)},
                        "rbac": {"scope": "cluster"},  # as the example chose
                    }
                },
                "k",
            ),
            None,
        )
    )
    assert "kubefate-example" not in out and "[secret]" in out


def test_the_guides_table_is_the_rbac_the_service_gets() -> None:
    """The KubeFATE service guide's RBAC table says what the code grants, rule by rule."""
    guide = (PROJECT_DIR / "docs" / "kubefate-service.md").read_text()
    table = guide[guide.index("| API group | resources | verbs | why |") :]
    rows = table[: table.index("\n\n")].splitlines()[2:]
    for rule in (*service.NAMESPACED_RULES, *service.ISTIO_RULES, *service.CLUSTER_READS):
        group = rule.groups[0] or "core"
        matching = [
            r
            for r in rows
            if r.startswith(f"| {group}")
            and all(resource in r for resource in rule.resources)
            and all(verb in r for verb in rule.verbs)
        ]
        assert matching, rule


def test_a_beside_service_installs_from_the_stacks_mirror() -> None:
    cfg = config()
    assert (
        service.beside(cfg, "https://mirror.example/charts").chartRepo
        == "https://mirror.example/charts"
    )
    assert service.beside(cfg, "/srv/charts").chartRepo is None  # the service cannot read it
    own = config(chartRepo="https://own.example")
    assert service.beside(own, "https://mirror.example").chartRepo == "https://own.example"
    env = {
        e["name"]: e.get("value")
        for e in one(service.manifests(cfg, None), "Deployment", "kubefate")["spec"]["template"][
            "spec"
        ]["containers"][0]["env"]
    }
    assert env["FATECLOUD_REPO_URL"] == "https://federatedai.github.io/KubeFATE"


def test_a_changed_secret_rolls_the_pods_that_read_it() -> None:
    recorder = Recorder()
    run_with_mocks(lambda: KubeFateServer("kubefate", config()), "kubefate", recorder=recorder)
    for deployment in recorder.of_type("kubernetes:apps/v1:Deployment"):
        annotations = deployment.inputs["spec"]["template"]["metadata"]["annotations"]
        assert "kubefate.fedai.org/secret-version" in annotations


def test_the_default_scope_is_namespaces_and_validate_explains_cluster() -> None:
    """scope cluster is cluster-admin in effect (Secrets and RoleBindings everywhere): an
    opt-in that validate explains; alone, the service needs the namespaces it serves."""
    raw = server()
    del raw["rbac"]
    assert KubeFateServerConfig.model_validate(raw).rbac.scope == "namespaces"
    with pytest.raises(ConfigError, match="scope namespaces needs the namespaces"):
        load_stack_config({"kubefate": raw}, "k")
    scoped = load_stack_config({"kubefate": {**raw, "rbac": {"namespaces": ["fate-9"]}}}, "k")
    assert scoped.notes == []
    wide = load_stack_config({"kubefate": server()}, "k")
    assert any(
        "rbac.scope cluster" in n and "Secrets" in n and "every namespace" in n for n in wide.notes
    )


def test_the_services_namespace_is_isolated_like_every_stacks() -> None:
    """MariaDB answers the service's pods only; the API pod its port only; only the
    service's pods are selected (a shared namespace keeps its other rules)."""
    policies = by_kind(service.manifests(config(), None), "NetworkPolicy")
    specs = {p["metadata"]["name"]: p["spec"] for p in policies}
    assert specs["kubefate-mariadb"] == {
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "mariadb"}},
        "policyTypes": ["Ingress"],
        "ingress": [
            {
                "ports": [{"protocol": "TCP", "port": 3306}],
                "from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "kubefate"}}}],
            }
        ],
    }
    assert specs["kubefate-api"]["ingress"] == [{"ports": [{"protocol": "TCP", "port": 8080}]}]
    external = config(database={"host": "db.example.com", "password": Secret(DB, True)})
    assert [
        p["metadata"]["name"] for p in by_kind(service.manifests(external, None), "NetworkPolicy")
    ] == ["kubefate-api"]
    assert by_kind(service.manifests(config(networkPolicy=False), None), "NetworkPolicy") == []


def test_egress_limits_the_service_to_its_database_dns_charts_and_the_api_server() -> None:
    def specs(cfg: KubeFateServerConfig) -> dict[str, Any]:
        policies = by_kind(service.manifests(cfg, None), "NetworkPolicy")
        return {p["metadata"]["name"]: p["spec"] for p in policies}

    assert not any("Egress" in s["policyTypes"] for s in specs(config()).values())
    dns = {
        "to": [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                },
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    found = specs(config(networkPolicyEgress=True, chartRepo="http://charts.example.org:8088"))
    api = found["kubefate-api-egress"]
    assert api["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "kubefate"}}
    assert api["policyTypes"] == ["Egress"]
    assert api["egress"] == [
        dns,
        {
            "to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "mariadb"}}}],
            "ports": [{"protocol": "TCP", "port": 3306}],
        },
        {  # the API server and the chart repository: names, or addresses unknown here
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}],
            "ports": [
                {"protocol": "TCP", "port": 443},
                {"protocol": "TCP", "port": 6443},
                {"protocol": "TCP", "port": 8088},
            ],
        },
    ]
    assert found["kubefate-mariadb-egress"]["egress"] == [dns]  # it answers, never dials
    # An external database at an address: that address alone, on its port.
    external = config(
        networkPolicyEgress=True,
        database={"host": "10.3.0.7", "port": 3307, "password": Secret(DB, True)},
    )
    outside = specs(external)
    assert "kubefate-mariadb-egress" not in outside
    assert outside["kubefate-api-egress"]["egress"][1] == {
        "to": [{"ipBlock": {"cidr": "10.3.0.7/32"}}],
        "ports": [{"protocol": "TCP", "port": 3307}],
    }


def test_egress_without_its_policies_is_refused() -> None:
    (problem,) = service.check(config(networkPolicy=False, networkPolicyEgress=True), "fate-9999")
    assert (problem.path, problem.rule) == (("kubefate", "networkPolicyEgress"), "no-effect")
    assert "networkPolicy is false" in problem.message
