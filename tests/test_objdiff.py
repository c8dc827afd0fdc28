"""fatectl diff: what an upgrade does to each Kubernetes object, and what was edited by
hand in the cluster since the last apply."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from fate_iac.objdiff import (
    Drift,
    FieldChange,
    ObjectKey,
    diff_objects,
    drift_json,
    drift_lines,
    field_changes,
    live_drift,
    object_key,
)

NS = "fate-9999"
PASSWORD = "fate_dev_pw"  # a credential the stack knows, to be masked wherever it appears

ROUTES_V1 = json.dumps(
    {
        "route_table": {
            "9999": {"default": [{"ip": "python", "port": 9360}]},
            "10000": {"default": [{"ip": "192.168.0.2", "port": 30101}]},
        },
        "permission": {"default_allow": True},
    },
    indent=2,
)


def meta(name: str, chart: str = "fate-v1.10.0", **extra: Any) -> dict[str, Any]:
    return {"name": name, "labels": {"helm.sh/chart": chart, "fateMoudle": name}, **extra}


def statefulset(
    image: str = "federatedai/python:1.10.0", chart: str = "fate-v1.10.0"
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta("python", chart),
        "spec": {
            "replicas": 1,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "python",
                            "image": image,
                            "ports": [{"name": "http", "containerPort": 9380}],
                            "resources": {"requests": {"memory": "1Gi", "cpu": 0.5}},
                        },
                        {"name": "fateboard", "image": "federatedai/fateboard:1.10.0"},
                    ]
                }
            },
        },
    }


def configmap(routes: str = ROUTES_V1, chart: str = "fate-v1.10.0") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta("rollsite-config", chart),
        "data": {"route_table.json": routes, "enabled": "true"},
    }


def service(chart: str = "fate-v1.10.0") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("fateflow", chart),
        "spec": {"ports": [{"name": "grpc", "port": 9360, "targetPort": 9360}]},
    }


def secret(password: str, chart: str = "fate-v1.10.0") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta("mysql-secret", chart),
        "stringData": {"MYSQL_PASSWORD": password, "MYSQL_USER": "fate"},
    }


def chart_objects(chart: str = "fate-v1.10.0") -> list[dict[str, Any]]:
    return [statefulset(chart=chart), configmap(chart=chart), service(chart=chart)]


def rendered(text: list[str]) -> str:
    return "\n".join(text)


def squeezed(lines: list[str]) -> list[str]:
    """The lines without blanks, as one reads a diff of indented JSON."""
    return [line.replace(" ", "") for line in lines]


# --- diff between two renderings --------------------------------------------------------


def test_added_removed_and_changed_objects_are_told_apart() -> None:
    old = [statefulset(), service()]
    new = [statefulset(image="federatedai/python:1.11.2"), configmap()]
    diff = diff_objects(old, new, default_namespace=NS)
    assert diff.added == (("ConfigMap", NS, "rollsite-config"),)
    assert diff.removed == (("Service", NS, "fateflow"),)
    assert [c.key for c in diff.changed] == [("StatefulSet", NS, "python")]
    assert diff.summary() == "+1 ~1 -1 objects"
    assert not diff.empty
    lines = diff.lines()
    assert f"+ ConfigMap {NS}/rollsite-config" in lines
    assert f"- Service {NS}/fateflow" in lines
    assert f"~ StatefulSet {NS}/python" in lines
    assert diff.as_json()["added"] == [
        {"kind": "ConfigMap", "namespace": NS, "name": "rollsite-config"}
    ]


def test_a_container_image_change_is_found_by_container_name_not_position() -> None:
    old = statefulset()
    new = statefulset(image="federatedai/python:1.11.2")
    new["spec"]["template"]["spec"]["containers"].reverse()  # order alone is no change
    (change,) = diff_objects([old], [new]).changed
    assert change.fields == (
        FieldChange(
            "spec.template.spec.containers[name=python].image",
            "federatedai/python:1.10.0",
            "federatedai/python:1.11.2",
        ),
    )
    assert change.fields[0].lines() == [
        "spec.template.spec.containers[name=python].image: "
        "federatedai/python:1.10.0 -> federatedai/python:1.11.2"
    ]


def test_a_container_added_to_a_pod_is_one_change_with_the_whole_container() -> None:
    new = statefulset()
    sidecar = {"name": "proxy", "image": "nginx:1.25"}
    new["spec"]["template"]["spec"]["containers"].append(sidecar)
    (change,) = diff_objects([statefulset()], [new]).changed
    assert change.fields == (
        FieldChange("spec.template.spec.containers[name=proxy]", None, sidecar),
    )


def test_a_multi_line_config_change_is_shown_as_a_unified_diff_of_its_lines() -> None:
    edited = ROUTES_V1.replace('"192.168.0.2"', '"192.168.0.9"')
    (change,) = diff_objects([configmap()], [configmap(edited)]).changed
    (field,) = change.fields
    assert field.path == 'data["route_table.json"]'
    assert field.lines() == [  # where, and one line of context: not the whole file
        'data["route_table.json"]:',
        "  @@ -13,3 +13,3 @@",
        "           {",
        '  -          "ip": "192.168.0.2",',
        '  +          "ip": "192.168.0.9",',
        '             "port": 30101',
    ]


def test_a_long_text_diff_is_capped_and_says_how_much_was_left_out() -> None:
    old = "\n".join(f"line {i}" for i in range(100))
    new = "\n".join(f"line {i} edited" for i in range(100))
    lines = FieldChange('data["service_conf.yaml"]', old, new).lines()
    assert len(lines) <= 45
    assert lines[-1].strip().startswith("...") and lines[-1].endswith("more lines")


def test_keys_with_dots_or_slashes_are_quoted_in_paths() -> None:
    changes = field_changes(
        {"metadata": {"labels": {"helm.sh/chart": "a"}}, "data": {"a_b-1": "x"}},
        {"metadata": {"labels": {"helm.sh/chart": "b"}}, "data": {"a_b-1": "y"}},
    )
    assert [c.path for c in changes] == ['metadata.labels["helm.sh/chart"]', "data.a_b-1"]


def test_unnamed_lists_compare_item_by_item_and_whole_when_their_length_changes() -> None:
    before = {"args": ["--port", "9380"], "command": ["python"], "port": 9380}
    after = {"args": ["--port", "9381"], "command": ["python", "-u"], "port": "9380"}
    assert field_changes(before, after) == [
        FieldChange("args[1]", "9380", "9381"),
        FieldChange("command", ["python"], ["python", "-u"]),
        FieldChange("port", 9380, "9380"),  # in a manifest, a number becoming text is a change
    ]


def test_a_secrets_values_never_appear_only_which_keys_changed() -> None:
    old = secret("old-password-123")
    new = secret("new-password-456")
    new["stringData"]["MYSQL_ROOT"] = "root-password-789"
    diff = diff_objects([old], [new])
    report = rendered(diff.lines()) + json.dumps(diff.as_json())
    for value in ("old-password-123", "new-password-456", "root-password-789"):
        assert value not in report
    (change,) = diff.changed
    assert change.fields == (
        FieldChange("stringData.MYSQL_PASSWORD", "(secret)", "(secret, changed)"),
        FieldChange("stringData.MYSQL_ROOT", None, "(secret)"),
    )


def test_a_known_credential_in_a_config_text_is_masked_in_lines_json_and_diff_lines() -> None:
    old = configmap(f"user: fate\npassword: {PASSWORD}\nhost: mysql\n")
    new = configmap(f"user: fate\npassword: {PASSWORD}\nhost: mysql-0\n")
    new["data"]["dsn"] = f"mysql://fate:{PASSWORD}@mysql:3306/eggroll"
    diff = diff_objects([old], [new], secrets=[PASSWORD, ""])
    report = rendered(diff.lines()) + json.dumps(diff.as_json())
    assert PASSWORD not in report
    assert "mysql://fate:[secret]@mysql:3306/eggroll" in report
    assert "  +host: mysql-0" in report  # the diff itself is still there
    assert "password: [secret]" in report  # as context, masked


def test_a_change_of_a_masked_credential_alone_is_still_reported() -> None:
    old = configmap(f"password: {PASSWORD}\n")
    new = configmap("password: rotated_pw\n")
    diff = diff_objects([old], [new], secrets=[PASSWORD, "rotated_pw"])
    (change,) = diff.changed
    (field,) = change.fields
    assert field.after == "(secret, changed)"
    report = rendered(diff.lines())
    assert PASSWORD not in report and "rotated_pw" not in report
    assert 'data["route_table.json"]' in report


def test_a_chart_bump_label_is_said_once_and_every_changed_object_is_still_named() -> None:
    old = chart_objects("fate-v1.10.0")
    new = chart_objects("fate-v1.11.2")
    new[0] = statefulset(image="federatedai/python:1.11.2", chart="fate-v1.11.2")
    lines = diff_objects(old, new, default_namespace=NS).lines()
    label = 'metadata.labels["helm.sh/chart"]: fate-v1.10.0 -> fate-v1.11.2'
    assert lines[0] == f"on every changed object: {label}"
    assert sum(label in line for line in lines) == 1
    assert lines[1:] == [
        f"~ ConfigMap {NS}/rollsite-config",
        f"~ Service {NS}/fateflow",
        f"~ StatefulSet {NS}/python",
        "  spec.template.spec.containers[name=python].image: "
        "federatedai/python:1.10.0 -> federatedai/python:1.11.2",
    ]


def test_a_change_on_only_some_objects_is_not_collapsed() -> None:
    old = chart_objects()
    new = chart_objects()
    new[1]["metadata"]["labels"]["helm.sh/chart"] = "fate-v1.11.2"
    new[2]["metadata"]["labels"]["helm.sh/chart"] = "fate-v1.11.2"
    new[2]["spec"]["ports"][0]["port"] = 9361
    lines = diff_objects(old, new).lines()
    assert lines[0].startswith("on every changed object:")
    new[0]["spec"]["replicas"] = 2  # now the label is not on every changed object
    lines = diff_objects(old, new).lines()
    assert not any(line.startswith("on every changed object") for line in lines)
    assert sum('["helm.sh/chart"]' in line for line in lines) == 2


def test_identical_sets_in_any_order_make_no_diff() -> None:
    diff = diff_objects(chart_objects(), list(reversed(chart_objects())))
    assert diff.empty
    assert diff.summary() == "+0 ~0 -0 objects"
    assert diff.lines() == []
    assert diff.as_json() == {"added": [], "removed": [], "changed": []}


def test_objects_without_a_namespace_land_in_the_default_one() -> None:
    explicit = service()
    explicit["metadata"]["namespace"] = NS
    assert object_key(service(), default_namespace=NS) == ("Service", NS, "fateflow")
    assert object_key(explicit) == ("Service", NS, "fateflow")
    role = {"kind": "ClusterRole", "metadata": {"name": "kubefate"}}
    assert object_key(role, default_namespace=NS) == ("ClusterRole", "", "kubefate")
    diff = diff_objects([service()], [explicit], default_namespace=NS)
    assert not diff.added and not diff.removed


# --- drift of live objects against what was applied -------------------------------------


def as_live(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API server returns it: defaults, status and bookkeeping added."""
    live = copy.deepcopy(obj)
    live["metadata"].update(
        namespace=NS,
        uid="0b8c",
        resourceVersion="4711",
        generation=3,
        creationTimestamp="2026-11-28T18:30:01Z",
        managedFields=[{"manager": "helm"}],
        annotations={"deployment.kubernetes.io/revision": "2", "meta.helm.sh/release-name": "f"},
    )
    live["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "Helm"
    live["status"] = {"replicas": 1, "readyReplicas": 1}
    return live


def live_of(objects: list[dict[str, Any]]) -> dict[ObjectKey, dict[str, Any]]:
    return {object_key(o, NS): as_live(o) for o in objects}


def test_what_the_server_adds_or_drops_is_not_drift() -> None:
    applied = [*chart_objects(), secret(PASSWORD)]
    live = live_of(applied)
    # as some charts render them: empty settings, which the server does not keep, and a status
    applied[0]["spec"]["template"]["spec"].update(nodeSelector={}, tolerations=[], hostname="")
    applied[0]["status"] = {"replicas": 0}
    pod = live[("StatefulSet", NS, "python")]
    pod["spec"].update(serviceName="python", podManagementPolicy="OrderedReady")
    container = pod["spec"]["template"]["spec"]["containers"][0]
    container.update(imagePullPolicy="IfNotPresent", terminationMessagePath="/dev/termination-log")
    container["ports"][0]["protocol"] = "TCP"
    live[("Service", NS, "fateflow")]["spec"]["clusterIP"] = "10.96.0.12"
    mysql = live[("Secret", NS, "mysql-secret")]
    string_data = mysql.pop("stringData")
    mysql["data"] = {k: base64.b64encode(v.encode()).decode() for k, v in string_data.items()}
    assert live_drift(applied, live, default_namespace=NS) == []


def test_equal_amounts_written_differently_are_not_drift() -> None:
    applied = [statefulset(), configmap()]
    live = live_of(applied)
    pod = live[("StatefulSet", NS, "python")]
    python = pod["spec"]["template"]["spec"]["containers"][0]
    python["resources"] = {"requests": {"memory": "1024Mi", "cpu": "500m"}}
    python["ports"][0]["containerPort"] = "9380"
    pod["spec"]["replicas"] = "1"
    applied[1]["data"]["enabled"] = True  # a YAML boolean against the string the server keeps
    assert live_drift(applied, live, default_namespace=NS) == []


def test_a_deployment_scaled_by_hand_is_drift() -> None:
    applied = [statefulset()]
    live = live_of(applied)
    live[("StatefulSet", NS, "python")]["spec"]["replicas"] = 3
    drifts = live_drift(applied, live, default_namespace=NS)
    assert drifts == [
        Drift(("StatefulSet", NS, "python"), "changed", (FieldChange("spec.replicas", 1, 3),))
    ]
    assert drift_lines(drifts) == [f"~ StatefulSet {NS}/python: spec.replicas: 1 -> 3"]
    assert drift_json(drifts) == [
        {
            "kind": "StatefulSet",
            "namespace": NS,
            "name": "python",
            "state": "changed",
            "fields": [{"path": "spec.replicas", "applied": 1, "live": 3}],
        }
    ]


def test_a_different_quantity_is_drift() -> None:
    applied = [statefulset()]
    live = live_of(applied)
    pod = live[("StatefulSet", NS, "python")]
    pod["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["memory"] = "2Gi"
    (drift,) = live_drift(applied, live, default_namespace=NS)
    path = "spec.template.spec.containers[name=python].resources.requests.memory"
    assert drift.fields == (FieldChange(path, "1Gi", "2Gi"),)


def test_a_config_map_edited_by_hand_is_drift_with_its_lines() -> None:
    applied = [configmap()]
    live = live_of(applied)
    edited = ROUTES_V1.replace("30101", "30109")
    live[("ConfigMap", NS, "rollsite-config")]["data"]["route_table.json"] = edited
    drifts = live_drift(applied, live, default_namespace=NS)
    (drift,) = drifts
    assert [f.path for f in drift.fields] == ['data["route_table.json"]']
    lines = drift_lines(drifts)
    assert lines[0] == f'~ ConfigMap {NS}/rollsite-config: data["route_table.json"]:'
    assert '-"port":30101' in squeezed(lines)
    assert '+"port":30109' in squeezed(lines)


def test_an_object_deleted_by_hand_is_drift() -> None:
    applied = chart_objects()
    live: dict[ObjectKey, dict[str, Any] | None] = {**live_of(applied)}
    live[("Service", NS, "fateflow")] = None
    drifts = live_drift(applied, live, default_namespace=NS)
    assert drifts == [Drift(("Service", NS, "fateflow"), "deleted")]
    (line,) = drift_lines(drifts)
    assert line.startswith(f"- Service {NS}/fateflow: deleted")


def test_a_container_removed_by_hand_is_drift() -> None:
    applied = [statefulset()]
    live = live_of(applied)
    pod = live[("StatefulSet", NS, "python")]
    containers = pod["spec"]["template"]["spec"]["containers"]
    containers[:] = [c for c in containers if c["name"] != "fateboard"]
    (drift,) = live_drift(applied, live, default_namespace=NS)
    (field,) = drift.fields
    assert field.path == "spec.template.spec.containers[name=fateboard]"
    assert field.after is None


def test_labels_and_annotations_applied_are_compared_but_not_the_servers() -> None:
    applied = [service()]
    applied[0]["metadata"]["annotations"] = {"fate.fedai.org/owner": "ops"}
    live = live_of(applied)
    obj = live[("Service", NS, "fateflow")]
    obj["metadata"]["annotations"] = {"fate.fedai.org/owner": "someone", "extra": "x"}
    (drift,) = live_drift(applied, live, default_namespace=NS)
    assert drift.fields == (
        FieldChange('metadata.annotations["fate.fedai.org/owner"]', "ops", "someone"),
    )


def test_a_secret_changed_by_hand_is_drift_without_its_value() -> None:
    applied = [secret(PASSWORD)]
    live = live_of(applied)
    mysql = live[("Secret", NS, "mysql-secret")]
    mysql.pop("stringData")
    hacked = base64.b64encode(b"hacked-by-hand").decode()
    mysql["data"] = {"MYSQL_PASSWORD": hacked, "MYSQL_USER": base64.b64encode(b"fate").decode()}
    drifts = live_drift(applied, live, secrets=[PASSWORD], default_namespace=NS)
    report = rendered(drift_lines(drifts)) + json.dumps(drift_json(drifts))
    assert PASSWORD not in report and hacked not in report and "hacked-by-hand" not in report
    (drift,) = drifts
    assert drift.fields == (FieldChange("data.MYSQL_PASSWORD", "(secret)", "(secret, changed)"),)
