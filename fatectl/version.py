"""``fatectl --version``: this project's version, the SDKs it pins (the Pulumi program,
the policy pack and the offline renderer run on them), and the charts it knows."""

from __future__ import annotations

from importlib import metadata

from fate_iac.catalogue import known_charts

PROJECT = "fate-iac"
SDKS = ("pulumi", "pulumi-kubernetes", "pulumi-policy", "helm-python-sdk")
"""The pinned SDKs an operator asks about when a stack behaves unlike the docs."""


def _installed(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def version_text() -> str:
    lines = [f"fatectl {_installed(PROJECT)}"]
    lines += [f"  {name} {_installed(name)}" for name in SDKS]
    lines.append("charts:")
    lines += [f"  {chart} {', '.join(versions)}" for chart, versions in known_charts().items()]
    return "\n".join(lines)
