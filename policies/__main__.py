"""The policy pack the Pulumi CLI runs (``--policy-pack policies``). Building the
``PolicyPack`` serves it and blocks: the policies themselves are in :mod:`fate_policies`."""

from fate_policies.pack import serve

serve()
