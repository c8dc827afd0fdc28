"""The real-engine harness: the Pulumi CLI and a throwaway Kubernetes control plane on
127.0.0.1 (etcd, kube-apiserver, kube-controller-manager), built from source by
``e2e/tools/build-tools.sh`` and started by :mod:`e2e.controlplane`."""
