"""Credentials in stack config, and reading Pulumi passphrase-encrypted values offline.

Inside a Pulumi run the engine hands the program every config value decrypted, and
says which top-level keys were secrets. Offline (``fatectl``) the stack file holds
``{secure: v1:...}`` ciphertexts: they are decrypted when a passphrase is available
(``PULUMI_CONFIG_PASSPHRASE`` or ``PULUMI_CONFIG_PASSPHRASE_FILE``, as the Pulumi CLI
reads them), and otherwise stay opaque: known to be secrets, value unknown.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

REDACTED = "[secret]"
"""What a secret whose value is not known, or must not be shown, renders as."""

# The passphrase secrets provider of the Pulumi CLI: AES-256-GCM with a key derived by
# PBKDF2-HMAC-SHA256 (1,000,000 rounds) from the passphrase and the stack's salt. The
# stack file's ``encryptionsalt`` is ``v1:<salt>:<the word "pulumi" encrypted>``.
_PBKDF2_ROUNDS = 1_000_000
_VERIFIER = "pulumi"


@dataclass(frozen=True)
class Secret:
    """A credential from stack config.

    ``value`` is the plaintext when it is known (inside a Pulumi run, or offline with the
    stack's passphrase); ``secure`` says whether it reached us as a Pulumi secret. The
    plaintext never appears in ``repr``/``str``, so it cannot leak into error messages.
    """

    value: str | None
    secure: bool

    def __repr__(self) -> str:
        return "Secret(secure)" if self.secure else "Secret(plaintext)"

    __str__ = __repr__

    def reveal(self, redact: bool = False) -> str:
        """The plaintext, or :data:`REDACTED` when it is unknown or ``redact`` is set."""
        if redact or self.value is None:
            return REDACTED
        return self.value


class PassphraseError(ValueError):
    """The passphrase does not open this stack's secrets."""


class Decrypter:
    """Decrypts ``secure:`` values of one stack file encrypted with a passphrase."""

    def __init__(self, passphrase: str, encryption_salt: str) -> None:
        try:
            version, salt_b64, verifier = encryption_salt.split(":", 2)
            if version != "v1":
                raise ValueError(version)
            salt = base64.b64decode(salt_b64)
        except ValueError as exc:
            raise PassphraseError(f"unreadable encryptionsalt: {encryption_salt!r}") from exc
        self._key = _derive_key(passphrase, salt)
        try:
            correct = self.decrypt(verifier) == _VERIFIER
        except PassphraseError:
            correct = False
        if not correct:
            raise PassphraseError("incorrect passphrase for this stack's secrets")

    def decrypt(self, ciphertext: str) -> str:
        try:
            version, nonce_b64, data_b64 = ciphertext.split(":", 2)
            if version != "v1":
                raise ValueError(version)
            plain = AESGCM(self._key).decrypt(
                base64.b64decode(nonce_b64), base64.b64decode(data_b64), None
            )
        except (ValueError, InvalidTag) as exc:
            raise PassphraseError("a secure value does not decrypt with this passphrase") from exc
        return plain.decode("utf-8")

    def encrypt(self, plaintext: str) -> str:
        """Encrypt as the Pulumi CLI does (used to write example stacks and in tests)."""
        nonce = os.urandom(12)
        data = AESGCM(self._key).encrypt(nonce, plaintext.encode("utf-8"), None)
        return f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(data).decode()}"

    @classmethod
    def new_salt(cls, passphrase: str) -> str:
        """A fresh ``encryptionsalt`` value for ``passphrase``."""
        salt = os.urandom(8)
        key = _derive_key(passphrase, salt)
        nonce = os.urandom(12)
        verifier = AESGCM(key).encrypt(nonce, _VERIFIER.encode(), None)
        return (
            f"v1:{base64.b64encode(salt).decode()}:"
            f"v1:{base64.b64encode(nonce).decode()}:{base64.b64encode(verifier).decode()}"
        )


@lru_cache(maxsize=8)
def _derive_key(passphrase: str, salt: bytes) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=_PBKDF2_ROUNDS)
    return kdf.derive(passphrase.encode("utf-8"))


def passphrase_from_env() -> str | None:
    """The passphrase the Pulumi CLI would use, from its environment variables."""
    if "PULUMI_CONFIG_PASSPHRASE" in os.environ:
        return os.environ["PULUMI_CONFIG_PASSPHRASE"]
    path = os.environ.get("PULUMI_CONFIG_PASSPHRASE_FILE")
    if path:
        return Path(path).read_text().rstrip("\n")
    return None
