"""Three organisations, each with its own cluster (API server and CA), its own Pulumi
backend and its own passphrase, federating only by the files ``fatectl federation
record`` writes: X runs the exchange, Y (party 9999) and Z (party 10000) a party each
behind it, Y and Z also peers (P2P), every route over TLS. Then Y rotates its CA and
re-issues its record; X and Z take the new file, and their routes and trust follow.

On the same clusters, a second run without an exchange and without TLS: two more
organisations, P and Q, a party each, peers by the files ``federation record`` writes,
and K, a party KubeFATE deployed, known to both by the record ``fatectl import-kubefate
--record`` writes from its cluster.yaml. (KubeFATE's charts as shipped carry no TLS
between rollsites, so K's partners speak none to it.)

Each organisation's steps run at once where they do not wait for each other, as three
operators would."""

from __future__ import annotations

import base64
import json
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from pulumi import automation as auto

from e2e.controlplane import ControlPlane, control_plane, kube_get
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac import tls, yamlio
from fate_iac.pki import issue_ca
from tests.conftest import NOTEBOOK_HASH, SHARED

TLS_EXAMPLE = PROJECT_DIR / "examples" / "tls"
KUBEFATE_PARTY = SHARED / "kubefate-examples" / "v1.11.2" / "party-10000" / "cluster.yaml"
"""K's cluster.yaml, KubeFATE's example as it is: party 10000, rollsite on NodePort
30101, reaching party 9999 at 192.168.9.1:30091."""


@dataclass(frozen=True)
class Org:
    """One organisation: its cluster, its workspace (backend, passphrase), its stack."""

    name: str
    plane: ControlPlane
    ws: Workspace
    stack: str
    namespace: str

    @property
    def partners(self) -> Path:
        return self.ws.project_dir / "partners"

    def config(self, **keys: Any) -> None:
        """Set ``fate:<key>`` in its stack file, as its operator edits it."""
        path = self.ws.project_dir / f"Pulumi.{self.stack}.yaml"
        document = yamlio.load(path.read_text())
        for key, value in keys.items():
            document["config"][f"fate:{key}"] = value
        path.write_text(yamlio.dump(document))

    def secret(self, key: str, value: str) -> None:
        """``pulumi config set --secret --path`` (a PEM starts like a flag: through the
        Automation API, which ends the flags before the value)."""
        self.ws.stack(self.stack).set_config(key, auto.ConfigValue(value, secret=True), path=True)

    def up(self) -> str:
        return self.ws.federation("up", "--yes").stderr

    def publish(self) -> Path:
        """``federation record`` into a file, which it hands to the others."""
        out = self.ws.project_dir / f"{self.name}.yaml"
        self.ws.federation("record", "--stack", self.stack, "--out", str(out))
        return out

    def take(self, record: Path, as_name: str) -> None:
        """A partner's file, received (by mail, say) into ``partners/``."""
        self.partners.mkdir(exist_ok=True)
        shutil.copy(record, self.partners / as_name)

    def routes(self) -> dict[str, Any]:
        found = kube_get(
            self.plane, f"/api/v1/namespaces/{self.namespace}/configmaps/rollsite-config"
        )
        assert found is not None, self.name
        table: dict[str, Any] = json.loads(found["data"]["route_table.json"])["route_table"]
        return table

    def trusted(self) -> set[x509.Name]:
        """The subjects of the CAs its rollsite trusts, as its cluster holds them."""
        found = kube_get(
            self.plane, f"/api/v1/namespaces/{self.namespace}/secrets/{tls.CERTS_SECRET}"
        )
        assert found is not None, self.name
        bundle = base64.b64decode(found["data"]["ca.pem"])
        return {cert.subject for cert in x509.load_pem_x509_certificates(bundle)}


def published_ca(record: Path) -> x509.Name:
    return x509.load_pem_x509_certificate(yamlio.load(record.read_text())["ca"].encode()).subject


def at_once(*steps: Callable[[], Any]) -> list[Any]:
    with ThreadPoolExecutor(len(steps)) as pool:
        return [f.result() for f in [pool.submit(step) for step in steps]]


