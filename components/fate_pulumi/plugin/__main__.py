"""The component provider of the Pulumi package ``fate``: serves the components of
:mod:`fate_pulumi.package`, its schema inferred from their annotations."""

from pulumi.provider.experimental import component_provider_host

from fate_iac import __version__
from fate_pulumi.package import COMPONENTS

if __name__ == "__main__":
    component_provider_host(components=COMPONENTS, name="fate", version=__version__)
