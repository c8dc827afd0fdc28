"""FateEggrollCluster under Pulumi's mocks: the resources it registers and its outputs."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from fate_iac.charts import ChartSourceError
from fate_iac.config import PartyConfig
from fate_iac.loader import load_party_config
from fate_pulumi import FateEggrollCluster
from tests.conftest import party
from tests.pulumi_mocks import Recorder, run_with_mocks, unwrap_secret

REPO = "https://federatedai.github.io/KubeFATE"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"


def config(**overrides: Any) -> PartyConfig:
    return load_party_config(party(**overrides), "party10000").config


def build(cfg: PartyConfig, source: str = REPO, outputs: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    def body() -> Any:
        cluster = FateEggrollCluster(cfg.release_name, cfg, None, source)

        def keep(values: list[Any]) -> None:
            if outputs is not None:
                outputs.update(
                    zip(
                        ["federation", "fateflow", "fateboard", "notebook", "release", "namespace"],
                        values,
                        strict=True,
                    )
                )

        return pulumi.Output.all(
            cluster.federation_endpoint,
            cluster.fateflow,
            cluster.fateboard_hosts,
            cluster.notebook_hosts,
            cluster.release_name,
            cluster.namespace,
        ).apply(keep)

    return run_with_mocks(body, "party10000")


def test_registers_a_labelled_namespace_and_a_pinned_release() -> None:
    recorder = build(config())
    component = recorder.one("fate:index:FateEggrollCluster")
    assert component.name == "fate-10000"
    namespace = recorder.one(NAMESPACE)
    assert namespace.name == "fate-10000-namespace"
    assert namespace.inputs["metadata"]["name"] == "fate-10000"
    assert namespace.inputs["metadata"]["labels"]["fate.fedai.org/party-id"] == "10000"
    release = recorder.one(RELEASE).inputs
    assert release["name"] == "fate-10000" and release["namespace"] == "fate-10000"
    assert release["chart"] == "fate" and release["version"] == "v1.11.2"
    assert release["repositoryOpts"] == {"repo": "https://federatedai.github.io/KubeFATE"}
    assert release["createNamespace"] is False and release["allowNullValues"] is True
    assert (release["timeout"], release["atomic"], release["maxHistory"]) == (900, False, 10)


def test_release_values_carry_credentials_as_secrets() -> None:
    release = build(config()).one(RELEASE).inputs
    secret, values = unwrap_secret(release["values"])
    assert secret
    assert values["modules"]["mysql"]["password"] == "s3cret-mysql"
    assert values["modules"]["rollsite"]["nodePort"] == 30101


def test_keys_kubefate_leaves_empty_reach_helm_as_empty_strings() -> None:
    release = build(config(nodemanager={"replicas": 3})).one(RELEASE).inputs
    _, values = unwrap_secret(release["values"])
    assert values["exchange"] == ""
    assert values["modules"]["nodemanager"]["sessionProcessorsPerNode"] == ""
    assert "valueYamlFiles" not in release


def test_local_chart_is_installed_from_its_path(tmp_path: Any) -> None:
    archive = tmp_path / "fate-v1.11.2.tgz"
    archive.write_bytes(b"")  # only its path reaches the release
    release = build(config(), str(archive)).one(RELEASE).inputs
    assert release["chart"] == str(archive)
    assert "repositoryOpts" not in release


def test_existing_namespace_is_used_not_created() -> None:
    recorder = build(config(createNamespace=False))
    assert recorder.of_type(NAMESPACE) == []
    assert recorder.one(RELEASE).inputs["namespace"] == "fate-10000"


def test_release_options_come_from_config() -> None:
    cfg = config(release={"timeout": 120, "skipAwait": True, "atomic": True})
    release = build(cfg).one(RELEASE).inputs
    assert (release["timeout"], release["skipAwait"], release["atomic"]) == (120, True, True)


def test_the_release_is_registered_as_the_sdk_class_registers_it() -> None:
    """The program registers the Release without importing ``pulumi_kubernetes``'
    generated class (its import costs every update a fifth of a second): the inputs the
    engine gets are the class's, so no stack sees a diff."""
    import re

    import pulumi_kubernetes as k8s

    from fate_iac.charts import merge_values
    from fate_iac.kinds import kind_of
    from fate_iac.release import release_options
    from fate_iac.values import map_secrets
    from fate_pulumi.release import as_pulumi_secret, install_release

    cfg = config(release={"timeout": 120, "skipAwait": True})
    [spec] = kind_of(cfg).releases(cfg, REPO)
    options = release_options(cfg, spec)
    snake = {re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower(): value for key, value in options.items()}

    def body() -> None:
        parent = pulumi.ComponentResource("test:index:Parent", "parent")
        install_release(parent, "ours", options, spec.values, {}, [])
        merged = merge_values(map_secrets(spec.values, as_pulumi_secret), {})
        k8s.helm.v3.Release(
            "sdk",
            k8s.helm.v3.ReleaseArgs(**snake, values=merged),
            opts=pulumi.ResourceOptions(parent=parent),
        )

    recorder = run_with_mocks(body, "party10000")
    ours, sdk = recorder.of_type(RELEASE)
    assert ours.inputs == sdk.inputs


def test_outputs_describe_the_party() -> None:
    outputs: dict[str, Any] = {}
    build(
        config(ingress={"fateboard": {"hosts": [{"name": "board.party10000.example"}]}}),
        outputs=outputs,
    )
    assert outputs["federation"] == {"host": "192.168.10.1", "port": 30101}
    assert outputs["fateflow"] == {
        "http": {"host": "192.168.10.1", "port": 30107},
        "grpc": {"host": "192.168.10.1", "port": 30102},
    }
    assert outputs["fateboard"] == ["board.party10000.example"]
    assert outputs["notebook"] == ["notebook.example.com"]
    assert (outputs["release"], outputs["namespace"]) == ("fate-10000", "fate-10000")


def test_cluster_ip_party_offers_in_cluster_endpoints() -> None:
    outputs: dict[str, Any] = {}
    build(config(rollsite={"type": "ClusterIP"}, python={"type": "ClusterIP"}), outputs=outputs)
    assert outputs["federation"] == {
        "host": "rollsite.fate-10000.svc.cluster.local",
        "port": 9370,
    }
    assert outputs["fateflow"]["http"] == {
        "host": "fateflow-client.fate-10000.svc.cluster.local",
        "port": 9380,
    }


def test_a_chart_that_cannot_be_found_registers_nothing(tmp_path: Any) -> None:
    recorder = Recorder()
    with pytest.raises(ChartSourceError, match="neither a chart repository URL"):
        run_with_mocks(
            lambda: FateEggrollCluster("p", config(), None, str(tmp_path / "nowhere")),
            "party10000",
            recorder=recorder,
        )
    assert recorder.resources == []
