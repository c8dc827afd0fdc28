"""Typed configuration of every stack kind: the single source of truth for keys and defaults.

Keys follow KubeFATE's ``cluster.yaml`` wherever KubeFATE has the concept, so a KubeFATE
user can read a stack file. A section left out takes the chart's defaults; a section
written takes, for each key left out, the default of KubeFATE's ``values-template.yaml``
(given in each key's description), exactly as KubeFATE does. Keys this project adds are
marked *(Pulumi)*.

One module per thing described, each importing only those before it:
:mod:`~fate_iac.config.fields` (field types, single-key validators, base sections),
:mod:`~fate_iac.config.kubefate_server` (the KubeFATE service),
:mod:`~fate_iac.config.stack` (:class:`StackConfig`: the keys every kind has, declared
once), :mod:`~fate_iac.config.serving`, :mod:`~fate_iac.config.fate` and
:mod:`~fate_iac.config.exchange` (each kind's own keys) and
:mod:`~fate_iac.config.credentials`. Every NodePort a kind's Services can claim is
enumerated by its model's ``node_ports``, and every credential is a field typed
:data:`~fate_iac.config.fields.Credential` (:func:`credential_paths`).

Cross-field rules (NodePort ranges, module consistency, credentials...) live in
:mod:`fate_iac.rules`; this package checks what one key can check alone.
"""

from fate_iac.accepts import Accepts
from fate_iac.config.credentials import CREDENTIAL_PATHS, credential_paths
from fate_iac.config.exchange import ExchangeConfig
from fate_iac.config.fate import (
    ALL_MODULES,
    HdfsDatanode,
    HdfsNamenode,
    Module,
    PartyConfig,
    Zookeeper,
)
from fate_iac.config.fields import (
    Placement,
    Resources,
    Section,
    Storage,
)
from fate_iac.config.kubefate_server import KubeFateServerConfig
from fate_iac.config.serving import (
    SERVING_INHERITED,
    SERVING_MODULES,
    ServingChartVersion,
    ServingConfig,
    ServingFateflow,
    ServingServer,
)
from fate_iac.config.stack import StackConfig, TlsOptions
from fate_iac.typed import (
    Host,
    HostPort,
    IngressHostName,
    IPAddress,
    NamespaceName,
)

__all__ = [
    "ALL_MODULES",
    "CREDENTIAL_PATHS",
    "SERVING_INHERITED",
    "SERVING_MODULES",
    "Accepts",
    "ExchangeConfig",
    "HdfsDatanode",
    "HdfsNamenode",
    "Host",
    "HostPort",
    "IPAddress",
    "IngressHostName",
    "KubeFateServerConfig",
    "Module",
    "NamespaceName",
    "PartyConfig",
    "Placement",
    "Resources",
    "Section",
    "ServingChartVersion",
    "ServingConfig",
    "ServingFateflow",
    "ServingServer",
    "StackConfig",
    "Storage",
    "TlsOptions",
    "Zookeeper",
    "credential_paths",
]
