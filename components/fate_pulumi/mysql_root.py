"""MySQL's root password as Pulumi resources (why, in :mod:`fate_iac.mysql_root`): a
password generated once and kept in the state as a secret, and the Secret the hardened
mysql reads it from.

A dynamic provider, as for certificates (:mod:`fate_pulumi.tls`): no provider binary to
build or download (``pulumi_random`` is not one this project ships)."""

from __future__ import annotations

import secrets
from typing import Any

import pulumi
from pulumi import dynamic

from fate_iac import mysql_root
from fate_pulumi.release import kubernetes_object


class PasswordMaker(dynamic.ResourceProvider):
    """Generates the password when created; nothing ever changes it after (a new one
    would lock the operator out of a MySQL whose data holds the old)."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        return dynamic.CreateResult(
            secrets.token_hex(8), {**props, "password": mysql_root.generate_password()}
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        return dynamic.DiffResult(changes=False)


MAKER = PasswordMaker()


class GeneratedPassword(dynamic.Resource):
    """A generated password; ``password`` is a secret."""

    password: pulumi.Output[str]

    def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=["password"])
        )
        super().__init__(MAKER, name, {"password": None}, opts)


def root_password_secret(
    parent: pulumi.ComponentResource,
    name: str,
    namespace: str,
    depends_on: list[pulumi.Resource],
) -> list[pulumi.Resource]:
    """The generated password and Secret ``mysql-root`` holding it (its inputs all
    secrets), for the release to wait for."""
    password = GeneratedPassword(
        f"{name}-mysql-root-password", pulumi.ResourceOptions(parent=parent)
    )
    manifest = mysql_root.secret_manifest(namespace, password.password)
    secret = kubernetes_object(parent, f"{name}-mysql-root", manifest, depends_on, secret=True)
    return [password, secret]
