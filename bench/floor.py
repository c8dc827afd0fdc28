"""The floor the end-to-end benchmarks set beside Pulumi: a release installed directly
through the Helm SDK, doing what the kubernetes provider's ``Release`` does for a stack:
fetch the chart from the same repository, install it with the same values, and wait
(Helm's legacy wait, the provider's Helm 3 one) until its workloads are ready, which
the local control plane's KWOK nodes make them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fate_iac.charts import ChartRef

WAIT_SECONDS = 300


def helm_install(
    kubeconfig: Path, repo: str, chart: ChartRef, name: str, values: Any, namespace: str
) -> float:
    """Install ``chart`` from ``repo`` as ``name`` into a new ``namespace``, waiting for
    its workloads: the seconds it took."""
    import helm_python as helm

    start = time.perf_counter()
    with helm.Config(kubeconfig_path=str(kubeconfig), namespace=namespace) as config:
        config.install(
            chart.name,
            name,
            values,
            namespace=namespace,
            create_namespace=True,
            chart_repo_url=repo,
            chart_version=chart.version,
            wait="legacy",
            timeout=WAIT_SECONDS,
        )
    return time.perf_counter() - start


def helm_uninstall(kubeconfig: Path, name: str, namespace: str) -> None:
    import helm_python as helm

    with helm.Config(kubeconfig_path=str(kubeconfig), namespace=namespace) as config:
        config.uninstall(name)
