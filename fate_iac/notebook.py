"""The notebook (module ``client``): Jupyter, which runs code as the party. Where the
chart publishes it, and the password it must have there.

Every fate chart version publishes the notebook whenever the module is deployed: its
Ingress ``client`` is rendered for ``ingress.client.hosts`` (else the chart's
notebook.example.com) with no switch to leave it out, and with ``istio.enabled`` an
Istio VirtualService on the party's gateway takes its place (v1.8.x renders the Ingress
too). A ``modules.client.type`` of NodePort or LoadBalancer (only through
``helmValues``) publishes its Service as well. The chart starts Jupyter with an empty
token and ``client.notebook_hashed_password`` as its password: without one, whoever
reaches a published notebook runs code as the party. So a deployed notebook needs a
password, or the explicit opt-out :data:`OPT_OUT`, which ``validate`` names when taken;
the only way not to publish it is to leave ``client`` out of ``fate:modules``.

Its NetworkPolicy is :mod:`fate_iac.isolation`'s: the notebook's port is opened beyond
its namespace only when it has a password, opt-out or not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from fate_iac.config import PartyConfig
from fate_iac.endpoints import ingress_hosts
from fate_iac.problems import Problem
from fate_iac.secrets import Secret

PASSWORD_PATH = ("client", "notebook_hashed_password")
OPT_OUT = "allowNotebookWithoutPassword"
"""The top-level key that accepts a published notebook without a password."""
RULE = "notebook-password"
PUBLISHED_SERVICE_TYPES = ("NodePort", "LoadBalancer")
HASH_COMMAND = "python3 -c 'from notebook.auth import passwd; print(passwd())'"
"""Prints a Jupyter password hash (``jupyter_server.auth`` on newer Jupyter)."""


def notebook_password(cfg: PartyConfig) -> Secret | None:
    """The notebook's password hash, None when unset (a value not read, without the
    passphrase, counts as set; an empty one is refused as a blank secret)."""
    return cfg.client.notebook_hashed_password if cfg.client else None


def notebook_publication(cfg: PartyConfig) -> list[str]:
    """How the chart publishes the notebook, one phrase each; empty when it is not
    deployed."""
    if not cfg.has("client"):
        return []
    hosts = ", ".join(ingress_hosts(cfg, "client"))
    istio = cfg.istio is not None and cfg.istio.enabled
    found = [
        f"its Istio VirtualService notebook ({hosts})" if istio else f"its Ingress client ({hosts})"
    ]
    chart_modules = (cfg.helmValues or {}).get("modules")
    client = chart_modules.get("client") if isinstance(chart_modules, dict) else None
    service_type = client.get("type") if isinstance(client, dict) else None
    if service_type in PUBLISHED_SERVICE_TYPES:
        found.append(f"its Service notebook ({service_type}, from helmValues)")
    return found


def _is_jupyter_hash(value: str) -> bool:
    """Jupyter's form: ``argon2:<argon2 hash>`` or ``<hashlib algorithm>:<salt>:<hex>``.
    Anything else (a password in clear, say) never matches, and nobody could log in."""
    if value.startswith("argon2:"):
        return len(value) > len("argon2:")
    algorithm, _, rest = value.partition(":")
    salt, sep, digest = rest.partition(":")
    hexdigits = set("0123456789abcdef")
    return (
        algorithm in hashlib.algorithms_guaranteed
        and bool(sep)
        and bool(digest)
        and set(digest) <= hexdigits
        and bool(salt)
    )


def published_notebook_password(cfg: PartyConfig) -> Iterator[Problem]:
    """A published notebook has a password (a Jupyter hash), unless the opt-out is
    taken. The messages never quote the value."""
    published = notebook_publication(cfg)
    password = notebook_password(cfg)
    if password is not None:
        if published and password.value is not None and not _is_jupyter_hash(password.value):
            yield Problem(
                PASSWORD_PATH,
                RULE,
                "is not a Jupyter password hash (argon2:... or sha1:<salt>:<hex digest>), "
                "so nobody could log in to the notebook; set the hash that "
                f"`{HASH_COMMAND}` prints, as a secret",
            )
        return
    if not published or cfg.allowNotebookWithoutPassword:
        return
    yield Problem(
        PASSWORD_PATH,
        RULE,
        "not set, but the notebook is published by "
        f"{' and '.join(published)}, and runs code as the party for whoever reaches "
        "it; set a Jupyter password hash as a secret: pulumi config set --secret --path "
        f"'fate:client.notebook_hashed_password' <hash> (`{HASH_COMMAND}` prints one), "
        f"or leave client out of fate:modules, or opt out with fate:{OPT_OUT}: true",
    )


def opt_out_notes(cfg: PartyConfig, port_closed: bool) -> list[str]:
    """The opt-out, named when taken: a published notebook without a password.
    ``port_closed``: NetworkPolicies keep its port inside the namespace."""
    published = notebook_publication(cfg)
    taken = cfg.allowNotebookWithoutPassword and notebook_password(cfg) is None
    if not published or not taken:
        return []
    note = (
        f"fate:{OPT_OUT}: the notebook is published by {' and '.join(published)} "
        "without a password: whoever reaches it runs code as the party"
    )
    if port_closed:
        note += (
            "; its NetworkPolicy keeps its port inside the namespace, so the Ingress "
            "reaches it only where NetworkPolicies are not enforced"
        )
    return [note]
