"""Where the harness's tools are: built from Go modules into a cache keyed by version.

``e2e/tools/build-tools.sh`` does the building (cold: minutes; warm: seconds); this
module runs it and returns the directories. A compatible ``pulumi`` already on PATH is
used instead of a built one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

BUILD_SCRIPT = Path(__file__).resolve().parent / "tools" / "build-tools.sh"
PULUMI_YAML_VERSION = "1.38.1"
"""The YAML language host: from v1.26.2 on it implements the Link step that ``pulumi
package add`` ends with; v1.38.1 is the one the module proxy serves (see the build script)."""


def _pinned(package: str) -> str:
    from importlib.metadata import version

    return version(package)


@dataclass(frozen=True)
class Tools:
    pulumi_root: Path  # holds bin/pulumi and the Python language host beside it
    kubernetes_provider: Path  # the pulumi-resource-kubernetes binary
    kubernetes_provider_version: str
    bin_dirs: dict[str, Path]  # "etcd", "kubernetes", "kwok" -> directories of the binaries
    yaml_bin: Path  # holds pulumi-language-yaml (Pulumi YAML programs; the CLI finds it on PATH)


def cache_root() -> Path:
    explicit = os.environ.get("FATE_TOOLS_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fate-iac" / "tools"


def build_tools() -> Tools:
    """Build (or find cached) every tool the harness needs, at the pinned versions."""
    pulumi_version = _pinned("pulumi")
    provider_version = _pinned("pulumi_kubernetes")
    env = {
        **os.environ,
        "PULUMI_VERSION": pulumi_version,
        "PULUMI_KUBERNETES_VERSION": provider_version,
        "PULUMI_YAML_VERSION": PULUMI_YAML_VERSION,
    }
    subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, env=env)
    root = cache_root()
    pulumi_root = root / f"pulumi-{pulumi_version}"
    on_path = shutil.which("pulumi")
    if on_path and _cli_version(Path(on_path)) == pulumi_version:
        pulumi_root = Path(on_path).resolve().parent.parent
    kubernetes = next(iter(sorted(root.glob("kubernetes-*/bin"))))
    etcd = next(iter(sorted(root.glob("etcd-*/bin"))))
    kwok = next(iter(sorted(root.glob("kwok-*/bin"))))
    yaml = root / f"pulumi-yaml-{PULUMI_YAML_VERSION}" / "bin"
    return Tools(
        pulumi_root=pulumi_root,
        kubernetes_provider=root
        / f"pulumi-kubernetes-{provider_version}"
        / "bin"
        / "pulumi-resource-kubernetes",
        kubernetes_provider_version=provider_version,
        bin_dirs={"etcd": etcd, "kubernetes": kubernetes, "kwok": kwok},
        yaml_bin=yaml,
    )


def s3_server() -> Path:
    """``moto_server`` (a real S3 API, in Python), at the version pyproject.toml pins
    (its ``s3-server`` extra), in a virtualenv of its own in the cache: moto's botocore
    and the project's kubernetes client cannot share one (python-dateutil <3 and >=3)."""
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    [requirement] = [str(r) for r in project["project"]["optional-dependencies"]["s3-server"]]
    venv = cache_root() / requirement.replace("[server]==", "-")
    binary = venv / "bin" / "moto_server"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, requirement], check=True)
    return binary


def _cli_version(binary: Path) -> str:
    result = subprocess.run([str(binary), "version"], capture_output=True, text=True)
    return result.stdout.strip().removeprefix("v")
