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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fate_iac import legacy, yamlio
from fate_iac.charts import Manifest, render_chart
from fate_iac.config import CREDENTIAL_PATHS, ExchangeConfig, PartyConfig
from fate_iac.problems import Problem, key_path
from fate_iac.secrets import Secret

_CARRIED_KEYS = set(PartyConfig.model_fields)
_EXCHANGE_KEYS = set(ExchangeConfig.model_fields)


@dataclass
class ImportResult:
    """A cluster.yaml as stack config: ``config`` (without the ``fate:`` prefix), the
    credentials taken out of it (to be set as Pulumi secrets), notes and problems."""

    config: dict[str, Any]
    credentials: dict[tuple[str, ...], str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def stack_yaml(self) -> str:
        document = {"config": {f"fate:{k}": v for k, v in self.config.items()}}
        return yamlio.dump(document)

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
            f"{'.'.join(path)} in the cluster.yaml>"
            for path in self.credentials
        ]


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
    exchange = document.get("chartName") == "fate-exchange"
    migration = legacy.Migration(document) if exchange else legacy.migrate(document)
    config = migration.config
    carried = _EXCHANGE_KEYS if exchange else _CARRIED_KEYS
    result = ImportResult({}, notes=migration.notes, problems=migration.problems)
    for key, value in config.items():
        if key in carried:
            result.config[key] = value
        else:
            result.problems.append(
                Problem((key,), "unknown-key", "KubeFATE key this project cannot carry over")
            )
    if chart_version is not None:
        previous = result.config.get("chartVersion")
        result.config["chartVersion"] = chart_version
        if previous != chart_version:
            result.notes.append(f"fate:chartVersion {previous} upgraded to {chart_version}")
    for path in CREDENTIAL_PATHS:
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
