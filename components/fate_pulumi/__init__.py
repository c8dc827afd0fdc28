"""The Pulumi side of this project: components (type tokens ``fate:index:<Component>``),
the program every stack runs, and the Automation API runner of ``fatectl federation``.

Everything that imports Pulumi lives here; :mod:`fate_iac` stays pure."""

from fate_pulumi.exchange import Exchange
from fate_pulumi.fate_eggroll_cluster import FateEggrollCluster
from fate_pulumi.fate_serving import FateServing
from fate_pulumi.fate_spark_cluster import FateSparkCluster
from fate_pulumi.kubefate_server import KubeFateServer
from fate_pulumi.party import FateParty
from fate_pulumi.stack import FateStack

__all__ = [
    "Exchange",
    "FateEggrollCluster",
    "FateParty",
    "FateServing",
    "FateSparkCluster",
    "FateStack",
    "KubeFateServer",
]
