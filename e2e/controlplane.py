"""A throwaway Kubernetes cluster on 127.0.0.1 with a simulated data plane: etcd,
kube-apiserver with its own PKI and a static token, kube-controller-manager (workload
controllers, namespace deletion, garbage collection), kube-scheduler, and KWOK, which
plays the kubelet of a few simulated nodes: pods scheduled there are reported Running
and Ready (a Job's pods complete), so Deployments, StatefulSets and Jobs become
available exactly as a release's await expects. No container runs.

Everything lives in one work directory and stops when the context exits, on failure too.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


class ControlPlaneError(RuntimeError):
    """A component did not start; the message carries the end of its log."""


@dataclass(frozen=True)
class ControlPlane:
    server: str
    token: str
    kubeconfig: Path
    workdir: Path
    nodes: tuple[str, ...] = ()
    restart_apiserver: Callable[[float], None] | None = field(default=None, compare=False)
    """Stop the API server, wait the seconds given, start it again and wait until it is
    ready (what a control plane's upgrade or a crash does to a run)."""


SIMULATED_NODES = 3
NODE_LABEL = "fate.fedai.org/simulated-node"
"""Every simulated node carries it (value: its name), for tests to select on."""
NODE_CAPACITY = {"cpu": "64", "memory": "256Gi", "pods": "250", "ephemeral-storage": "1Ti"}
"""Each simulated node's: more than a FATE party asks for."""
CONTROLLERS = (
    "namespace-controller",
    "garbage-collector-controller",
    "deployment-controller",
    "replicaset-controller",
    "statefulset-controller",
    "daemonset-controller",
    "job-controller",
    "ttl-after-finished-controller",
    "pod-garbage-collector-controller",
    "serviceaccount-controller",
    "endpointslice-controller",
    "endpoints-controller",
    # Claims bind to PersistentVolumes a test creates, and are deleted once unused.
    "persistentvolume-binder-controller",
    "persistentvolume-protection-controller",
    "persistentvolumeclaim-protection-controller",
)


def simulated_node(name: str) -> dict[str, Any]:
    """A Node that KWOK manages (its annotation says so) and the scheduler can use."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
                NODE_LABEL: name,
            },
        },
        "status": {"capacity": NODE_CAPACITY, "allocatable": NODE_CAPACITY},
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    sans: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer[0].subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def write_pki(directory: Path) -> dict[str, Path]:
    """A CA, the API server's serving certificate, and the service-account key pair."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("fate-e2e-ca", ca_key, None)
    server_key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [
        x509.DNSName("localhost"),
        x509.DNSName("kubernetes"),
        x509.DNSName("kubernetes.default.svc"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("10.96.0.1")),
    ]
    server = _certificate("kube-apiserver", server_key, (ca, ca_key), sans)
    sa_key = ec.generate_private_key(ec.SECP256R1())
    paths = {
        "ca.crt": directory / "ca.crt",
        "server.crt": directory / "server.crt",
        "server.key": directory / "server.key",
        "sa.key": directory / "sa.key",
        "sa.pub": directory / "sa.pub",
    }
    paths["ca.crt"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["server.crt"].write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_key(paths["server.key"], server_key)
    _write_key(paths["sa.key"], sa_key)
    paths["sa.pub"].write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return paths


def kubeconfig_text(server: str, ca: Path, token: str) -> str:
    import base64

    ca_data = base64.b64encode(ca.read_bytes()).decode()
    return (
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: fate-e2e\n  cluster:\n    server: {server}\n"
        f"    certificate-authority-data: {ca_data}\n"
        f"users:\n- name: admin\n  user:\n    token: {token}\n"
        "contexts:\n- name: fate-e2e\n  context:\n    cluster: fate-e2e\n    user: admin\n"
        "current-context: fate-e2e\n"
    )


class _Processes:
    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.running.append((name, process))
        return process

    def tail(self, name: str, lines: int = 30) -> str:
        text = (self.logs / f"{name}.log").read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop_all(self) -> None:
        for _, process in reversed(self.running):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process in reversed(self.running):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait(
    processes: _Processes,
    name: str,
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ControlPlaneError(
                f"{name} exited with {process.returncode}:\n{processes.tail(name)}"
            )
        if ready():
            return
        time.sleep(0.2)
    raise ControlPlaneError(f"{name} not ready after {timeout:.0f}s:\n{processes.tail(name)}")


UNVERIFIED = ssl._create_unverified_context()
"""For a component's /healthz: it serves a certificate it made itself."""


def _http_ok(url: str, context: ssl.SSLContext | None = None, token: str | None = None) -> bool:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def control_plane(
    bin_dirs: dict[str, Path], workdir: Path, nodes: int = SIMULATED_NODES
) -> Iterator[ControlPlane]:
    """Start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK with
    ``nodes`` simulated nodes, all Ready; stop everything on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    pki = write_pki(workdir / "pki")
    token = secrets.token_hex(16)
    (workdir / "tokens.csv").write_text(f'{token},admin,admin,"system:masters"\n')
    etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
    server = f"https://127.0.0.1:{api_port}"
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.write_text(kubeconfig_text(server, pki["ca.crt"], token))

    processes = _Processes(logs)
    with ExitStack() as cleanup:
        cleanup.callback(processes.stop_all)
        etcd_url = f"http://127.0.0.1:{etcd_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        etcd = processes.start(
            "etcd",
            [
                str(bin_dirs["etcd"] / "etcd"),
                "--name=default",
                f"--data-dir={workdir / 'etcd'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls={peer_url}",
                f"--initial-advertise-peer-urls={peer_url}",
                f"--initial-cluster=default={peer_url}",
                "--unsafe-no-fsync",
            ],
        )
        _wait(processes, "etcd", etcd, lambda: _http_ok(f"{etcd_url}/health"), 60)

        apiserver_argv = [
            str(bin_dirs["kubernetes"] / "kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={api_port}",
            f"--tls-cert-file={pki['server.crt']}",
            f"--tls-private-key-file={pki['server.key']}",
            f"--client-ca-file={pki['ca.crt']}",
            f"--token-auth-file={workdir / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--service-account-issuer=https://kubernetes.default.svc",
            f"--service-account-key-file={pki['sa.pub']}",
            f"--service-account-signing-key-file={pki['sa.key']}",
            "--endpoint-reconciler-type=none",
            # No service-account tokens to mount; and no not-ready taint on new nodes,
            # which only the node lifecycle controller would lift (KWOK makes them Ready).
            "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
            "--allow-privileged=true",
            f"--cert-dir={workdir / 'apiserver-certs'}",
        ]
        apiserver = processes.start("kube-apiserver", apiserver_argv)
        tls = ssl.create_default_context(cafile=str(pki["ca.crt"]))
        _wait(
            processes,
            "kube-apiserver",
            apiserver,
            lambda: _http_ok(f"{server}/readyz", tls, token),
            120,
        )

        plane = ControlPlane(server, token, kubeconfig, workdir)

        def restart_apiserver(down: float) -> None:
            name, old = next(p for p in processes.running if p[0] == "kube-apiserver")
            os.killpg(old.pid, signal.SIGKILL)
            old.wait()
            processes.running.remove((name, old))
            time.sleep(down)
            new = processes.start("kube-apiserver", apiserver_argv)
            _wait(processes, name, new, lambda: _http_ok(f"{server}/readyz", tls, token), 120)

        def component(name: str, *args: str) -> subprocess.Popen[bytes]:
            """A control-plane component of the kubernetes build, alone and on loopback,
            once its /healthz answers. Its port was free when chosen; if another process
            took it before the component bound it, it starts again on another."""
            for _ in range(3):
                port = free_port()
                process = processes.start(
                    name,
                    [
                        str(bin_dirs["kubernetes"] / name),
                        f"--kubeconfig={kubeconfig}",
                        "--leader-elect=false",
                        "--bind-address=127.0.0.1",
                        f"--secure-port={port}",
                        f"--cert-dir={workdir / f'{name}-certs'}",
                        *args,
                    ],
                )
                healthz = f"https://127.0.0.1:{port}/healthz"
                try:
                    _wait(processes, name, process, partial(_http_ok, healthz, UNVERIFIED), 60)
                    return process
                except ControlPlaneError as error:
                    if "address already in use" not in str(error):
                        raise
            raise ControlPlaneError(f"{name}: no free port after 3 tries")

        controllers = component(
            "kube-controller-manager",
            f"--controllers={','.join(CONTROLLERS)}",
            "--use-service-account-credentials=false",
        )
        scheduler = component(
            "kube-scheduler",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
        )
        kwok_port = free_port()
        kwok = processes.start(
            "kwok",
            [
                str(bin_dirs["kwok"] / "kwok"),
                f"--kubeconfig={kubeconfig}",
                f"--config={bin_dirs['kwok'].parent / 'stages.yaml'}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--node-ip=127.0.0.1",
                f"--node-port={kwok_port}",
                f"--server-address=127.0.0.1:{kwok_port}",
                "--cidr=10.244.0.1/16",
                "--node-lease-duration-seconds=40",
            ],
        )
        for name, process in (
            ("kube-controller-manager", controllers),
            ("kube-scheduler", scheduler),
            ("kwok", kwok),
        ):
            _wait(processes, name, process, lambda: True, 1)  # still running
        names = tuple(f"sim-node-{index}" for index in range(nodes))
        for name in names:
            kube_request(plane, "POST", "/api/v1/nodes", simulated_node(name))
        _wait(processes, "kwok", kwok, lambda: all(_node_ready(plane, n) for n in names), 60)
        yield ControlPlane(server, token, kubeconfig, workdir, names, restart_apiserver)


def _node_ready(plane: ControlPlane, name: str) -> bool:
    node = kube_get(plane, f"/api/v1/nodes/{name}") or {}
    conditions = (node.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def kube_request(
    plane: ControlPlane,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = "application/json",
) -> Any:
    """Send ``body`` (JSON; a PATCH says which patch in ``content_type``) to an API path
    as the admin; the answer, decoded."""
    import json

    context = ssl.create_default_context(cafile=str(plane.workdir / "pki" / "ca.crt"))
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{plane.server}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {plane.token}")
    request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, context=context, timeout=10) as response:
        return json.load(response)


def make_volume(
    plane: ControlPlane,
    name: str,
    size: str = "1Gi",
    storage_class: str | None = None,
    reclaim: str = "Delete",
) -> None:
    """A hostPath PersistentVolume for a claim to bind to: no provisioner runs here (a
    claim of ``storage_class``; of none without one)."""
    spec: dict[str, Any] = {
        "capacity": {"storage": size},
        "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": f"/tmp/{name}"},
        "persistentVolumeReclaimPolicy": reclaim,
    }
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}}
    kube_request(plane, "POST", "/api/v1/persistentvolumes", {**volume, "spec": spec})


def kube_get(plane: ControlPlane, path: str) -> Any:
    """GET an API path as the admin; None when the object does not exist."""
    import json

    context = ssl.create_default_context(cafile=str(plane.workdir / "pki" / "ca.crt"))
    request = urllib.request.Request(f"{plane.server}{path}")
    request.add_header("Authorization", f"Bearer {plane.token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
