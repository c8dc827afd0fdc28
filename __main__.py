"""The Pulumi program of a FATE party stack (``pulumi up --stack party10000``)."""

import pulumi

from components import FateEggrollCluster
from fate_iac.charts import ChartSourceError
from fate_iac.problems import ConfigError
from fate_iac.program import load_party

try:
    loaded, chart = load_party(pulumi.get_stack())
except (ConfigError, ChartSourceError) as error:
    # Refused before any resource is registered: nothing is half-deployed.
    raise pulumi.RunError(str(error)) from None

for note in loaded.notes:
    pulumi.log.warn(note)

party = FateEggrollCluster(loaded.config.release_name, loaded.config, chart)

pulumi.export("partyId", party.party_id)
pulumi.export("namespace", party.namespace)
pulumi.export("releaseName", party.release_name)
pulumi.export("chartVersion", party.chart_version)
pulumi.export("federationEndpoint", party.federation_endpoint)
pulumi.export("fateflow", party.fateflow)
pulumi.export("fateboardHosts", party.fateboard_hosts)
pulumi.export("notebookHosts", party.notebook_hosts)
