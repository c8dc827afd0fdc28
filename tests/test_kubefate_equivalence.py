"""Same intent, same objects: KubeFATE's own pipeline against this project's.

KubeFATE's pipeline is the chart's values-template.yaml executed over a cluster.yaml,
then the chart rendered with those values. Ours is import, validate, render_values, and
the same chart. Both run through the same Helm engine, on the real chart packages.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from fate_iac.charts import resolve_chart
from fate_iac.kubefate import import_cluster_yaml, kubefate_render
from fate_iac.loader import load_party_config, load_stack_config
from fate_iac.postrender import MYSQL_ROOT, post_render_object
from fate_iac.problems import ConfigError
from fate_iac.render import render_stack
from fate_iac.secrets import Secret
from tests.conftest import FIXTURES, example

pytestmark = pytest.mark.chart

Key = tuple[str, str]


def by_name(objects: list[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}


def ours(
    document: dict[str, Any],
    charts: str,
    chart_version: str | None = None,
    edit: Callable[[dict[str, Any]], None] = lambda raw: None,
) -> dict[Key, Any]:
    imported = import_cluster_yaml(document, chart_version)
    assert not imported.problems
    raw = imported.config_with_credentials()
    edit(raw)
    raw["allowDefaultCredentials"] = True  # the examples rely on the charts' defaults
    # ... and most publish their notebook without a password: accepted by this project's
    # opt-out, a key of its own that changes no object.
    if not isinstance((raw.get("client") or {}).get("notebook_hashed_password"), Secret):
        raw["allowNotebookWithoutPassword"] = True
    cfg = load_party_config(raw, "equivalence").config
    [release] = render_stack(cfg, charts, redact=False)
    return by_name(release.objects())


def theirs(document: dict[str, Any], charts: str, deliberate: bool = True) -> dict[Key, Any]:
    """KubeFATE's objects for ``document``; with ``deliberate``, for the document a
    KubeFATE user would write to get this project's deliberate differences, and with
    the one no document gives (MySQL's root password, made by the post-renderer) made
    in their objects (each also tested on its own, below)."""
    chart = resolve_chart("fate", document["chartVersion"], charts)
    from fate_iac.charts import chart_archive

    if deliberate:
        document = with_deliberate_differences(document)
    objects = [m.object for m in kubefate_render(document, chart_archive(chart))]
    if deliberate:
        for obj in objects:
            post_render_object(obj, {MYSQL_ROOT})
    return by_name(objects)


def with_deliberate_differences(document: dict[str, Any]) -> dict[str, Any]:
    """A Spark party's nginx without an exchange gets a blank default route here, where
    KubeFATE leaves the chart's example address: a KubeFATE user writes it so."""
    document = copy.deepcopy(document)
    if "nginx" in (document.get("modules") or []):
        nginx = document.get("nginx") or {}
        if not nginx.get("exchange"):
            document["nginx"] = {**nginx, "exchange": {"ip": "", "httpPort": "", "grpcPort": ""}}
    return document


def assert_same_objects(expected: dict[Key, Any], actual: dict[Key, Any]) -> None:
    assert sorted(actual) == sorted(expected)
    for key, obj in expected.items():
        if actual[key] != obj:
            diff = difflib.unified_diff(
                yaml.safe_dump(obj).splitlines(),
                yaml.safe_dump(actual[key]).splitlines(),
                "kubefate",
                "fate-iac",
                lineterm="",
            )
            pytest.fail(f"{key} differs:\n" + "\n".join(diff))


EGGROLL_EXAMPLES = [
    "v1.11.2/cluster.yaml",
    "v1.11.2/party-9999/cluster.yaml",
    "v1.11.2/party-10000/cluster.yaml",
    "v1.11.2/party-9999/cluster-gpu.yaml",
    "v1.11.2/party-10000/cluster-gpu.yaml",
]


@pytest.mark.parametrize("relative", EGGROLL_EXAMPLES)
def test_kubefate_examples_render_the_same_objects(relative: str, charts: str) -> None:
    document = yaml.safe_load(example(relative).read_text())
    expected = theirs(document, charts)
    assert len(expected) > 20
    assert_same_objects(expected, ours(document, charts))


SPARK_EXAMPLES = [
    "v1.11.2/cluster-spark-pulsar.yaml",
    "v1.11.2/cluster-spark-rabbitmq.yaml",
    "v1.11.2/cluster-spark-slim.yaml",
    *(
        f"v1.11.2/{party}/cluster-spark-{flavour}.yaml"
        for party in ("party-9999", "party-10000")
        for flavour in ("pulsar", "rabbitmq", "local-pulsar")
    ),
]


@pytest.mark.parametrize("relative", SPARK_EXAMPLES)
def test_kubefate_spark_examples_render_the_same_objects(relative: str, charts: str) -> None:
    document = yaml.safe_load(example(relative).read_text())
    expected = theirs(document, charts)
    assert ("ConfigMap", "nginx-config") in expected
    assert_same_objects(expected, ours(document, charts))


@pytest.mark.parametrize("fixture", ["kubefate-full-spark-pulsar", "kubefate-full-spark-rabbitmq"])
def test_every_spark_key_renders_the_same_objects(fixture: str, charts: str) -> None:
    document = yaml.safe_load((FIXTURES / f"{fixture}.yaml").read_text())
    expected = theirs(document, charts)
    assert_same_objects(expected, ours(document, charts))
    # The fixture does reach the chart: its less common keys show in the objects.
    if fixture.endswith("pulsar"):
        routes = expected[("ConfigMap", "pulsar-route-table")]["data"]["pulsar_route_table.yaml"]
        assert "fate.example.org" in routes and "30109" in routes
        assert expected[("Deployment", "spark-worker")]["spec"]["replicas"] == 3
        assert ("Service", "pulsar-public-tls") in expected
        driver = expected[("Service", "fateflow-sparkdriver")]["spec"]["ports"]
        assert len(driver) == 8 and driver[0]["port"] == 40000
    else:
        routes = expected[("ConfigMap", "rabbitmq-route-table")]["data"]
        assert "30094" in routes["rabbitmq_route_table.yaml"]


@pytest.mark.parametrize("version", ["v1.9.0", "v1.10.0", "v1.11.1"])
def test_older_supported_charts_render_the_same_spark_objects(version: str, charts: str) -> None:
    for relative in ("v1.11.2/party-10000/cluster-spark-pulsar.yaml",):
        document = yaml.safe_load(example(relative).read_text())
        document["chartVersion"] = version
        assert_same_objects(theirs(document, charts), ours(document, charts))
    document = yaml.safe_load((FIXTURES / "kubefate-full-spark-rabbitmq.yaml").read_text())
    document["chartVersion"] = version
    assert_same_objects(theirs(document, charts), ours(document, charts))


def test_spark_peers_given_as_records_render_kubefate_hand_written_routes(charts: str) -> None:
    """party-9999's Spark-with-Pulsar cluster.yaml types party 10000's nginx and pulsar
    addresses into two route tables; the same peer given as a federation record (as its
    FateSparkCluster stack publishes it) renders the same objects."""
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster-spark-pulsar.yaml").read_text())

    def as_record(raw: dict[str, Any]) -> None:
        nginx = raw["nginx"].pop("route_table")[10000]["fateflow"][0]
        pulsar = raw["pulsar"].pop("route_table")[10000]
        raw["peers"] = [
            {
                "partyId": 10000,
                "protocols": ["spark-pulsar"],
                "endpoints": {
                    "nginxHttp": {"host": nginx["host"], "port": nginx["http_port"]},
                    "nginxGrpc": {"host": nginx["host"], "port": nginx["grpc_port"]},
                    "pulsar": {
                        "host": pulsar["host"],
                        "port": pulsar["port"],
                        "tlsPort": pulsar["sslPort"],
                        "domain": "fate.org",
                    },
                },
            }
        ]

    expected = theirs(document, charts)
    assert (
        "30109" in expected[("ConfigMap", "pulsar-route-table")]["data"]["pulsar_route_table.yaml"]
    )
    assert_same_objects(expected, ours(document, charts, edit=as_record))


def test_every_eggroll_key_renders_the_same_objects(charts: str) -> None:
    document = yaml.safe_load((FIXTURES / "kubefate-full-eggroll.yaml").read_text())
    expected = theirs(document, charts)
    assert_same_objects(expected, ours(document, charts))
    # The fixture does reach the chart: its less common keys show in the objects.
    rollsite = expected[("ConfigMap", "rollsite-config")]["data"]["route_table.json"]
    assert '"8888"' in rollsite and '"ip": "192.168.0.1"' in rollsite
    assert expected[("StatefulSet", "nodemanager")]["spec"]["replicas"] == 3
    # ... its notebook's password too (a credential: taken out on import, put back as a
    # secret), which needs no opt-out.
    notebook = expected[("StatefulSet", "client")]["spec"]["template"]["spec"]["containers"][0]
    hashed = {
        "name": "NOTEBOOK_HASHED_PASSWORD",
        "value": document["client"]["notebook_hashed_password"],
    }
    assert hashed in notebook["env"]


def test_a_peer_given_as_a_record_renders_kubefate_hand_written_party_list(charts: str) -> None:
    """party-9999's cluster.yaml types party 10000's address into partyList; the same
    peer given as a federation record (as its stack publishes it) renders the same."""
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster.yaml").read_text())

    def as_record(raw: dict[str, Any]) -> None:
        [entry] = raw["rollsite"].pop("partyList")
        endpoint = {"host": entry["partyIp"], "port": entry["partyPort"]}
        raw["peers"] = [{"partyId": entry["partyId"], "endpoints": {"rollsite": endpoint}}]

    expected = theirs(document, charts)
    assert '"10000"' in expected[("ConfigMap", "rollsite-config")]["data"]["route_table.json"]
    assert_same_objects(expected, ours(document, charts, edit=as_record))


@pytest.mark.parametrize("party", ["party-9999", "party-10000"])
def test_v1_5_files_upgrade_to_the_same_objects(party: str, charts: str) -> None:
    """A v1.5 cluster.yaml imported with --chart-version v1.11.2 deploys what KubeFATE
    deploys for its v1.11 spelling (backend -> computing/federation/storage)."""
    legacy = yaml.safe_load(example(f"v1.5.0/{party}/cluster.yaml").read_text())
    modern = {k: v for k, v in legacy.items() if k != "backend"}
    modern.update(
        chartVersion="v1.11.2", computing="Eggroll", federation="Eggroll", storage="Eggroll"
    )
    assert_same_objects(theirs(modern, charts), ours(legacy, charts, "v1.11.2"))


@pytest.mark.parametrize("version", ["v1.9.0", "v1.10.0", "v1.11.1"])
def test_older_supported_charts_render_the_same_objects(version: str, charts: str) -> None:
    document = yaml.safe_load(example("v1.11.2/party-10000/cluster.yaml").read_text())
    document["chartVersion"] = version
    assert_same_objects(theirs(document, charts), ours(document, charts))


def test_deliberate_difference_missing_computing(charts: str) -> None:
    """KubeFATE writes computing: null when cluster.yaml omits it, and the chart then
    fails to render (fateflow's config lowercases the engine name); this project defaults
    to Eggroll and renders the party."""
    import helm_python as helm

    document = yaml.safe_load(example("v1.11.2/party-10000/cluster.yaml").read_text())
    for key in ("computing", "federation", "storage"):
        document.pop(key)
    with pytest.raises(helm.HelmRenderError, match="lower"):
        theirs(document, charts)
    conf = ours(document, charts)[("ConfigMap", "python-config")]["data"]["service_conf.yaml"]
    assert "computing: eggroll" in conf


def test_deliberate_difference_no_example_exchange_for_spark_nginx(charts: str) -> None:
    """KubeFATE's nginx sends the traffic of any party it has no route for to the chart's
    example exchange (192.168.10.1:30003, party 10000's address in KubeFATE's examples);
    here that default route is blank until an exchange is given."""
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster-spark-pulsar.yaml").read_text())
    kubefate = theirs(document, charts, deliberate=False)
    default = yaml.safe_load(kubefate[("ConfigMap", "nginx-config")]["data"]["route_table.yaml"])
    assert default["default"]["proxy"][0]["host"] == "192.168.10.1"
    table = ours(document, charts)[("ConfigMap", "nginx-config")]["data"]["route_table.yaml"]
    assert yaml.safe_load(table)["default"]["proxy"] == [
        {"host": None, "http_port": None, "grpc_port": None}
    ]


def test_deliberate_difference_strings_stay_strings(charts: str) -> None:
    """KubeFATE's template prints most values unquoted and reads its output back as
    YAML, so a string such as a Pulsar tenant "0123" reaches the chart as the number 83;
    here a value reaches the chart as it was written."""
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster-spark-pulsar.yaml").read_text())
    document["python"]["pulsar"] = {
        "host": "pulsar",
        "port": 6650,
        "mng_port": 8080,
        "tenant": "0123",
    }

    def tenant(objects: dict[Key, Any]) -> str:
        conf: str = objects[("ConfigMap", "python-config")]["data"]["service_conf.yaml"]
        return next(line.split()[1] for line in conf.splitlines() if "tenant:" in line)

    assert tenant(theirs(document, charts)) == "83"
    assert tenant(ours(document, charts)) == "0123"


def test_deliberate_difference_hdfs_section_without_namenode(charts: str) -> None:
    """KubeFATE's template fails on an hdfs section that leaves out namenode (or
    datanode); this project renders the missing node with the template's defaults."""
    import helm_python as helm

    document = yaml.safe_load(example("v1.11.2/party-9999/cluster-spark-pulsar.yaml").read_text())
    document["hdfs"] = {"datanode": {"replicas": 2}}
    with pytest.raises(helm.HelmRenderError, match="namenode"):
        theirs(document, charts)
    objects = ours(document, charts)
    assert objects[("StatefulSet", "datanode")]["spec"]["replicas"] == 2
    assert ("Service", "namenode") in objects


# --- FATE-Serving: the fate-serving chart --------------------------------------------------

SERVING_EXAMPLES = [
    "v1.11.2/cluster-serving.yaml",
    "v1.11.2/party-9999/cluster-serving.yaml",
    "v1.11.2/party-10000/cluster-serving.yaml",
    "v2.0.0/cluster-serving.yaml",
    "v2.0.0/party-9999/cluster-serving.yaml",
    "v2.0.0/party-10000/cluster-serving.yaml",
]


def serving_ours(document: dict[str, Any], charts: str) -> dict[Key, Any]:
    imported = import_cluster_yaml(document)
    assert imported.serving and not imported.problems
    raw = imported.config_with_credentials()
    raw["fate-serving"]["allowDefaultCredentials"] = True  # the examples rely on them
    fateflow = {"ip": "fateflow.fate-9999", "port": 9380}  # a serving-only stack names it
    server = raw["fate-serving"].setdefault("servingServer", {})
    server.setdefault("fateflow", fateflow)
    cfg = load_stack_config(raw, "equivalence").config
    [release] = render_stack(cfg, charts, redact=False)
    return by_name(release.objects())


def serving_theirs(document: dict[str, Any], charts: str) -> dict[Key, Any]:
    """KubeFATE's objects for the document a KubeFATE user writes to get this project's
    deliberate differences: a fateflow address (a serving-only stack must name it); a
    proxy without an exchange routing to itself, not to the chart's example exchange
    192.168.0.1:30100; and cacheSwitch read from cacheSwitch (the template reads
    cacheType, so `cacheType: redis` switched the cache off)."""
    from fate_iac.charts import chart_archive

    document = copy.deepcopy(document)
    server = document.setdefault("servingServer", {})
    server.setdefault("fateflow", {"ip": "fateflow.fate-9999", "port": 9380})
    # Without the section the chart's NodePort 30109 stays; the user writes it down.
    proxy = document.setdefault("servingProxy", {"type": "NodePort", "nodePort": 30109})
    proxy.setdefault("exchange", {"ip": "serving-proxy", "port": 8869})
    chart = resolve_chart("fate-serving", document["chartVersion"], charts)
    objects = by_name([m.object for m in kubefate_render(document, chart_archive(chart))])
    cache = str(server.get("cacheSwitch", False)).lower()
    switch = f"remoteModelInferenceResultCacheSwitch={cache}"
    config = objects[("ConfigMap", "serving-server-config")]["data"]
    for name, text in config.items():
        lines = text.split("\n")
        config[name] = "\n".join(
            switch if line.startswith("remoteModelInferenceResultCacheSwitch=") else line
            for line in lines
        )
    return objects


@pytest.mark.parametrize("relative", SERVING_EXAMPLES)
def test_kubefate_serving_examples_render_the_same_objects(relative: str, charts: str) -> None:
    document = yaml.safe_load(example(relative).read_text())
    expected = serving_theirs(document, charts)
    assert ("Deployment", "serving-proxy") in expected
    assert_same_objects(expected, serving_ours(document, charts))


@pytest.mark.parametrize("version", ["v2.0.4", "v2.1.5", "v2.1.6"])
def test_every_serving_key_renders_the_same_objects(version: str, charts: str) -> None:
    document = yaml.safe_load((FIXTURES / "kubefate-full-serving.yaml").read_text())
    document["chartVersion"] = version
    if version == "v2.0.4":  # keys that chart does not read, refused here on it
        for key in ("ingressClassName", "ingress"):
            document.pop(key)
        for key in ("loadBalancerIP",):
            document["servingProxy"].pop(key)
            document["servingServer"].pop(key)
        for key in ("cacheSwitch", "cacheType", "singleAdaptor", "batchAdaptor", "AdapterURL"):
            document["servingServer"].pop(key)
    else:
        document["servingProxy"].pop("ingressHost")
    if version == "v2.1.6":  # its template has no imageTag (a deliberate difference, below)
        document.pop("imageTag")
    expected = serving_theirs(document, charts)
    assert_same_objects(expected, serving_ours(document, charts))
    # The fixture does reach the chart: its less common keys show in the objects.
    routes = expected[("ConfigMap", "serving-proxy-config")]["data"]["route_table.json"]
    assert '"8888"' in routes and "192.168.0.8" in routes
    server = expected[("ConfigMap", "serving-server-config")]["data"]
    assert "redis.ip=10.0.0.6" in server["serving-server.properties"]


def test_v1_5_serving_files_are_refused_with_the_reason_or_converted(charts: str) -> None:
    """The v2.0.0 chart writes example routes (party 9999 at 192.168.9.1) whenever
    servingProxy is not set: not rendered here, and said so; imported onto a later chart,
    v1.5's `ingerssHost` (sic) becomes the proxy's ingress host."""
    document = yaml.safe_load(example("v1.5.0/party-9999/cluster-serving.yaml").read_text())
    [problem] = import_cluster_yaml(document).problems
    assert problem.path == ("fate-serving", "chartVersion")
    assert "v2.0.0 (KubeFATE v1.5's) is not rendered" in problem.message
    assert "--chart-version v2.1.6" in problem.message

    converted = import_cluster_yaml(document, "v2.1.6")
    assert not converted.problems
    assert any(
        "ingerssHost" in note and "ingress.servingProxy.hosts" in note for note in converted.notes
    )
    raw = converted.config_with_credentials()
    raw["fate-serving"]["allowDefaultCredentials"] = True
    cfg = load_stack_config(raw, "old").config
    [release] = render_stack(cfg, charts, redact=False)
    objects = by_name(release.objects())
    [rule] = objects[("Ingress", "serving-proxy")]["spec"]["rules"]
    assert rule["host"] == "9999.serving-proxy.kubefate.net"


def test_deliberate_difference_serving_image_tag_on_v2_1_6(charts: str) -> None:
    """KubeFATE's v2.1.6 template dropped imageTag; here it still sets the images."""
    document = yaml.safe_load(example("v1.11.2/cluster-serving.yaml").read_text())
    objects = serving_ours({**document, "imageTag": "2.1.6-patched"}, charts)
    images = [
        c["image"]
        for c in objects[("Deployment", "serving-proxy")]["spec"]["template"]["spec"]["containers"]
    ]
    assert images == ["federatedai/serving-proxy:2.1.6-patched"]


# --- FATE 2.0: the fate chart v2.0.0 -------------------------------------------------------

FATE2_EXAMPLES = [
    "v2.0.0/cluster.yaml",
    "v2.0.0/cluster-spark-pulsar.yaml",
    "v2.0.0/cluster-spark-rabbitmq.yaml",
    "v2.0.0/cluster-spark-slim.yaml",
    *(
        f"v2.0.0/{party}/cluster-spark-{flavour}.yaml"
        for party in ("party-9999", "party-10000")
        for flavour in ("pulsar", "rabbitmq", "local-pulsar")
    ),
]


@pytest.mark.parametrize("relative", FATE2_EXAMPLES)
def test_kubefate_fate2_examples_render_the_same_objects(relative: str, charts: str) -> None:
    document = yaml.safe_load(example(relative).read_text())
    expected = theirs(document, charts)
    assert ("ConfigMap", "osx-config" if "spark" not in relative else "nginx-config") in expected
    assert_same_objects(expected, ours(document, charts))


@pytest.mark.parametrize("party", ["party-9999", "party-10000"])
@pytest.mark.parametrize("flavour", ["cluster", "cluster-gpu"])
def test_kubefate_stale_fate2_eggroll_examples_are_rewritten_on_import(
    party: str, flavour: str
) -> None:
    """KubeFATE's v2.0.0 party examples on eggroll are its v1.11.2 files with the version
    bumped: rollsite and federation Eggroll, which the 2.0 chart and fateflow 2.0 cannot
    run (no gateway would be deployed). Imported, they become osx, as a v1.11.2 file
    imported at v2.0.0 does; written so in a stack file, they are refused, each with what
    to write instead."""
    document = yaml.safe_load(example(f"v2.0.0/{party}/{flavour}.yaml").read_text())
    imported = import_cluster_yaml(document)
    raw = imported.config_with_credentials()
    assert "rollsite" not in raw and raw["federation"] == "OSX" and "osx" in raw["modules"]
    assert any("fate:rollsite becomes osx" in note for note in imported.notes)
    opt_ins = {"allowDefaultCredentials": True, "allowNotebookWithoutPassword": True}
    load_stack_config({**raw, **opt_ins}, party)
    stale = {k: v for k, v in raw.items() if k != "osx"}
    stale |= {"rollsite": raw["osx"], "federation": "Eggroll"}
    stale["modules"] = ["rollsite" if m == "osx" else m for m in raw["modules"]]
    with pytest.raises(ConfigError) as caught:
        load_stack_config({**stale, **opt_ins}, party)
    rules = {(p.path, p.rule) for p in caught.value.problems}
    assert (("rollsite",), "chart-version") in rules
    assert (("federation",), "modules") in rules
    assert "write the osx section" in str(caught.value)


@pytest.mark.parametrize("fixture", ["kubefate-full-osx", "kubefate-full-spark-pulsar"])
def test_every_fate2_key_renders_the_same_objects(fixture: str, charts: str) -> None:
    document = yaml.safe_load((FIXTURES / f"{fixture}.yaml").read_text())
    if fixture.endswith("spark-pulsar"):  # the Spark fixture, on FATE 2.0's keys
        document = fate2_spark(document)
    expected = theirs(document, charts)
    assert_same_objects(expected, ours(document, charts))
    # The fixture does reach the chart: its less common keys show in the objects.
    images = {
        c["image"]
        for o in expected.values()
        if o["kind"] in ("Deployment", "StatefulSet")
        for c in o["spec"]["template"]["spec"]["containers"]
    }
    if fixture.endswith("osx"):
        routes = json.loads(expected[("ConfigMap", "osx-config")]["data"]["route_table.json"])
        assert routes["route_table"]["8888"]["default"] == [{"ip": "192.168.0.8", "port": 30081}]
        assert "registry.example.com/fate/osx:2.0.0-patched" in images
    else:
        assert "registry.example.com/fate/spark-worker-all-gpu:2.0.0-w" in images
        # The chart's quirk: hdfs.image is the namenode's and the datanodes' image alike.
        namenode = expected[("StatefulSet", "namenode")]["spec"]["template"]["spec"]
        assert namenode["containers"][0]["image"] == (
            "registry.example.com/fate/hadoop-datanode:3.3-custom"
        )


def fate2_spark(document: dict[str, Any]) -> dict[str, Any]:
    """The full-key Spark fixture as a FATE 2.0 file: chart v2.0.0, a registry ending in
    /, each module's own image where 1.x had a global tag and spark's Image/ImageTag."""
    document = copy.deepcopy(document)
    document.update(chartVersion="v2.0.0", registry="registry.example.com/fate/")
    document.pop("imageTag", None)
    for role, tag in (("master", "2.0.0-m"), ("worker", "2.0.0-w")):
        node = document["spark"][role]
        node.pop("Image", None)
        node.pop("ImageTag", None)
        node.update(image=f"spark-{role}", imageTag=tag)
    document["hdfs"].update(image="hadoop-datanode", imageTag="3.3-custom")
    document["python"].update(image="fateflow", imageTag="2.0.0-flow")
    document["pulsar"].update(image="pulsar", imageTag="2.10.3")
    return document


def test_deliberate_difference_tls_keeps_the_plaintext_gateway_inside(charts: str) -> None:
    """With rollsite's enableTLS, KubeFATE keeps the plaintext rollsite Service of
    rollsite's type (a NodePort here); this project makes it ClusterIP, peers reaching
    Service rollsite-tls; tls.publishPlaintext gives KubeFATE's Service back."""
    document = yaml.safe_load(example("v1.11.2/party-10000/cluster.yaml").read_text())
    # no hand-typed routes (a TLS route needs its peer's CA, which partyList cannot carry)
    document["rollsite"] = {**document["rollsite"], "enableTLS": True, "partyList": []}
    kubefate = theirs(document, charts)[("Service", "rollsite")]
    assert kubefate["spec"]["type"] == "NodePort"

    def tls(publish: bool) -> Callable[[dict[str, Any]], None]:
        def edit(raw: dict[str, Any]) -> None:
            raw["tls"] = {"nodePort": 30108, "publishPlaintext": publish}

        return edit

    withheld = ours(document, charts, edit=tls(False))[("Service", "rollsite")]
    assert withheld["spec"]["type"] == "ClusterIP"
    assert all("nodePort" not in p for p in withheld["spec"]["ports"])
    assert ours(document, charts, edit=tls(True))[("Service", "rollsite")] == kubefate


@pytest.mark.parametrize(
    "relative", ["v1.11.2/party-10000/cluster.yaml", "v2.0.0/party-9999/cluster-spark-pulsar.yaml"]
)
def test_deliberate_difference_mysql_root_has_a_generated_password(
    relative: str, charts: str
) -> None:
    """KubeFATE's mysql lets root in without a password (MYSQL_ALLOW_EMPTY_PASSWORD);
    here root's password comes from Secret mysql-root (the program generates it), by
    reference: no object holds it. Nothing else of the object differs, and
    allowEmptyMysqlRootPassword gives KubeFATE's object back."""
    document = yaml.safe_load(example(relative).read_text())
    kubefate = theirs(document, charts, deliberate=False)[("StatefulSet", "mysql")]
    [their_container] = kubefate["spec"]["template"]["spec"]["containers"]
    assert {"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "1"} in their_container["env"]

    hardened = ours(document, charts)[("StatefulSet", "mysql")]
    [container] = hardened["spec"]["template"]["spec"]["containers"]
    reference = {"secretKeyRef": {"name": "mysql-root", "key": "password"}}
    assert {"name": "MYSQL_ROOT_PASSWORD", "valueFrom": reference} in container["env"]
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" not in [e["name"] for e in container["env"]]
    theirs_env = [e for e in their_container["env"] if e["name"] != "MYSQL_ALLOW_EMPTY_PASSWORD"]
    ours_env = [e for e in container["env"] if e["name"] != "MYSQL_ROOT_PASSWORD"]
    assert ours_env == theirs_env
    assert {**container, "env": None} == {**their_container, "env": None}
    spec = {**hardened["spec"], "template": None}
    assert spec == {**kubefate["spec"], "template": None}

    def opt_out(raw: dict[str, Any]) -> None:
        raw["allowEmptyMysqlRootPassword"] = True

    assert ours(document, charts, edit=opt_out)[("StatefulSet", "mysql")] == kubefate