@pytest.fixture(scope="module")
def planes(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ControlPlane]]:
    """Three clusters, each with its own API server and CA."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(
                control_plane(tools.bin_dirs, tmp_path_factory.mktemp(f"plane-{org}"))
            )
            for org in "xyz"
        ]


def organisation(
    tools: Tools,
    plane: ControlPlane,
    chart_repo: str,
    root: Path,
    name: str,
    stack: str,
    namespace: str,
    source: Path = TLS_EXAMPLE,
    from_stack: str | None = None,
) -> Org:
    """Organisation ``name`` on ``plane``: its stack ``stack`` made from the stack file of
    ``from_stack`` (by default ``stack``) in the project ``source``, with no federation
    key yet, and secrets of its own, in a backend of its own."""
    template = from_stack or stack
    project = copy_project(root / name / "project", [template], chart_repo, source=source)
    path = project / f"Pulumi.{stack}.yaml"
    (project / f"Pulumi.{template}.yaml").rename(path)
    document = yamlio.load(path.read_text())
    document.pop("encryptionsalt", None)  # its own passphrase, below: the example's goes
    config = document["config"]
    credentials = ("mysql", "password"), ("fateboard", "password")
    for section, key in (*credentials, ("client", "notebook_hashed_password")):
        if isinstance(config.get(f"fate:{section}"), dict):
            config[f"fate:{section}"].pop(key, None)
    config.pop("fate:peers", None)
    config.pop("fate:members", None)
    config.pop("fate:exchangeStack", None)
    path.write_text(yamlio.dump(document))
    ws = workspace(tools, project, root / name, plane.kubeconfig, passphrase=f"{name}-passphrase")
    org = Org(name, plane, ws, stack, namespace)
    if stack != "exchange":
        ws.stack(stack)  # its backend, with its passphrase, holds its secrets
        org.secret("fate:mysql.password", f"{name}-mysql-password")
        org.secret("fate:fateboard.password", f"{name}-fateboard-password")
        org.secret("fate:client.notebook_hashed_password", NOTEBOOK_HASH)
    return org


def test_three_organisations_federate_by_the_records_they_exchange(
    tools: Tools, planes: list[ControlPlane], chart_repo: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    x, y, z = (
        organisation(tools, planes[0], chart_repo, tmp_path, "x", "exchange", "fate-tls-exchange"),
        organisation(tools, planes[1], chart_repo, tmp_path, "y", "party9999", "fate-tls-9999"),
        organisation(tools, planes[2], chart_repo, tmp_path, "z", "party10000", "fate-tls-10000"),
    )
    assert len({p.server for p in planes}) == 3

    # X brings up its exchange, with no member yet, and publishes its record.
    x.config(members=[])
    x.up()
    x_record = x.publish()
    # Y and Z take it (its fingerprint compared with X out of band, and pinned).
    pinned = yamlio.load(x_record.read_text())["fingerprint"]
    for org in (y, z):
        org.take(x_record, "x-exchange.yaml")
        org.config(exchangeStack={"record": "partners/x-exchange.yaml", "fingerprint": pinned})
    at_once(y.up, z.up)
    y_record, z_record = at_once(y.publish, z.publish)

    # Each takes the others' files: X its members, Y and Z each other as peers.
    x.take(y_record, "y-9999.yaml")
    x.take(z_record, "z-10000.yaml")
    x.config(members=[{"record": "partners/y-9999.yaml"}, {"record": "partners/z-10000.yaml"}])
    y.take(z_record, "z-10000.yaml")
    y.config(peers=[{"record": "partners/z-10000.yaml"}])
    z.take(y_record, "y-9999.yaml")
    z.config(peers=[{"record": "partners/y-9999.yaml"}])
    validated = x.ws.fatectl(
        "validate", "-s", "exchange", "--project-dir", str(x.ws.project_dir)
    ).stdout
    assert "static party record at fate:members[0]: party 9999, from partners/y-9999.yaml" in (
        validated
    )
    at_once(x.up, y.up, z.up)
    converged = time.monotonic()

    # Each API server holds routes to the others' published TLS endpoints...
    secure = {"is_secure": True}
    assert x.routes()["9999"]["default"] == [{"ip": "192.168.9.1", "port": 30004, **secure}]
    assert x.routes()["10000"]["default"] == [{"ip": "192.168.10.1", "port": 30008, **secure}]
    assert y.routes()["default"]["default"] == [{"ip": "192.168.0.1", "port": 30002, **secure}]
    assert y.routes()["10000"]["default"] == [{"ip": "192.168.10.1", "port": 30008, **secure}]
    assert z.routes()["default"]["default"] == [{"ip": "192.168.0.1", "port": 30002, **secure}]
    assert z.routes()["9999"]["default"] == [{"ip": "192.168.9.1", "port": 30004, **secure}]
    # ...and trusts the CAs their records publish (and its own), nothing else.
    cas = {org.name: published_ca(r) for org, r in ((x, x_record), (y, y_record), (z, z_record))}
    assert len(set(cas.values())) == 3
    assert x.trusted() == {cas["x"], cas["y"], cas["z"]}
    assert y.trusted() == {cas["y"], cas["x"], cas["z"]}
    assert z.trusted() == {cas["z"], cas["x"], cas["y"]}
    # Each organisation's status shows its own stack, ready, and nothing of the others'.
    for org in (x, y, z):
        status = json.loads(org.ws.federation("status", "--json").stdout)
        assert [(s["stack"], s["deployed"], s["health"]) for s in status["stacks"]] == [
            (org.stack, True, "ready")
        ]

    # Y rotates its CA (it brings a new one), updates, and re-issues its record.
    rotated = issue_ca("fate-9999 CA 2", "org y", 87600)
    y.config(tls={"nodePort": 30004, "ca": {"certificate": rotated.certificate}})
    y.secret("fate:tls.ca.key", rotated.key)
    y.up()
    y_new = y.publish()
    assert published_ca(y_new) != cas["y"]
    assert y.trusted() == {published_ca(y_new), cas["x"], cas["z"]}
    # Until X and Z take the new file, they trust the old CA; then the new one only.
    assert cas["y"] in x.trusted()
    x.take(y_new, "y-9999.yaml")
    z.take(y_new, "y-9999.yaml")
    at_once(x.up, z.up)
    assert x.trusted() == {cas["x"], published_ca(y_new), cas["z"]}
    assert z.trusted() == {cas["z"], cas["x"], published_ca(y_new)}
    assert x.routes()["9999"]["default"] == [{"ip": "192.168.9.1", "port": 30004, **secure}]
    print(
        f"three organisations converged in {converged - started:.0f}s; "
        f"with the rotation, {time.monotonic() - started:.0f}s"
    )


def test_a_p2p_pair_of_organisations_and_a_partner_kubefate_deployed(
    tools: Tools, planes: list[ControlPlane], chart_repo: str, tmp_path: Path
) -> None:
    """P (party 9999, on Y's cluster) and Q (party 20000, on Z's), each with its own
    backend and passphrase, reach each other directly by the records they exchange, and
    both reach K (party 10000), which KubeFATE deployed, by the record its operator
    writes from K's cluster.yaml."""
    started = time.monotonic()
    p = organisation(
        tools, planes[1], chart_repo, tmp_path, "p", "party9999", "fate-9999", PROJECT_DIR
    )
    q = organisation(
        tools,
        planes[2],
        chart_repo,
        tmp_path,
        "q",
        "party20000",
        "fate-20000",
        PROJECT_DIR,
        from_stack="party10000",
    )
    q.config(
        partyId=20000,
        name="fate-20000",
        namespace="fate-20000",
        publicHost="192.168.20.1",
        servingIp="192.168.20.1",
    )
    # K's operator, who runs KubeFATE and no Pulumi, writes the record its party would
    # publish, at the node address partners reach it at, and sends it to P and Q.
    k_record = tmp_path / "k-10000.yaml"
    p.ws.fatectl(
        "import-kubefate",
        str(KUBEFATE_PARTY),
        "--record",
        "--host",
        "192.168.10.1",
        "--out",
        str(k_record),
    )
    for org in (p, q):
        org.take(k_record, "k-10000.yaml")
        org.config(peers=[{"record": "partners/k-10000.yaml"}])
    at_once(p.up, q.up)
    p_record, q_record = at_once(p.publish, q.publish)

    # P and Q take each other's file: each routes to the other and to K.
    p.take(q_record, "q-20000.yaml")
    p.config(peers=[{"record": "partners/k-10000.yaml"}, {"record": "partners/q-20000.yaml"}])
    q.take(p_record, "p-9999.yaml")
    q.config(peers=[{"record": "partners/k-10000.yaml"}, {"record": "partners/p-9999.yaml"}])
    validated = q.ws.fatectl(
        "validate", "-s", "party20000", "--project-dir", str(q.ws.project_dir)
    ).stdout
    assert "static party record at fate:peers[0]: party 10000, from partners/k-10000.yaml" in (
        validated
    )
    assert "static party record at fate:peers[1]: party 9999, from partners/p-9999.yaml" in (
        validated
    )
    at_once(p.up, q.up)

    # Each API server holds routes to the other's published endpoint and to K's, in
    # plaintext, and no exchange: the default route is its own rollsite.
    k_route = [{"ip": "192.168.10.1", "port": 30101}]
    local = {"default": [{"ip": "rollsite", "port": 9370}]}
    assert p.routes()["20000"] == {"default": [{"ip": "192.168.20.1", "port": 30101}]}
    assert p.routes()["10000"] == {"default": k_route}
    assert p.routes()["default"] == local
    assert q.routes()["9999"] == {"default": [{"ip": "192.168.9.1", "port": 30091}]}
    assert q.routes()["10000"] == {"default": k_route}
    assert q.routes()["default"] == local
    # K's cluster.yaml reaches party 9999 where P's record says P is.
    k_cluster = yamlio.load(KUBEFATE_PARTY.read_text())
    published = yamlio.load(p_record.read_text())["endpoints"]["rollsite"]
    assert {"partyId": 9999, "partyIp": published["host"], "partyPort": published["port"]} in (
        k_cluster["rollsite"]["partyList"]
    )
    # No TLS anywhere: no certificates Secret in either namespace.
    for org in (p, q):
        assert (
            kube_get(org.plane, f"/api/v1/namespaces/{org.namespace}/secrets/{tls.CERTS_SECRET}")
            is None
        )
    print(f"a P2P pair and a KubeFATE partner converged in {time.monotonic() - started:.0f}s")
