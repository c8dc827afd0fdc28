"""KubeFATE compatibility: import a ``cluster.yaml``, and run KubeFATE's own pipeline.

KubeFATE turns a cluster.yaml into chart values by executing the chart's
``values-template.yaml`` (a Go template over the cluster.yaml, with Sprig functions)
and installs the chart with them. :func:`kubefate_values` runs that same template with
Helm's engine, which has the same template language and functions, so this project's
output can be compared with KubeFATE's for the same intent.
"""

from __future__ import annotations

import copy
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fate_iac import legacy, yamlio
from fate_iac.catalogue import is_fate2
from fate_iac.chart_version import ChartVersion
from fate_iac.charts import Manifest, render_chart
from fate_iac.config import (
    CREDENTIAL_PATHS,
    ExchangeConfig,
    PartyConfig,
    ServingConfig,
    credential_paths,
)
from fate_iac.problems import CONFIG_NAMESPACE, SERVING_NAMESPACE, Problem, key_path
from fate_iac.secrets import Secret

_CARRIED_KEYS = set(PartyConfig.model_fields)
_EXCHANGE_KEYS = set(ExchangeConfig.model_fields)
_SERVING_KEYS = set(ServingConfig.model_fields)
SERVING_CREDENTIAL_PATHS = tuple(
    (SERVING_NAMESPACE, *path) for path in credential_paths(ServingConfig)
)


