"""The kinds' hooks (:mod:`fate_iac.kinds`): what each kind says of itself, which every
command and the program ask instead of asking which kind a config is."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac import kubefate_server
from fate_iac.config import ExchangeConfig, KubeFateServerConfig, PartyConfig
from fate_iac.kinds import (
    EGGROLL,
    EXCHANGE,
    KINDS,
    KUBEFATE,
    SERVING,
    SPARK,
    kind_for,
    kind_of,
    kind_tag,
    parts,
)
from fate_iac.loader import load_party_config, load_stack, load_stack_config
from fate_iac.postrender import MYSQL_ROOT, TLS
from fate_iac.problems import ConfigError
from fate_iac.tls import CERTS_SECRET
from fate_pulumi.program import BUILDERS
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, party

SERVING_EXAMPLE = PROJECT_DIR / "examples" / "serving"


def service_alone() -> Any:
    return load_stack(PROJECT_DIR / "examples" / "kubefate", "kubefate", EXAMPLE_PASSPHRASE)


def exchange(**overrides: Any) -> ExchangeConfig:
    raw = {"chartName": "fate-exchange", "publicHost": "192.168.0.1", **overrides}
    return ExchangeConfig.model_validate(raw)


def test_every_kind_has_a_tag_of_its_own_and_a_way_the_program_deploys_it() -> None:
    assert list(KINDS) == ["eggroll", "spark", "exchange", "serving", "kubefate"]
    assert all(kind.tag == tag for tag, kind in KINDS.items())
    assert {kind.component for kind in KINDS.values()} <= set(BUILDERS)


def test_the_kubefate_kind_loads_a_stack_with_only_the_service() -> None:
    loaded = service_alone()
    assert loaded.kind is KUBEFATE and loaded.kind.component == "KubeFateServer"
    assert isinstance(loaded.config, KubeFateServerConfig)
    assert loaded.config.namespace == "kube-fate"
    assert [n.split(":")[1] for n in loaded.notes] == ["kubefate.rbac.scope cluster"]  # its choice
    # It installs no chart and is no member of the federation.
    assert not KUBEFATE.charted and not KUBEFATE.federates
    assert KUBEFATE.releases(loaded.config, "unused") == []


def test_only_the_service_alone_is_the_kubefate_kind() -> None:
    assert kind_tag({"kubefate": {}}) == "kubefate"
    assert kind_tag({"kubefate": {}, "partyId": 9999}) == "eggroll"  # the service beside
    with pytest.raises(ConfigError, match="kubefate"):
        load_stack_config({"kubefate": {"rbac": {"scope": "nowhere"}}}, "kubefate")


def test_the_kubefate_kind_says_in_one_line_where_the_service_answers() -> None:
    cfg = service_alone().config
    url = kubefate_server.service_url(cfg)
    assert KUBEFATE.summary_lines(cfg) == [
        f"ok: KubeFATE service (KubeFateServer) in namespace kube-fate, RBAC scope cluster, "
        f"at {url}"
    ]
    assert KUBEFATE.summary(cfg) == {
        "kind": "kubefate",
        "component": "KubeFateServer",
        "namespace": "kube-fate",
    }
    assert list(KUBEFATE.chartless_documents(cfg, redact=True)) == ["kubefate"]


def test_commands_with_nothing_to_do_for_a_kind_say_why() -> None:
    assert "describe covers party and exchange stacks" in str(
        KUBEFATE.unsupported("describe", "kubefate")
    )
    assert "`pulumi preview --diff`" in str(KUBEFATE.unsupported("diff", "kubefate"))
    assert KUBEFATE.unsupported("render", "kubefate") is None
    assert kind_for(party(), "p").unsupported("describe", "p") is None


def test_a_party_summary_names_its_serving_cluster_beside_it() -> None:
    cfg: PartyConfig = load_stack(SERVING_EXAMPLE, "party9999", EXAMPLE_PASSPHRASE).config
    [(own, training), (beside, serving)] = parts(cfg)
    assert (own, beside) == (EGGROLL, SERVING) and training is cfg
    summary = EGGROLL.summary(cfg)
    assert summary["serving"] == {
        "release": serving.release_name,
        "namespace": serving.k8s_namespace,
        "chartVersion": serving.chartVersion,
    }
    lines = EGGROLL.summary_lines(cfg)
    assert lines[0].startswith("ok: party 9999 (FateEggrollCluster), release ")
    assert lines[1].startswith("beside it: serving cluster (FateServing), release ")
    plain = load_party_config(party(), "party10000").config
    assert EGGROLL.summary(plain)["serving"] is None and len(EGGROLL.summary_lines(plain)) == 1


def test_the_cross_stack_facts_of_each_kind() -> None:
    cfg = load_stack(SERVING_EXAMPLE, "party9999", EXAMPLE_PASSPHRASE).config
    serving = cfg.servingCluster
    assert EGGROLL.trains and SPARK.trains and not SERVING.trains and not EXCHANGE.trains
    assert EGGROLL.clusters(cfg) == [(cfg, False), (serving, True)]
    assert EGGROLL.serves(cfg) and SERVING.serves(serving)
    assert EGGROLL.peers(cfg, serving=True) == serving.peer_stacks
    assert EGGROLL.peers(cfg, serving=False) == cfg.peer_stacks
    plain = load_party_config(party(), "party10000").config
    assert not EGGROLL.serves(plain) and EGGROLL.peers(plain, serving=True) == []


def test_a_party_and_an_exchange_issue_what_their_charts_mount() -> None:
    plain = PartyConfig.model_validate(party())
    assert kind_of(plain).issuing(plain) is None  # no TLS: nothing to issue
    tls_party = PartyConfig.model_validate(
        party(rollsite={**party()["rollsite"], "enableTLS": True})
    )
    issued = kind_of(tls_party).issuing(tls_party)
    assert issued is not None and (issued.party_id, issued.role) == (10000, "party")
    assert [m.secret for m in issued.mounted] == [CERTS_SECRET]
    assert issued.service is not None
    assert kind_of(tls_party).post_render_fixes(tls_party) == {TLS, MYSQL_ROOT}
    proxy = exchange(modules=["trafficServer", "nginx"], trafficServer={"type": "NodePort"})
    issued = EXCHANGE.issuing(proxy)
    assert issued is not None and issued.role == "exchange" and issued.service is None
    assert [m.secret for m in issued.mounted] == ["traffic-server-cert"]
    assert not EXCHANGE.post_render_fixes(proxy)


def test_only_the_party_kinds_track_upgrades() -> None:
    cfg = PartyConfig.model_validate(party(chartVersion="v1.11.2"))
    assert EGGROLL.tracks_upgrades and SPARK.tracks_upgrades
    assert not EXCHANGE.tracks_upgrades and not SERVING.tracks_upgrades
    [refusal] = EGGROLL.upgrade_refusals(cfg, "v1.11.3")
    assert refusal.path == ("chartVersion",) and "downgrades are refused" in refusal.message
    assert EGGROLL.upgrade_refusals(cfg, "v1.11.2") == []
    step = EGGROLL.upgrade_step(cfg, "v1.10.0")
    assert step is not None and step.objects[-1]["kind"] == "Job"
    assert step.timeout == cfg.upgradeManager.timeout
    assert EGGROLL.upgrade_step(cfg, None) is None  # a fresh install migrates nothing
    assert EXCHANGE.upgrade_refusals(exchange(), "v1.11.3") == []


def test_type_errors_and_rule_problems_are_reported_together() -> None:
    """A key of the wrong type does not hide the other keys' rule problems: the rules
    run on the rest; what they would say of (or because of) the broken key is left out."""
    raw = party(fateboard={"username": "board", "password": "plaintext"}, rollsite=30101)
    with pytest.raises(ConfigError) as caught:
        load_party_config(raw, "party10000")
    found = {(p.path, p.rule) for p in caught.value.problems}
    assert found == {(("rollsite",), "type"), (("fateboard", "password"), "secret")}


def test_rules_wait_while_a_key_every_rule_reads_is_broken() -> None:
    raw = party(fateboard={"username": "board", "password": "plaintext"}, modules="rollsite")
    with pytest.raises(ConfigError) as caught:
        load_party_config(raw, "party10000")
    assert [(p.path, p.rule) for p in caught.value.problems] == [(("modules",), "type")]
