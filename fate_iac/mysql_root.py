"""MySQL's root password: the fate chart starts its MySQL with
``MYSQL_ALLOW_EMPTY_PASSWORD``, so root has no password and answers every pod of the
namespace (the chart's MySQL user has a password of its own; root is never used by the
charts' modules). A party here gives root a generated password instead, unless its
config opts out (``fate:allowEmptyMysqlRootPassword``):

* the program generates it once (``fate_pulumi.mysql_root``), keeps it in the state as a
  Pulumi secret, and writes it to Secret :data:`~fate_iac.postrender.MYSQL_ROOT_SECRET`;
* the post-renderer (:mod:`fate_iac.postrender`, fix ``mysql-root``) replaces the
  chart's ``MYSQL_ALLOW_EMPTY_PASSWORD`` by ``MYSQL_ROOT_PASSWORD`` read from that Secret
  (a ``secretKeyRef``: no pod spec, release or rendered file holds the value).

MySQL's image reads ``MYSQL_ROOT_PASSWORD`` only when it initialises an empty data
directory: a party whose data survives (``persistence``) keeps its passwordless root
until the operator sets it once (docs/upgrades-and-drift.md says how). The program does
not run that change itself: it would have to log in as root without a password, which a
hardened MySQL must refuse, and it cannot tell from the state whether the data predates
the password.

Pure: the Pulumi side only keeps the generated value."""

from __future__ import annotations

import secrets
import string
from typing import Any

from fate_iac.config import PartyConfig
from fate_iac.postrender import MYSQL_ROOT_KEY, MYSQL_ROOT_SECRET

PASSWORD_LENGTH = 32
"""Letters and digits: about 190 bits, and nothing a shell or SQL quote would mind."""
_ALPHABET = string.ascii_letters + string.digits


def hardened(cfg: PartyConfig) -> bool:
    """Whether the party's MySQL root gets the generated password: it runs the chart's
    MySQL and has not opted out."""
    return cfg.has("mysql") and not cfg.allowEmptyMysqlRootPassword


def generate_password() -> str:
    """A new root password, from the operating system's randomness."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def secret_manifest(namespace: str, password: Any) -> dict[str, Any]:
    """Secret :data:`MYSQL_ROOT_SECRET` holding ``password`` (a Pulumi secret Output on
    the Pulumi side)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": MYSQL_ROOT_SECRET,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "pulumi"},
        },
        "type": "Opaque",
        "stringData": {MYSQL_ROOT_KEY: password},
    }


def notes(cfg: PartyConfig) -> list[str]:
    """What ``validate`` says of the opt-out, when taken."""
    if not cfg.allowEmptyMysqlRootPassword:
        return []
    if not cfg.has("mysql"):
        return [
            "fate:allowEmptyMysqlRootPassword has no effect: this party runs no MySQL of "
            "the chart's (mysql is not in fate:modules)"
        ]
    return [
        "fate:allowEmptyMysqlRootPassword: MySQL's root has no password (the chart's "
        f"MYSQL_ALLOW_EMPTY_PASSWORD) and answers every pod of namespace "
        f"{cfg.k8s_namespace}; the default gives it a generated password in Secret "
        f"{MYSQL_ROOT_SECRET}"
    ]
