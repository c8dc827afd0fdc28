"""The engine behind the commands that read a backend or run stacks: Pulumi's Automation
API (:mod:`fate_pulumi.automation`), loaded only when such a command runs."""

from __future__ import annotations

from pathlib import Path

from fate_iac.orchestrator import StackRunner


def stack_runner(
    project_dir: Path, policy_packs: list[str] | None = None, pack_configs: list[str] | None = None
) -> StackRunner:
    """The Automation API's runner of ``project_dir``'s stacks, with the policy packs (and
    their configs) every preview and up runs."""
    from fate_pulumi.automation import default_runner  # the Automation API: only here

    return default_runner(project_dir, policy_packs or [], pack_configs or [])
