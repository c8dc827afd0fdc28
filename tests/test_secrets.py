"""Reading the stack files' Pulumi passphrase secrets offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from fate_iac.loader import read_stack_file
from fate_iac.problems import ConfigError
from fate_iac.secrets import Decrypter, PassphraseError, Secret
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR


def test_round_trip_with_a_fresh_salt() -> None:
    salt = Decrypter.new_salt("correct horse")
    decrypter = Decrypter("correct horse", salt)
    ciphertext = decrypter.encrypt("fate-password")
    assert ciphertext.startswith("v1:") and "fate-password" not in ciphertext
    assert Decrypter("correct horse", salt).decrypt(ciphertext) == "fate-password"


def test_wrong_passphrase_is_refused() -> None:
    salt = Decrypter.new_salt("correct horse")
    with pytest.raises(PassphraseError, match="incorrect passphrase"):
        Decrypter("battery staple", salt)


def test_shipped_stack_secrets_decrypt_with_the_example_passphrase() -> None:
    raw = read_stack_file(PROJECT_DIR / "Pulumi.party10000.yaml", "party10000", EXAMPLE_PASSPHRASE)
    assert raw.values["mysql"]["password"] == Secret("party10000-mysql-example", secure=True)


def test_without_passphrase_credentials_stay_opaque_secrets() -> None:
    raw = read_stack_file(PROJECT_DIR / "Pulumi.party10000.yaml", "party10000")
    assert raw.values["mysql"]["password"] == Secret(None, secure=True)


def test_passphrase_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    passphrase_file = tmp_path / "passphrase"
    passphrase_file.write_text(EXAMPLE_PASSPHRASE + "\n")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE_FILE", str(passphrase_file))
    raw = read_stack_file(PROJECT_DIR / "Pulumi.party9999.yaml", "party9999")
    assert raw.values["fateboard"]["password"].value == "party9999-board-example"


def test_other_encrypted_keys_need_the_passphrase(tmp_path: Path) -> None:
    salt = Decrypter.new_salt("pw")
    ciphertext = Decrypter("pw", salt).encrypt("192.168.1.1")
    stack = tmp_path / "Pulumi.s.yaml"
    stack.write_text(
        f"encryptionsalt: {salt}\nconfig:\n  fate:publicHost:\n    secure: {ciphertext}\n"
    )
    with pytest.raises(
        ConfigError, match=r"fate:publicHost: is encrypted; set PULUMI_CONFIG_PASSPHRASE"
    ):
        read_stack_file(stack, "s")
    assert read_stack_file(stack, "s", "pw").values["publicHost"] == "192.168.1.1"


def test_secret_never_shows_its_value() -> None:
    secret = Secret("hunter2", secure=True)
    assert "hunter2" not in repr(secret) and "hunter2" not in str(secret)
    assert secret.reveal(redact=True) == "[secret]" and secret.reveal() == "hunter2"
