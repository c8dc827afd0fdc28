"""Raising a party's FATE version, as KubeFATE does it, and what this project adds.

KubeFATE (``FateUpgradeManager.validate`` in its server) checks a ``fate`` cluster's
update against the deployed one: the chart may not go down, and nothing deployed at
v1.7.1 or older may be upgraded. When the version changes it installs its
fate-upgrade-manager chart before the ``fate`` release: a Job that scales fateflow
(``python``) to zero, then runs FATE's upgrade SQL (``deploy/upgrade/sql``, one script
per step, from the deployed version to the new one) against the party's MySQL; the
``helm upgrade`` waits for it and is not run when it fails. Other charts (fate-exchange,
fate-serving) are not checked at all.

Here the same rules hold, plus one: a 1.x party does not become a 2.0 party in place
(FATE 2.0 ships no upgrade SQL, its fateflow schema and modules differ: it is a new
deployment). The migration's objects are the chart's, except that the MySQL password
reaches the Job from a Secret instead of its command line (and never appears in a
process's command line), and a Job whose fateflow did
not stop fails instead of reporting success.

The deployed version is the one Helm records as deployed for the party's release (its
last deployed revision: after a failed upgrade, the one still running); everything
here is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fate_iac.catalogue import UPGRADE_MANAGER, is_fate2
from fate_iac.chart_version import ChartVersion
from fate_iac.config import PartyConfig
from fate_iac.problems import Problem
from fate_iac.secrets import Secret

JOB = "fate-mysql-upgrade-job"
"""The migration Job's name, as KubeFATE's chart names it."""
ACCOUNT = "fum"
"""Its service account (and Role binding), as the chart names them."""
PASSWORD_SECRET = "fate-upgrade-mysql"
"""The Secret the Job reads the MySQL password from."""
OLDEST_UPGRADABLE = UPGRADE_MANAGER.oldest_upgradable
"""KubeFATE refuses to upgrade anything deployed at this version or older."""


def check_upgrade(deployed: str | None, wanted: str) -> list[Problem]:
    """Why a party deployed at ``deployed`` (None: not deployed yet) cannot move to
    ``wanted``; nothing when it can."""
    if deployed is None or deployed == wanted:
        return []
    path = ("chartVersion",)
    old, new = ChartVersion.parse(deployed), ChartVersion.parse(wanted)
    if new < old:
        return [
            Problem(
                path,
                "upgrade",
                (
                    f"{wanted} is older than the deployed {deployed}: downgrades are refused, as "
                    "KubeFATE refuses them (fateflow's MySQL has been migrated forward and has "
                    "no way back). To undo an upgrade, see 'Rolling back' in "
                    "docs/upgrades-and-drift.md"
                ),
            )
        ]
    if old <= OLDEST_UPGRADABLE:
        return [
            Problem(
                path,
                "upgrade",
                (
                    f"the deployed {deployed} is too old to upgrade: KubeFATE upgrades nothing at "
                    "v1.7.1 or older (its MySQL image differs). Export fateflow's data, deploy "
                    f"{wanted} anew and import it (KubeFATE's FATE_Upgrade.md)"
                ),
            )
        ]
    if is_fate2(deployed) != is_fate2(wanted):
        return [
            Problem(
                path,
                "upgrade",
                (
                    f"FATE {wanted} cannot replace the deployed {deployed} in place: FATE 2.0 "
                    "ships no upgrade from 1.x for fateflow's data, and its modules differ. Deploy "
                    "it as a new party (another stack and namespace) beside this one"
                ),
            )
        ]
    return []


@dataclass(frozen=True)
class Migration:
    """fateflow's MySQL taken from ``start`` to ``target`` (chart versions)."""

    start: str
    target: str

    @property
    def label(self) -> str:
        return f"{self.start} to {self.target}"

    def as_output(self) -> dict[str, str]:
        return {"from": self.start, "to": self.target}


def migration_for(cfg: PartyConfig, deployed: str | None) -> Migration | None:
    """The migration an update of ``cfg`` runs when the party runs ``deployed`` (None:
    not installed). A new version needs one when fateflow's data is in the party's own
    MySQL; with ``externalMysqlIp`` the update is refused until the operator has migrated
    that database and says so (``upgradeManager.skip``)."""
    if deployed is None or deployed == cfg.chartVersion or cfg.upgradeManager.skip:
        return None
    if "mysql" not in cfg.modules or cfg.uses_external_mysql:
        return None
    return Migration(deployed, cfg.chartVersion)


def refusals(cfg: PartyConfig, deployed: str | None) -> list[Problem]:
    """Why a party's update from the ``deployed`` chart version (None: not deployed yet)
    must not happen: the one answer ``fatectl diff`` and the program both give."""
    return [*check_upgrade(deployed, cfg.chartVersion), *external_mysql_problems(cfg, deployed)]


