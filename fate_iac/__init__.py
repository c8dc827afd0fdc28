"""Deploy and operate FATE federated-learning parties on Kubernetes with Pulumi.

Pure logic only (no Pulumi resources): typed configuration, chart values, chart
sources, offline rendering and KubeFATE compatibility. Pulumi components live in
``components``; the command line in the ``fatectl`` package.
"""
