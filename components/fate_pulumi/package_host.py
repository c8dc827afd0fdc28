"""The component provider's server: the package's components, served as the SDK's
``component_provider_host`` serves them, except for how a refused config reaches the user.

The SDK turns any exception a component raises into a message with the provider's
Python traceback after it. A config that breaks a rule is not a fault of the provider:
the user must read the report the stack program gives (``stack <stack>/<component>: N
configuration problems``, then one problem a line: key path, message, rule), and only
that. Raised as the engine's "invalid inputs" error, the report is what the engine
prints, once, under the component's name. Found wherever it surfaces: raised by a
component's constructor (every problem seen when the args arrive), or by the check of
the settled args once the values other resources give are known
(:mod:`fate_pulumi.pending`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

import grpc
import grpc.aio
from pulumi.errors import RunError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2_grpc

from fate_iac import __version__
from fate_iac.problems import ConfigError
from fate_pulumi.package import COMPONENTS

PACKAGE = "fate"

MAX_MESSAGE = 400 * 1024 * 1024
"""The largest request the engine may send (the SDK's own server allows the same)."""


def refusal(error: BaseException | None) -> ConfigError | None:
    """The :class:`ConfigError` behind ``error``: itself, or what it wraps (the SDK wraps
    a constructor's exception; an output's failure is re-raised from its cause)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, ConfigError):
            return error
        seen.add(id(error))
        inner = getattr(error, "inner", None)
        error = inner if isinstance(inner, BaseException) else error.__cause__ or error.__context__
    return None


class Refused(RunError):
    """A refused config on its way out of the SDK's servicer (which passes a
    :class:`RunError` on untouched)."""

    def __init__(self, error: ConfigError) -> None:
        super().__init__(error.report())
        self.report = error.report()


class RefusingServicer(ProviderServicer):
    """The SDK's servicer, with a refused config answered as invalid inputs: the report
    is the whole message (the SDK's own invalid-inputs answer adds a line per property,
    in the engine's words, after it)."""

    async def Construct(self, request: Any, context: Any) -> Any:
        try:
            return await super().Construct(request, context)
        except Refused as refused:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, refused.report)
            raise  # (abort raised already)

    async def _construct(self, request: Any, context: Any) -> Any:
        try:
            return await super()._construct(request, context)
        except Exception as error:
            found = refusal(error)
            if found is None:
                raise
            raise Refused(found) from None


def serve(args: list[str]) -> None:
    """Serve the package to the engine ``args`` name (the plugin's command line, read as
    the SDK's server reads it); print the port it listens on, as the engine expects."""
    parser = argparse.ArgumentParser(description=f"the Pulumi package {PACKAGE}")
    parser.add_argument("engine")
    known, _ = parser.parse_known_args(args)
    provider = ComponentProvider(COMPONENTS, PACKAGE, None, __version__)

    async def run() -> None:
        server = grpc.aio.server(options=[("grpc.max_receive_message_length", MAX_MESSAGE)])
        servicer = RefusingServicer(provider, args, engine_address=known.engine)
        provider_pb2_grpc.add_ResourceProviderServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        sys.stdout.write(f"{port}\n")
        sys.stdout.flush()
        await server.wait_for_termination()

    with contextlib.suppress(KeyboardInterrupt):  # the engine stopping it
        asyncio.run(run())