@dataclass
class ImportResult:
    """A cluster.yaml as stack config: ``config`` (without the ``fate:`` prefix; a
    serving cluster's keys under ``fate-serving``), the credentials taken out of it (to
    be set as Pulumi secrets), notes and problems."""

    config: dict[str, Any]
    credentials: dict[tuple[str, ...], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    serving: bool = False
    """A cluster-serving.yaml: its keys go to ``fate-serving:``, alone or beside a party."""

    def entries(self) -> dict[str, Any]:
        """The stack file's config entries, by full key (``fate:x``, ``fate-serving:y``)."""
        found: dict[str, Any] = {}
        for key, value in self.config.items():
            if key == SERVING_NAMESPACE and isinstance(value, dict):
                found.update({f"{SERVING_NAMESPACE}:{k}": v for k, v in value.items()})
            else:
                found[f"{CONFIG_NAMESPACE}:{key}"] = value
        return found

    def stack_yaml(self, existing: str | None = None) -> str:
        """The stack file: this config alone, or ``existing`` (a party's stack file) with
        its serving keys replaced by these and every other line as it was."""
        entries = self.entries()
        if existing is None:
            return yamlio.dump({"config": entries})
        document = yamlio.load(existing) or {}
        config = dict(document.get("config") or {})
        kept = {k: v for k, v in config.items() if not k.startswith(f"{SERVING_NAMESPACE}:")}
        if len(kept) == len(config) and list(document)[-1:] == ["config"]:
            block = "".join(f"  {line}\n" for line in yamlio.dump(entries).splitlines())
            appended = existing.rstrip("\n") + "\n" + block
            if (yamlio.load(appended) or {}).get("config") == {**config, **entries}:
                return appended  # comments and layout kept
        return yamlio.dump({**document, "config": {**kept, **entries}})

    def beside(self, existing: str) -> ImportResult:
        """This serving cluster added to a party's stack file (``existing``): the keys
        the two clusters share come from the party, so they are dropped here, and an
        address typed by hand that the stack would now derive is pointed out."""
        config = dict((yamlio.load(existing) or {}).get("config") or {})
        serving = dict(self.config[SERVING_NAMESPACE])
        notes = list(self.notes)
        training_id = config.get(f"{CONFIG_NAMESPACE}:partyId")
        problems = list(self.problems)
        # `pulumi config set` writes every value of the file back as a string ("9999")
        if training_id is not None and str(serving.get("partyId")) == str(training_id):
            del serving["partyId"]  # inherited
        elif training_id is not None and "partyId" in serving:
            problems.append(
                Problem(
                    (SERVING_NAMESPACE, "partyId"),
                    "party-id",
                    f"the "
                    f"cluster-serving.yaml is party {serving['partyId']}, this "
                    f"stack party {training_id}",
                )
            )
        if (serving.get("servingServer") or {}).get("fateflow"):
            notes.append(
                f"{SERVING_NAMESPACE}:servingServer.fateflow is set by hand; left "
                "out, it is the training cluster's fateflow in this stack"
            )
        for key in ("servingIp", "servingPort"):
            if f"{CONFIG_NAMESPACE}:{key}" in config:
                notes.append(
                    f"{CONFIG_NAMESPACE}:{key} is set by hand; left out, it is this "
                    "stack's serving server"
                )
        return ImportResult(
            {SERVING_NAMESPACE: serving}, dict(self.credentials), notes, problems, serving=True
        )

    def config_with_credentials(self) -> dict[str, Any]:
        """The config with its credentials back in place, as the secrets they will be."""
        config = copy.deepcopy(self.config)
        for path, value in self.credentials.items():
            node = config
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = Secret(value, secure=True)
        return config

    def secret_commands(self, stack: str) -> list[str]:
        return [
            f"pulumi config set --stack {stack} --secret --path '{key_path(path)}' <value of "
            f"{'.'.join(path[1:] if self.serving else path)} in the cluster.yaml>"
            for path in self.credentials
        ]


def _same_version(a: Any, b: str) -> bool:
    """``v1.11.2`` and ``1.11.2`` are one version: importing at it upgrades nothing."""
    try:
        return ChartVersion.parse(a) == ChartVersion.parse(b)
    except ValueError:
        return str(a) == b


def _without_nulls(node: Any) -> Any:
    """A null in cluster.yaml means the same to KubeFATE's template as a missing key."""
    if isinstance(node, dict):
        return {k: _without_nulls(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_without_nulls(v) for v in node]
    return node


def import_cluster_yaml(document: dict[str, Any], chart_version: str | None = None) -> ImportResult:
    """Carry a KubeFATE cluster.yaml over to this project's party config.

    Keys that mean the same here are kept under the same names; older spellings are
    rewritten (see :mod:`fate_iac.legacy`); credentials are taken out so they can be set
    as secrets; anything else is refused by name.
    """
    document = _without_nulls(document)
    chart = document.get("chartName")
    serving = chart == "fate-serving"
    previous = document.get("chartVersion")
    if serving and chart_version is not None:  # the serving spellings depend on it
        document = {**document, "chartVersion": chart_version}
    migration = (
        legacy.migrate(document)
        if chart in (None, "fate")
        else legacy.migrate_serving(document)
        if serving
        else legacy.Migration(document)
    )
    upgrade = is_fate2(chart_version) and not is_fate2(previous)
    # KubeFATE's own v2.0.0 examples are its 1.x files with the version bumped: rollsite
    # and the eggroll federation, which the 2.0 chart has not. They are rewritten too.
    as_1x = is_fate2(chart_version or previous) and legacy.has_fate1_shape(migration.config)
    if chart in (None, "fate") and (upgrade or as_1x):  # FATE 1.x to 2.0: keys renamed
        fate2 = legacy.to_fate2(migration.config)
        migration = legacy.Migration(
            fate2.config, migration.notes + fate2.notes, migration.problems + fate2.problems
        )
    config = migration.config
    carried = {"fate-exchange": _EXCHANGE_KEYS, "fate-serving": _SERVING_KEYS}.get(
        str(chart), _CARRIED_KEYS
    )
    prefix: tuple[str, ...] = (SERVING_NAMESPACE,) if serving else ()
    problems = [replace(p, path=(*prefix, *p.path)) for p in migration.problems]
    result = ImportResult({}, notes=migration.notes, problems=problems, serving=serving)
    carried_config: dict[str, Any] = {}
    for key, value in config.items():
        if key in carried:
            carried_config[key] = value
        else:
            reason = "KubeFATE key this project cannot carry over"
            result.problems.append(Problem((*prefix, key), "unknown-key", reason))
    if chart_version is not None:
        carried_config["chartVersion"] = chart_version
        if not _same_version(previous, chart_version):
            result.notes.append(
                f"{key_path((*prefix, 'chartVersion'))} {previous} upgraded to {chart_version}"
            )
    result.config = {SERVING_NAMESPACE: carried_config} if serving else carried_config
    for path in SERVING_CREDENTIAL_PATHS if serving else CREDENTIAL_PATHS:
        node: Any = result.config
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            result.credentials[path] = str(node.pop(path[-1]))
    return result


def _template_chart(template: str, workdir: Path) -> Path:
    chart = workdir / "kubefate-values"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: kubefate-values\nversion: 0.0.0\n")
    # KubeFATE executes the template with the cluster.yaml as its data; Helm gives a
    # template .Values, so the whole template runs inside `with .Values`.
    (chart / "templates" / "values.yaml").write_text(
        "{{- with .Values }}\n" + template + "\n{{- end }}\n"
    )
    return chart


def kubefate_values(cluster: dict[str, Any], archive: Path) -> dict[str, Any]:
    """The chart values KubeFATE would compute from ``cluster`` with the chart in ``archive``."""
    import helm_python as helm

    with helm.Chart.load(archive) as chart:
        files = {f["name"]: f["data"] for f in chart.files}
    template = files.get("values-template.yaml")
    if template is None:
        raise ValueError(f"{archive} has no values-template.yaml: not a KubeFATE chart")
    with tempfile.TemporaryDirectory() as tmp:
        wrapper = _template_chart(template, Path(tmp))
        with helm.Chart.load(wrapper) as chart:
            rendered = chart.render(values=cluster, name="kubefate", namespace="kubefate")
    values = yamlio.load(rendered["kubefate-values/templates/values.yaml"])
    assert isinstance(values, dict)
    return values


def kubefate_render(cluster: dict[str, Any], archive: Path) -> list[Manifest]:
    """The manifests KubeFATE would install for ``cluster``."""
    values = kubefate_values(cluster, archive)
    return render_chart(archive, values, str(cluster["name"]), str(cluster["namespace"]))
