"""The Pulumi program of a FATE stack: a party (``pulumi up --stack party10000``) or the
exchange (``pulumi up --stack exchange``), told apart by ``fate:chartName``."""

import pulumi

from components import Exchange, FateEggrollCluster
from components.federation_refs import existing_stacks, federation_records
from fate_iac.charts import ChartSourceError
from fate_iac.exchange import ExchangeConfig
from fate_iac.problems import ConfigError
from fate_iac.program import load_stack_for_run
from fate_iac.routing import referenced_stacks

try:
    loaded, chart, serving_chart = load_stack_for_run(pulumi.get_stack())
except (ConfigError, ChartSourceError) as error:
    # Refused before any resource is registered: nothing is half-deployed.
    raise pulumi.RunError(str(error)) from None

for note in loaded.notes:
    pulumi.log.warn(note)

cfg = loaded.config
referenced = referenced_stacks(cfg)
records = federation_records(referenced, existing_stacks() if referenced else None)
if isinstance(cfg, ExchangeConfig):
    exchange = Exchange(cfg.release_name, cfg, chart, records, serving_chart)
    pulumi.export("namespace", exchange.namespace)
    pulumi.export("releaseName", exchange.release_name)
    pulumi.export("members", exchange.members)
    pulumi.export("federation", exchange.federation)
else:
    party = FateEggrollCluster(cfg.release_name, cfg, chart, records)
    pulumi.export("partyId", party.party_id)
    pulumi.export("namespace", party.namespace)
    pulumi.export("releaseName", party.release_name)
    pulumi.export("chartVersion", party.chart_version)
    pulumi.export("federationEndpoint", party.federation_endpoint)
    pulumi.export("fateflow", party.fateflow)
    pulumi.export("fateboardHosts", party.fateboard_hosts)
    pulumi.export("notebookHosts", party.notebook_hosts)
    pulumi.export("federation", party.federation)
