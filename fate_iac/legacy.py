"""KubeFATE's older cluster.yaml spellings (the v1.5 era of the seed page).

Each is either carried over to the key that means the same today, with a note saying
so, or refused with a message saying what to write instead. Keys that only configure
KubeFATE itself, and mean nothing to a deployment, are dropped with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fate_iac.config import SPARK_MODULES
from fate_iac.problems import Problem

_BACKENDS = {
    "eggroll": ("Eggroll", "Eggroll", "Eggroll"),
    "spark": ("Spark", "RabbitMQ", "HDFS"),
}

_SPARK_HINT = (
    "this section configures FATE on Spark; this party stack deploys FATE on eggroll "
    "(computing: Eggroll). Remove it"
)

REFUSED_TOP_LEVEL: dict[str, str] = {
    **{name: _SPARK_HINT for name in SPARK_MODULES},
    "lbrollsite": "the load-balanced rollsite belongs to an exchange cluster, not to a party. "
    "Remove it; exchanges are deployed by the exchange stack",
    "route_table": "spark's route table; eggroll parties route with rollsite.partyList and "
    "rollsite.exchange",
}

REFUSED_PYTHON_KEYS = ("spark", "hdfs", "rabbitmq", "pulsar", "nginx", "hive")


@dataclass
class Migration:
    """The outcome of rewriting older spellings."""

    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def migrate(raw: dict[str, Any]) -> Migration:
    """Rewrite older spellings in ``raw`` (a party's config, without the ``fate:`` prefix)."""
    config = dict(raw)
    result = Migration(config)

    if "skippedKeys" in config:
        del config["skippedKeys"]
        result.notes.append(
            "fate:skippedKeys dropped: it tells KubeFATE's validator which keys to ignore; "
            "here every key is validated"
        )

    if "backend" in config:
        backend = config.pop("backend")
        engines = _BACKENDS.get(str(backend).lower())
        if engines is None:
            result.problems.append(
                Problem(
                    ("backend",),
                    "legacy-key",
                    f"backend {backend!r} is unknown; write computing/federation/storage "
                    "(e.g. Eggroll/Eggroll/Eggroll)",
                )
            )
        else:
            for key, value in zip(("computing", "federation", "storage"), engines, strict=True):
                if key in config and config[key] != value:
                    result.problems.append(
                        Problem(
                            (key,),
                            "legacy-key",
                            f"backend: {backend} means {key}: {value}, but {key} is "
                            f"{config[key]!r}; remove backend (the v1.5 spelling)",
                        )
                    )
                config.setdefault(key, value)
            result.notes.append(
                f"fate:backend: {backend} is the v1.5 spelling of computing: {engines[0]}, "
                f"federation: {engines[1]}, storage: {engines[2]}"
            )

    nodemanager = config.get("nodemanager")
    if isinstance(nodemanager, dict):
        nodemanager = dict(nodemanager)
        config["nodemanager"] = nodemanager
        if "count" in nodemanager:
            count = nodemanager.pop("count")
            if "replicas" in nodemanager and nodemanager["replicas"] != count:
                result.problems.append(
                    Problem(
                        ("nodemanager", "count"),
                        "legacy-key",
                        "count (v1.5) and replicas disagree; keep replicas only",
                    )
                )
            nodemanager.setdefault("replicas", count)
            result.notes.append("fate:nodemanager.count is the v1.5 spelling of replicas")
        if "list" in nodemanager:
            nodemanager.pop("list")
            result.problems.append(
                Problem(
                    ("nodemanager", "list"),
                    "legacy-key",
                    "per-nodemanager lists were removed in KubeFATE v1.7; write "
                    "nodemanager.replicas with the shared keys (sessionProcessorsPerNode, "
                    "storageClass, size...) instead",
                )
            )

    for key, why in REFUSED_TOP_LEVEL.items():
        if key in config:
            config.pop(key)
            result.problems.append(Problem((key,), "legacy-key", why))

    python = config.get("python")
    if isinstance(python, dict):
        python = dict(python)
        config["python"] = python
        for key in REFUSED_PYTHON_KEYS:
            if key in python:
                python.pop(key)
                result.problems.append(Problem(("python", key), "legacy-key", _SPARK_HINT))
    return result
