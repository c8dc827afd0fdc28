"""The cluster a stack deploys to, as the kubernetes provider reads it from the stack's
config: ``kubernetes:kubeconfig`` (a path, or a kubeconfig's content; a secret or not)
and ``kubernetes:context``; with neither, the ambient kubeconfig (``KUBECONFIG``, else
``~/.kube/config``) and its current context.

Every fatectl command that reads a cluster reads this one, so two stacks of one project
may deploy to two organisations' clusters. Clashes between stacks (a namespace, a
NodePort) are checked per cluster, and a cluster is known by what it is, its API server
address and CA (:meth:`ClusterTarget.identity`), never by a context's name, which two
kubeconfigs may give to different clusters (or two names to one).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.problems import ConfigError, Problem
from fate_iac.secrets import Decrypter, PassphraseError, passphrase_from_env

KUBECONFIG_KEY = "kubernetes:kubeconfig"
CONTEXT_KEY = "kubernetes:context"


def is_content(kubeconfig: str) -> bool:
    """A kubeconfig given as its content (YAML or JSON), not as a path."""
    return "\n" in kubeconfig.strip() or kubeconfig.lstrip().startswith("{")


@dataclass(frozen=True)
class ClusterTarget:
    """Where a stack deploys: a kubeconfig (an absolute path or its content; None: the
    ambient one) and a context (None: its current one), and who named them."""

    kubeconfig: str | None = None
    context: str | None = None
    named_by: str = ""
    """``stack config``, ``--kubeconfig/--context``, or "" (the ambient kubeconfig)."""

    @property
    def ambient(self) -> bool:
        return self.kubeconfig is None and self.context is None

    def overridden(self, kubeconfig: str | None, context: str | None) -> ClusterTarget:
        """This target with ``--kubeconfig`` and ``--context`` of one run applied."""
        if kubeconfig is None and context is None:
            return self
        return replace(
            self,
            kubeconfig=str(Path(kubeconfig).expanduser().resolve())
            if kubeconfig
            else self.kubeconfig,
            context=context if context is not None else (None if kubeconfig else self.context),
            named_by="--kubeconfig/--context",
        )

    def where(self) -> str:
        """The target in words, for messages (a kubeconfig's content is never shown)."""
        if self.ambient:
            return "the ambient kubeconfig's current context (no kubernetes:kubeconfig or context)"
        context = f"context {self.context}" if self.context else "the current context"
        if self.kubeconfig is None:
            source = "the ambient kubeconfig"
        elif is_content(self.kubeconfig):
            source = "the kubeconfig given in kubernetes:kubeconfig"
        else:
            source = f"kubeconfig {self.kubeconfig}"
        return f"{context} of {source}" + (f" ({self.named_by})" if self.named_by else "")

    def document(self) -> dict[str, Any] | None:
        """The kubeconfig this target reads (None when it cannot be read)."""
        if self.kubeconfig is not None:
            given = self.kubeconfig
            texts = [given] if is_content(given) else _read([given])
        else:
            ambient = os.environ.get("KUBECONFIG")
            files = ambient.split(os.pathsep) if ambient else ["~/.kube/config"]
            texts = _read([str(Path(f).expanduser()) for f in files if f])
        merged: dict[str, Any] = {}
        for text in texts:
            try:
                document = yamlio.load(text)
            except Exception:  # the YAML parser's own
                continue
            if not isinstance(document, Mapping):
                continue
            for key in ("clusters", "contexts"):
                merged.setdefault(key, []).extend(document.get(key) or [])
            merged.setdefault("current-context", document.get("current-context"))
        return merged or None

    def cluster(self) -> tuple[str, str] | None:
        """The API server address and the CA (PEM, "" for none) this target reaches."""
        document = self.document()
        if document is None:
            return None
        name = self.context or document.get("current-context")
        context = _named(document.get("contexts"), name)
        cluster = _named(document.get("clusters"), (context or {}).get("cluster"))
        if not cluster or not cluster.get("server"):
            return None
        ca = ""
        if cluster.get("certificate-authority-data"):
            ca = base64.b64decode(str(cluster["certificate-authority-data"])).decode(
                errors="replace"
            )
        elif cluster.get("certificate-authority"):
            ca = "".join(_read([str(cluster["certificate-authority"])]))
        return str(cluster["server"]), ca

    def identity(self) -> str:
        """What the cluster is: its API server and its CA's digest; when the kubeconfig
        cannot be read, the names it was given by (the best that is known)."""
        found = self.cluster()
        if found is None:
            return f"unread: {self.kubeconfig or 'ambient'} @ {self.context or 'current'}"
        server, ca = found
        digest = hashlib.sha256(ca.encode()).hexdigest()[:16] if ca else "none"
        return f"{server} (CA {digest})"


def _named(entries: Any, name: Any) -> dict[str, Any] | None:
    for entry in entries or []:
        if isinstance(entry, Mapping) and entry.get("name") == name:
            inner = entry.get("context") or entry.get("cluster")
            return dict(inner) if isinstance(inner, Mapping) else None
    return None


def _read(paths: list[str]) -> list[str]:
    texts = []
    for path in paths:
        try:
            texts.append(Path(path).read_text())
        except OSError:
            continue
    return texts


def stack_target(path: Path, stack: str, passphrase: str | None = None) -> ClusterTarget:
    """The cluster the stack of stack file ``path`` deploys to, as the provider reads its
    config (a relative kubeconfig path is the project directory's, where the program
    runs). A secret kubeconfig is opened with the passphrase (:class:`ConfigError` when
    it cannot be)."""
    document = yamlio.load(path.read_text()) if path.exists() else None
    config = (document or {}).get("config") or {}
    values: dict[str, str | None] = {}
    for key in (KUBECONFIG_KEY, CONTEXT_KEY):
        value = config.get(key)
        if isinstance(value, Mapping) and set(value) == {"secure"}:
            value = _open(document or {}, stack, key, str(value["secure"]), passphrase)
        values[key] = str(value) if value not in (None, "") else None
    kubeconfig = values[KUBECONFIG_KEY]
    if kubeconfig is not None and not is_content(kubeconfig):
        target = Path(kubeconfig).expanduser()
        kubeconfig = str(target if target.is_absolute() else (path.parent / target).resolve())
    named = "stack config" if kubeconfig or values[CONTEXT_KEY] else ""
    return ClusterTarget(kubeconfig, values[CONTEXT_KEY], named)


def _open(
    document: Mapping[str, Any], stack: str, key: str, ciphertext: str, passphrase: str | None
) -> str:
    passphrase = passphrase if passphrase is not None else passphrase_from_env()
    salt = document.get("encryptionsalt")
    if passphrase is None or not salt:
        raise ConfigError(
            stack,
            [
                Problem(
                    (),
                    "secret",
                    f"{key} is a secret: set PULUMI_CONFIG_PASSPHRASE (or _FILE) so that "
                    "fatectl reads the cluster the stack deploys to, or give --kubeconfig",
                )
            ],
        )
    try:
        return Decrypter(passphrase, str(salt)).decrypt(ciphertext)
    except PassphraseError as error:
        raise ConfigError(stack, [Problem((), "secret", f"{key}: {error}")]) from None
