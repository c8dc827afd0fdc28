"""Where each stack deploys, as the provider reads its config, and clashes checked per
cluster by what the cluster is (API server and CA), never by a context's name."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest
import yaml

from fate_iac.cluster_target import ClusterTarget, stack_target
from fate_iac.orchestrator import discover
from fate_iac.problems import FederationError
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR

STACKS = ("Pulumi.yaml", "Pulumi.exchange.yaml", "Pulumi.party9999.yaml", "Pulumi.party10000.yaml")


def kubeconfig(server: str, ca: str, context: str = "org") -> str:
    data = base64.b64encode(ca.encode()).decode()
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "c", "cluster": {"server": server, "certificate-authority-data": data}}
            ],
            "users": [{"name": "u", "user": {"token": "t"}}],
            "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
            "current-context": context,
        }
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in STACKS:
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return tmp_path


def point(project: Path, stack: str, **config: object) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text())
    document["config"].update({f"kubernetes:{k}": v for k, v in config.items()})
    path.write_text(yaml.safe_dump(document))


def same_namespace(project: Path) -> None:
    """party10000 in party9999's namespace: a clash on one cluster, none on two."""
    path = project / "Pulumi.party10000.yaml"
    document = yaml.safe_load(path.read_text())
    document["config"]["fate:namespace"] = "fate-9999"
    path.write_text(yaml.safe_dump(document))


def test_a_stack_names_its_cluster_by_path_or_content(project: Path) -> None:
    (project / "kube").mkdir()
    (project / "kube" / "y.yaml").write_text(kubeconfig("https://y.example:6443", "CA-Y", "y"))
    point(project, "party9999", kubeconfig="kube/y.yaml", context="y")
    target = stack_target(project / "Pulumi.party9999.yaml", "party9999")
    assert target.kubeconfig == str(project / "kube" / "y.yaml")  # the project's, as a run's
    assert target.cluster() == ("https://y.example:6443", "CA-Y")
    assert target.where() == f"context y of kubeconfig {project}/kube/y.yaml (stack config)"
    point(project, "party10000", kubeconfig=kubeconfig("https://z.example:6443", "CA-Z"))
    content = stack_target(project / "Pulumi.party10000.yaml", "party10000")
    assert content.cluster() == ("https://z.example:6443", "CA-Z")
    assert "kubeconfig given in kubernetes:kubeconfig" in content.where()
    assert "CA-Z" not in content.where()


def test_two_clusters_do_not_clash_and_one_cluster_under_two_names_does(
    project: Path, tmp_path: Path
) -> None:
    same_namespace(project)
    y, z = tmp_path / "y.yaml", tmp_path / "z.yaml"
    y.write_text(kubeconfig("https://y.example:6443", "CA-Y", "prod"))
    z.write_text(kubeconfig("https://z.example:6443", "CA-Z", "prod"))  # the same name
    point(project, "party9999", kubeconfig=str(y))
    point(project, "party10000", kubeconfig=str(z))
    members = discover(project, EXAMPLE_PASSPHRASE)
    assert members["party9999"].cluster != members["party10000"].cluster
    # One cluster, reached through two contexts of two names: the namespace clashes.
    z.write_text(kubeconfig("https://y.example:6443", "CA-Y", "other-name"))
    with pytest.raises(FederationError) as error:
        discover(project, EXAMPLE_PASSPHRASE)
    assert "stacks party10000 and party9999: both use namespace fate-9999" in str(error.value)
    # An API server of the same address with another CA is another cluster.
    z.write_text(kubeconfig("https://y.example:6443", "CA-OTHER", "prod"))
    discover(project, EXAMPLE_PASSPHRASE)


def test_a_secret_kubeconfig_is_opened_with_the_passphrase(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fate_iac.secrets import Decrypter

    document = yaml.safe_load((project / "Pulumi.party9999.yaml").read_text())
    sealed = Decrypter(EXAMPLE_PASSPHRASE, document["encryptionsalt"]).encrypt(
        kubeconfig("https://secret.example:6443", "CA-S")
    )
    point(project, "party9999", kubeconfig={"secure": sealed})
    target = stack_target(project / "Pulumi.party9999.yaml", "party9999", EXAMPLE_PASSPHRASE)
    assert target.cluster() == ("https://secret.example:6443", "CA-S")


def test_validate_says_where_a_stack_deploys(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["validate", "-s", "party9999", "--project-dir", str(project)])
    assert (
        "stack party9999: deploys to the ambient kubeconfig's current context "
        "(no kubernetes:kubeconfig or context)"
    ) in capsys.readouterr().out
    point(project, "party9999", context="org-y")
    main(["validate", "-s", "party9999", "--project-dir", str(project)])
    out = capsys.readouterr().out
    assert "deploys to context org-y of the ambient kubeconfig (stack config)" in out


def test_kubeconfig_and_context_override_a_run() -> None:
    target = ClusterTarget("/a/kubeconfig", "a", "stack config")
    assert target.overridden(None, None) is target
    assert target.overridden(None, "b") == ClusterTarget(
        "/a/kubeconfig", "b", "--kubeconfig/--context"
    )
    moved = target.overridden("/b/kubeconfig", None)
    assert (moved.kubeconfig, moved.context) == ("/b/kubeconfig", None)