def external_mysql_problems(cfg: PartyConfig, deployed: str | None) -> list[Problem]:
    """A version change over an external MySQL, which this project cannot migrate."""
    if deployed is None or deployed == cfg.chartVersion or cfg.upgradeManager.skip:
        return []
    if not cfg.uses_external_mysql:
        return []
    start = ChartVersion.parse(deployed).bare
    target = ChartVersion.parse(cfg.chartVersion).bare
    return [
        Problem(
            ("upgradeManager", "skip"),
            "upgrade",
            (
                f"chartVersion {deployed} -> {cfg.chartVersion}: fateflow's data is in the "
                "external MySQL (externalMysqlIp), which this update cannot migrate. Run FATE's "
                f"upgrade SQL (deploy/upgrade/sql, from {start} to {target}) against it, then set "
                "upgradeManager.skip: true for this update"
            ),
        )
    ]


def migration_objects(cfg: PartyConfig, migration: Migration) -> list[dict[str, Any]]:
    """The Kubernetes objects that run ``migration`` in the party's namespace, in the
    order they are created: the Secret with the MySQL user and password (a
    :class:`Secret` where the credential is; the user is in the same secret config key),
    the service account and its Role to scale fateflow, the Job.
    The Job's script is KubeFATE's, except that it fails when fateflow did not stop."""
    namespace, manager = cfg.k8s_namespace, cfg.upgradeManager
    mysql = cfg.mysql
    user = (mysql.user if mysql else None) or "fate"
    password: Secret | str = (mysql.password if mysql else None) or "fate_dev"
    labels = {"app.kubernetes.io/managed-by": "pulumi", "fate.upgrade/name": JOB}
    meta = {"namespace": namespace, "labels": labels}
    # The password goes to the script's environment, never into the Job's spec, nor into
    # any process's command line (the node's process table): KubeFATE's upgrade-mysql.py
    # reads it from its argv, so a small launcher sets that argv inside Python.
    versions = [ChartVersion.parse(migration.start).bare, ChartVersion.parse(migration.target).bare]
    launcher = (
        "import os, runpy, sys; "
        "sys.argv = ['upgrade-mysql.py', os.environ['MYSQL_USER'], "
        f"os.environ['MYSQL_PASSWORD'], {versions[0]!r}, {versions[1]!r}]; "
        "runpy.run_path('upgrade-mysql.py', run_name='__main__')"
    )
    script = (
        f"python shutdown-flow.py {namespace} || "
        '{ echo "fateflow (python) did not stop: nothing migrated" >&2; exit 1; }\n'
        f'python -c "{launcher}"\n'
    )
    pod: dict[str, Any] = {
        "serviceAccountName": ACCOUNT,
        "restartPolicy": "Never",
        "containers": [
            {
                "name": "fate-mysql-upgrader",
                "image": manager.image,
                "imagePullPolicy": cfg.pullPolicy or "IfNotPresent",
                "command": ["/bin/bash", "-c", script],
                "env": [
                    {
                        "name": "MYSQL_USER",
                        "valueFrom": {"secretKeyRef": {"name": PASSWORD_SECRET, "key": "user"}},
                    },
                    {
                        "name": "MYSQL_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": PASSWORD_SECRET, "key": "password"}},
                    },
                ],
            }
        ],
    }
    if cfg.imagePullSecrets:
        pod["imagePullSecrets"] = [{"name": s.name} for s in cfg.imagePullSecrets]
    for key in ("nodeSelector", "tolerations", "affinity"):
        if getattr(manager, key):
            pod[key] = getattr(manager, key)
    return [
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {"name": PASSWORD_SECRET, **meta},
            "stringData": {"user": user, "password": password},
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": ACCOUNT, **meta}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": f"{ACCOUNT}-role", **meta},
            "rules": [
                {
                    "apiGroups": ["apps"],
                    "resources": [
                        "deployments",
                        "deployments/status",
                        "statefulsets",
                        "statefulsets/status",
                    ],
                    "verbs": ["update", "patch", "list", "get"],
                }
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": ACCOUNT, **meta},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": f"{ACCOUNT}-role",
            },
            "subjects": [{"kind": "ServiceAccount", "name": ACCOUNT, "namespace": namespace}],
        },
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": JOB,
                **meta,
                "annotations": {
                    "fate.upgrade/from": migration.start,
                    "fate.upgrade/to": migration.target,
                },
            },
            "spec": {"backoffLimit": 0, "template": {"metadata": {"labels": labels}, "spec": pod}},
        },
    ]
