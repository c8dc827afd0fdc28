"""Which namespaces belong to the cluster itself: no FATE object goes there."""

import pytest

from fate_iac.cluster import KUBEFATE_NAMESPACE, infrastructure_namespace


@pytest.mark.parametrize(
    "name",
    ["kube-system", "default", "kube-flannel", "kube-ovn", "openshift-ingress", "calico-system"],
)
def test_the_cluster_s_own_namespaces_are_named_with_the_reason(name: str) -> None:
    assert infrastructure_namespace(name)


@pytest.mark.parametrize("name", ["fate-9999", "fate-exchange", "kubefate", "my-kube-x"])
def test_a_namespace_of_its_own_is_not_the_cluster_s(name: str) -> None:
    assert infrastructure_namespace(name) is None


def test_kube_fate_is_reserved_by_the_prefix_rule_but_is_kubefates_own() -> None:
    assert infrastructure_namespace(KUBEFATE_NAMESPACE) == "reserved for the cluster (kube-*)"
