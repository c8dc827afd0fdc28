"""The component every stack kind deploys through: its namespace, its releases, the routes
they take from other stacks, and its outputs, all as its kind
(:mod:`fate_iac.kinds`) says."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.charts import UPSTREAM_CHART_REPO
from fate_iac.config import StackConfig, credential_paths
from fate_iac.federation import Routes
from fate_iac.isolation import routed_policy
from fate_iac.kinds import kind_of
from fate_iac.release import release_options
from fate_iac.routing import RoutedValues, checked
from fate_pulumi.federation_refs import as_output, federation_records
from fate_pulumi.mysql_root import root_password_secret
from fate_pulumi.release import (
    install_release,
    kubernetes_object,
    namespace_for,
    report_routes,
    require_post_renderer,
    route_overrides,
)
from fate_pulumi.tls import Certified, certificates, restart_on_renewal
from fate_pulumi.upgrade import OUTPUT as UPGRADE_OUTPUT
from fate_pulumi.upgrade import migration_resources, plan


def credential_sections(config: StackConfig) -> frozenset[str]:
    """Top-level keys that hold credentials: their other keys reach only release values."""
    return frozenset(str(path[0]) for path in credential_paths(type(config)))


def _config(config: StackConfig, settled: StackConfig | None) -> Any:
    """The settled config when there is one."""
    return config if settled is None else settled


def _item(mapping: pulumi.Output[dict[str, Any]], key: str) -> pulumi.Output[Any]:
    return mapping.apply(lambda values: values[key])


class FateStack(pulumi.ComponentResource):
    """A stack of any kind; each kind's component subclasses it with its type token.

    ``records`` are the federation records of the stacks the config references, by stack
    name; left out, they are read as ``config.federationReads`` says (StackReferences by
    default). ``chart_source`` is where the charts come from (default
    ``config.chartRepo``, else KubeFATE's repository)."""

    def __init__(
        self,
        type_token: str,
        name: str,
        config: StackConfig,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        chart_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        settled: pulumi.Output[StackConfig] | None = None,
    ) -> None:
        """``settled``: the same config once values other resources give it are known (see
        :mod:`fate_pulumi.pending`), checked again then; its routes, its outputs and so
        every object wait for it. Left out, ``config`` is all known."""
        kind = kind_of(config)
        # Charts are resolved before anything is registered: a chart that cannot be
        # found leaves nothing behind.
        specs = kind.releases(config, chart_source or config.chartRepo or UPSTREAM_CHART_REPO)
        require_post_renderer(specs)
        # So is an upgrade that must not happen (the fate chart's version).
        migration, upgraded = plan(kind, config) if kind.tracks_upgrades else (None, None)
        super().__init__(type_token, name, None, opts)
        if records is None:
            records = federation_records(config)
        stack = pulumi.get_stack()
        final: pulumi.Output[Any] = (
            settled if settled is not None else pulumi.Output.from_input(None)
        )
        routed: pulumi.Output[RoutedValues] = pulumi.Output.all(as_output(records), final).apply(
            lambda found: checked(kind.routed(_config(config, found[1]), found[0]), stack)
        )
        report_routes(self, routed)
        depends_on = namespace_for(self, name, config, kind.role, routed)
        self.namespace_resources = depends_on
        """The namespace it creates (nothing when it adopts one): what goes in it waits."""
        # Credentials are secrets where they stand; any other secret key may be anywhere
        # in the values and the outputs, which then are secrets whole.
        secret_beyond_credentials = bool(config.secret_keys - credential_sections(config))
        policies: list[pulumi.Resource] = []
        for policy in kind.network_policies(config):
            # They wait for the routes too (an adopted namespace has no resource to wait
            # for): when the routes cannot be built, nothing is created.
            labels: dict[str, str] = policy["metadata"]["labels"]

            def gated(_: RoutedValues, labels: dict[str, str] = labels) -> dict[str, str]:
                return labels

            policy["metadata"]["labels"] = pulumi.Output.unsecret(routed.apply(gated))
            if routed_policy(policy["metadata"]["name"]):  # a gateway's egress: its routes

                def spec(found: list[Any], named: str = policy["metadata"]["name"]) -> Any:
                    current = kind.network_policies(_config(config, found[1]), found[0].routes)
                    return next(p["spec"] for p in current if p["metadata"]["name"] == named)

                policy["spec"] = pulumi.Output.all(routed, final).apply(spec)
            resource_name = f"{name}-{policy['metadata']['name']}"
            policies.append(
                kubernetes_object(
                    self, resource_name, policy, depends_on, secret_beyond_credentials
                )
            )
        certified = Certified()
        issuing = kind.issuing(config)
        if issuing is not None:
            # The hosts a server certificate names include publicHost, which another
            # resource may give: they come from the settled config.
            hosts = final.apply(lambda c: kind.issuing(_config(config, c)))
            certified = certificates(self, name, issuing, routed, depends_on, hosts)
            depends_on = [*depends_on, *certified.resources]
        if kind.hardens_mysql_root(config):
            depends_on = [
                *depends_on,
                *root_password_secret(self, name, config.k8s_namespace, depends_on),
            ]
        if migration is not None:
            job = migration_resources(self, name, migration, depends_on, secret_beyond_credentials)[
                -1
            ]
            depends_on = [*depends_on, job]
        self.releases = [
            install_release(
                self,
                f"{name}-{spec.key}",
                chart_secret(release_options(config, spec), config),
                spec.values,
                route_overrides(routed, spec.route_paths, spec.key),
                depends_on,
                secret=secret_beyond_credentials,
            )
            for spec in specs
        ]
        restarts = restart_on_renewal(
            self, name, config.k8s_namespace, certified, self.releases[:1]
        )
        self.created = [*depends_on, *policies, *self.releases, *restarts]
        """Every object it registered (``depends_on`` holds the namespace, migration and
        certificates), for what must wait until all exist."""
        known = final.apply(lambda c: kind.outputs(_config(config, c), stack))
        outputs: dict[str, pulumi.Output[Any]] = {
            key: _item(known, key) for key in kind.outputs(config, stack)
        }
        routed_outputs = pulumi.Output.all(routed, final).apply(
            lambda r: kind.routed_outputs(_config(config, r[1]), stack, r[0].routes)
        )
        for key in kind.routed_outputs(config, stack, Routes()):
            outputs[key] = _item(routed_outputs, key)
        if certified.expiries:
            outputs["certificates"] = pulumi.Output.all(**certified.expiries)
        if certified.ca is not None:  # the record publishes the CA of its certificates
            outputs["federation"] = pulumi.Output.all(outputs["federation"], certified.ca).apply(
                lambda found: {**found[0], "ca": found[1]}
            )
        if migration is not None:
            # Recorded once the release is upgraded: a failed upgrade leaves the outputs
            # of the last good update, record included.
            installed = pulumi.Output.all(*(r.id for r in self.releases))
            outputs[UPGRADE_OUTPUT] = installed.apply(lambda _: upgraded)
        elif upgraded is not None:
            outputs[UPGRADE_OUTPUT] = pulumi.Output.from_input(upgraded)
        if secret_beyond_credentials:
            outputs = {key: pulumi.Output.secret(value) for key, value in outputs.items()}
        self.outputs = outputs
        """The stack outputs, by name (what ``pulumi stack output`` shows)."""
        self.register_outputs(outputs)


def chart_secret(options: dict[str, Any], config: StackConfig) -> dict[str, Any]:
    """A release's inputs with its repository a Pulumi secret when ``fate:chartRepo``
    was one (a URL with credentials): the state then holds it encrypted."""
    if "chartRepo" in config.secret_keys and "repositoryOpts" in options:
        return {**options, "repositoryOpts": pulumi.Output.secret(options["repositoryOpts"])}
    return options
