"""Deploy and operate FATE federated-learning parties on Kubernetes with Pulumi.

Pure logic only (no Pulumi resources): typed configuration, chart values, chart
sources, offline rendering and KubeFATE compatibility. Pulumi components live in
``components``; the command line in the ``fatectl`` package.
"""

__version__ = "0.1.0"
"""This project's version, its one home: the wheel's metadata (pyproject reads it here),
``fatectl --version`` and the Pulumi package the component provider serves."""
