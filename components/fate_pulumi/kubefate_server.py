"""``KubeFateServer``: the KubeFATE service, built from :mod:`fate_iac.kubefate_server`'s
objects (there is no chart for it), its credentials Pulumi secrets end to end."""

from typing import Any

import pulumi

from fate_iac import kubefate_server as service
from fate_iac.config import KubeFateServerConfig
from fate_iac.values import map_secrets
from fate_pulumi.release import KUBERNETES_PROVIDER_VERSION, as_pulumi_secret

TYPE_TOKEN = "fate:index:KubeFateServer"
SECRET_VERSION = "kubefate.fedai.org/secret-version"
"""Pod template annotation: the resourceVersion of the Secret its pods read."""


def type_token(manifest: dict[str, Any]) -> str:
    """The pulumi-kubernetes type of a manifest: ``kubernetes:<group>/<version>:<Kind>``."""
    api = str(manifest["apiVersion"])
    return f"kubernetes:{api if '/' in api else f'core/{api}'}:{manifest['kind']}"


class KubeFateServer(pulumi.ComponentResource):
    """The KubeFATE service in its own namespace: ServiceAccount, least-privilege RBAC
    (cluster-wide or per party namespace), a Secret of its credentials, MariaDB on a
    PersistentVolumeClaim (or an external database), the ``kubefate`` Deployment, its
    Services and, when configured, an Ingress.

    ``party_namespace``: the namespace of the party it is deployed beside (the default
    of ``rbac.namespaces``)."""

    url: pulumi.Output[str]
    """Where the API answers (its Ingress, else its in-cluster Service)."""
    namespace: pulumi.Output[str]
    namespaces: pulumi.Output[list[str]]
    """Every namespace it puts objects in: its own, and the party namespaces of its Roles."""
    username: pulumi.Output[str]
    password: pulumi.Output[str]
    """Secret."""
    cli_config: pulumi.Output[str]
    """Secret: a ``config.yaml`` for the ``kubefate`` CLI, pointing at this service."""

    def __init__(
        self,
        name: str,
        config: KubeFateServerConfig,
        party_namespace: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        manifests = service.manifests(config, party_namespace)
        created: list[pulumi.Resource] = []
        namespace: list[pulumi.Resource] = []
        secret_version: pulumi.Output[str] | None = None
        for manifest in manifests:
            kind = str(manifest["kind"])
            meta = manifest["metadata"]
            if kind == "Deployment" and secret_version is not None:
                # Pods read the credentials at start: a changed Secret rolls them. Its
                # resourceVersion says it changed without saying anything about it.
                template = manifest["spec"]["template"]["metadata"]
                template["annotations"] = {SECRET_VERSION: secret_version}
            where = f"-{meta['namespace']}" if kind in ("Role", "RoleBinding") else ""
            # A workload waits for what it reads (its Secret, account, RBAC, claim, database).
            depends = created if kind == "Deployment" else namespace
            options = pulumi.ResourceOptions(
                parent=self,
                version=KUBERNETES_PROVIDER_VERSION,
                depends_on=list(depends),
                additional_secret_outputs=["data", "stringData"] if kind == "Secret" else None,
            )
            resource = pulumi.CustomResource(
                type_token(manifest),
                f"{name}-{kind.lower()}{where}-{meta['name']}",
                map_secrets(manifest, as_pulumi_secret),
                opts=options,
            )
            created.append(resource)
            if kind == "Namespace":
                namespace.append(resource)
            if kind == "Secret":
                metadata: pulumi.Output[Any] = getattr(resource, "metadata")  # noqa: B009
                secret_version = metadata.apply(lambda m: str((m or {}).get("resourceVersion", "")))
        self.created = created
        """Every object it registered."""
        assert config.password is not None
        password = as_pulumi_secret(config.password)
        self.url = pulumi.Output.from_input(service.service_url(config))
        self.namespace = pulumi.Output.from_input(config.namespace)
        self.namespaces = pulumi.Output.from_input(
            [config.namespace, *service.rbac_namespaces(config, party_namespace)]
            if config.rbac.scope == "namespaces"
            else [config.namespace]
        )
        self.username = pulumi.Output.from_input(config.username)
        self.password = password
        self.cli_config = password.apply(lambda p: service.cli_config(config, p))
        self.register_outputs(self.outputs())

    def outputs(self) -> dict[str, pulumi.Output[Any]]:
        """The ``kubefate`` stack output: the URL, the login (password secret) and the
        CLI's ``config.yaml`` (secret)."""
        return {
            "url": self.url,
            "namespace": self.namespace,
            "namespaces": self.namespaces,
            "username": self.username,
            "password": self.password,
            "cliConfig": self.cli_config,
        }
