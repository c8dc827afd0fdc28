"""Running Pulumi code under the SDK's mocks: every registered resource is recorded.

Used where no real engine can run (the real-engine tests are a separate harness).
"""

from __future__ import annotations

import asyncio
import gc
import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS

from fate_iac.kube import ClusterError
from fate_iac.secrets import Decrypter
from fate_pulumi import upgrade
from fate_pulumi.federation_refs import READ_STACK_OUTPUTS, short_name

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACK_REFERENCE = "pulumi:pulumi:StackReference"
DYNAMIC = "pulumi-python:dynamic:Resource"


@dataclass
class Registered:
    type: str
    name: str
    inputs: dict[str, Any]


class Recorder(pulumi.runtime.Mocks):
    """Records registrations and invokes; reading a stack's outputs (the
    ``readStackOutputs`` invoke, or a StackReference) serves
    ``stack_outputs[<stack name>]``, and names in ``secret_outputs`` come back secret."""

    def __init__(
        self,
        stack_outputs: dict[str, dict[str, Any]] | None = None,
        secret_outputs: list[str] | None = None,
        helm: list[str] | None = None,
    ) -> None:
        self.helm = helm
        """The chart version of each revision Helm keeps of the party's release, oldest
        first (the last deployed, the others superseded); None: no cluster to read."""
        self.resources: list[Registered] = []
        self.calls: list[pulumi.runtime.MockCallArgs] = []
        self.stack_outputs = stack_outputs or {}
        self.secret_outputs = secret_outputs or []

    def stacks_read(self) -> list[str]:
        """Names (as given to the engine) of the stacks whose outputs were read, by
        StackReference or by the batched invoke."""
        references = [str(r.inputs["name"]) for r in self.of_type(STACK_REFERENCE)]
        invoked = [c.args["name"] for c in self.calls if c.token == READ_STACK_OUTPUTS]
        return references + invoked

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs)))
        if args.typ == STACK_REFERENCE:
            stack = short_name(str(args.inputs["name"]))
            outputs = self.stack_outputs.get(stack, {})
            secret = sorted(set(outputs) & set(self.secret_outputs))
            state = {"name": args.inputs["name"], "outputs": outputs, "secretOutputNames": secret}
            return f"{args.name}-id", state
        if args.typ == DYNAMIC:  # made for real by the program's own provider
            from fate_pulumi.mysql_root import MAKER
            from fate_pulumi.tls import ISSUER

            # a certificate (issued), or a generated password
            provider = ISSUER if "usage" in args.inputs else MAKER
            made = provider.create(dict(args.inputs))
            return str(made.id), dict(made.outs or {})
        return f"{args.name}-id", dict(args.inputs)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        self.calls.append(args)
        if args.token == READ_STACK_OUTPUTS:
            outputs = self.stack_outputs.get(short_name(str(args.args["name"])), {})
            secret = sorted(set(outputs) & set(self.secret_outputs))
            return {"name": args.args["name"], "outputs": outputs, "secretOutputNames": secret}, []
        return {}, []

    def of_type(self, type_: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> Registered:
        found = self.of_type(type_)
        assert len(found) == 1, [r.name for r in self.resources]
        return found[0]


_FAILURES: set[str] = set()
"""What the programs run here failed with: the test expected it."""


def _root(error: BaseException) -> str:
    """The message of the first error in a chain (chains may loop)."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        following = error.__cause__ or error.__context__
        if following is None:
            break
        error = following
    return str(error)


def _quiet_expected_failures() -> None:
    """A failed program leaves every Output derived from the failure faulted; asyncio
    reports each as "exception was never retrieved" when it is collected, long after the
    test that expected the failure. Those reports are dropped; any other is kept."""
    loop = asyncio.get_event_loop()
    if getattr(loop, "_fate_quiet", False):
        return
    default = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        error = context.get("exception")
        never_retrieved = "never retrieved" in str(context.get("message", ""))
        if never_retrieved and error is not None and _root(error) in _FAILURES:
            return
        if default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
    loop._fate_quiet = True  # type: ignore[attr-defined]


def run_with_mocks(
    body: Callable[[], Any],
    stack: str,
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
    recorder: Recorder | None = None,
    preview: bool = False,
) -> Recorder:
    """Run ``body`` as a Pulumi program (an update, or a preview); ``recorder`` (if
    given) keeps what was registered even when the program fails. The organization is
    the one a self-managed backend has, ``organization``."""
    recorder = recorder or Recorder()
    _quiet_expected_failures()
    pulumi.runtime.set_mocks(
        recorder, project="fate", stack=stack, preview=preview, organization="organization"
    )
    pulumi.runtime.set_all_config(config or {}, secret_keys or [])

    def deployed_records(config: Any) -> list[dict[str, Any]]:
        if recorder.helm is None:
            raise ClusterError("no cluster under mocks")
        last = len(recorder.helm)
        return [
            {
                "name": config.release_name,
                "version": revision,
                "info": {"status": "deployed" if revision == last else "superseded"},
                "chart": {"metadata": {"version": version}},
            }
            for revision, version in enumerate(recorder.helm, start=1)
        ]

    real_deployed_records = upgrade.deployed_records
    upgrade.deployed_records = deployed_records  # never a real cluster from a mocked program
    try:
        pulumi.runtime.test(body)()  # type: ignore[no-untyped-call]
    except Exception as error:
        _FAILURES.add(_root(error))
        raise
    finally:
        # A failed program leaves faulted outputs behind, which the engine's runtime
        # reports once at exit. Here the failure is the test's result: mark them seen and
        # collect them now, or asyncio logs each as "exception was never retrieved"
        # at interpreter exit.
        for future in list(SETTINGS.outputs):
            if future.done() and not future.cancelled():
                future.exception()
        SETTINGS.outputs.clear()
        gc.collect()
        upgrade.deployed_records = real_deployed_records
    return recorder


def run_program(
    stack: str,
    config: dict[str, str],
    secret_keys: list[str],
    recorder: Recorder | None = None,
    preview: bool = False,
) -> Recorder:
    """Run the project's ``__main__.py`` as the engine would for ``stack``."""

    def program() -> None:
        # Returns nothing: the mocks would lift whatever a program returns into Outputs,
        # here the module's globals, which the engine never does.
        runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")

    return run_with_mocks(program, stack, config, secret_keys, recorder, preview)


def engine_config(stack_file: Path, passphrase: str) -> tuple[dict[str, str], list[str]]:
    """A stack file's config as the Pulumi engine hands it to a program: decrypted,
    objects JSON-encoded, scalars as strings, and the list of secret keys."""
    document = yaml.safe_load(stack_file.read_text())
    salt = document.get("encryptionsalt")
    decrypter = Decrypter(passphrase, salt) if salt else None
    secret_keys: set[str] = set()

    def plain(node: Any, key: str) -> Any:
        if isinstance(node, dict) and set(node) == {"secure"}:
            assert decrypter is not None, f"{stack_file} has secrets but no encryptionsalt"
            secret_keys.add(key)
            return decrypter.decrypt(node["secure"])
        if isinstance(node, dict):
            return {k: plain(v, key) for k, v in node.items()}
        if isinstance(node, list):
            return [plain(v, key) for v in node]
        return node

    config = {}
    for key, value in document["config"].items():
        value = plain(value, key)
        if isinstance(value, dict | list):
            config[key] = json.dumps(value)
        elif isinstance(value, bool):
            config[key] = "true" if value else "false"
        else:
            config[key] = str(value)
    return config, sorted(secret_keys)


def unwrap_secret(value: Any) -> tuple[bool, Any]:
    """(whether the mock saw the value as a secret, the value)."""
    if rpc.is_rpc_secret(value):
        return True, rpc.unwrap_rpc_secret(value)
    return False, value
