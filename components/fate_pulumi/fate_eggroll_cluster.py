"""``FateEggrollCluster``: one FATE party on eggroll, as the upstream ``fate`` chart."""

from fate_pulumi.party import FateParty


class FateEggrollCluster(FateParty):
    """A party's namespace and its ``fate`` Helm release, FATE on eggroll: rollsite,
    clustermanager, nodemanagers and fateflow; ``federation_endpoint`` is its rollsite.
    Its rollsite routes (``partyList``, the exchange) come from the federation records
    of its peers (``peers``) or its exchange (``exchangeStack``)."""

    type_token = "fate:index:FateEggrollCluster"
