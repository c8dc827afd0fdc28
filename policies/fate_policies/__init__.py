"""The policy pack's policies (``policies/``): pure checks over Kubernetes objects in
:mod:`fate_policies.objects` and :mod:`fate_policies.checks`, what a Helm release will
install in :mod:`fate_policies.releases`, and the Pulumi side in :mod:`fate_policies.pack`."""
