"""A real S3 API on 127.0.0.1 (moto's server), with one bucket: the backend of an
``s3://`` Pulumi backend, as Pulumi's S3 driver and fatectl's locks speak to it."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from e2e.controlplane import free_port
from e2e.tools import s3_server

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "fate-e2e",
    "AWS_SECRET_ACCESS_KEY": "fate-e2e-secret",
    "AWS_REGION": "us-east-1",
}
"""Dummies: the server takes any."""


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    """``127.0.0.1:PORT``."""
    bucket: str

    def backend_url(self) -> str:
        """The backend URL, with the query Pulumi's S3 opener takes for a local server."""
        return (
            f"s3://{self.bucket}?endpoint={self.endpoint}&disableSSL=true"
            "&s3ForcePathStyle=true&region=us-east-1"
        )


@contextmanager
def serve_s3(log: Path, bucket: str = "fate-state") -> Iterator[S3Server]:
    """moto's server on a free port, with ``bucket`` made; stopped at the end."""
    port = free_port()
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(s3_server()), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **CREDENTIALS},
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/{bucket}", method="PUT")
                with urllib.request.urlopen(request, timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"the S3 server did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield S3Server(f"127.0.0.1:{port}", bucket)
    finally:
        server.terminate()
        server.wait(timeout=30)
