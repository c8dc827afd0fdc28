"""The component provider of the Pulumi package ``fate``: serves the components of
:mod:`fate_pulumi.package`, its schema inferred from their annotations
(:mod:`fate_pulumi.package_host`)."""

import sys

from fate_pulumi.package_host import serve

if __name__ == "__main__":
    serve(sys.argv[1:])
