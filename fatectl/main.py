"""``fatectl``: validate, render and import stacks offline; run a whole federation.

Exit status (:class:`fate_iac.report.Exit`): 0 success, 1 engine, cluster or chart
repository failure (or a change declined at the prompt), 2 usage error (and a change
that needs --yes without a terminal), 3 configuration or policy refused, 4 changes
pending (--expect-no-changes), 5 drift found. With --json, the result (or the error) is
one JSON document on stdout (:data:`fate_iac.report.SCHEMA`).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fate_iac import report
from fate_iac.charts import ChartSourceError
from fate_iac.deployed import NotDeployed
from fate_iac.kube import ClusterError
from fate_iac.orchestrator import NotConverged
from fate_iac.problems import ConfigError, FederationError, MissingTool, UsageError
from fatectl import day2, failures, federation, import_kubefate, recover, stack
from fatectl.arguments import Command
from fatectl.terminal import NeedsConfirmation
from fatectl.version import version_text

COMMANDS: dict[str, Command] = {
    "validate": stack.VALIDATE,
    "render": stack.RENDER,
    "import-kubefate": import_kubefate.IMPORT,
    "describe": day2.DESCRIBE,
    "diff": day2.DIFF,
    "history": day2.HISTORY,
    "reference": stack.REFERENCE,
    "federation": federation.FEDERATION,
    "recover": recover.RECOVER,
}
"""Every command and what runs it, in the order ``fatectl --help`` lists them."""


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fatectl",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,  # --version: as written
    )
    parser.add_argument("--version", action="version", version=version_text())
    sub = parser.add_subparsers(dest="command", required=True)
    for name, command in COMMANDS.items():
        command.arguments(sub.add_parser(name, help=command.help, description=command.help))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = args.command if args.command != "federation" else f"federation {args.action}"

    def refused(code: report.Exit, message: str, **extra: Any) -> int:
        if getattr(args, "json", False):
            print(report.error_document(command, code, message, **extra))
        else:
            print(message, file=sys.stderr)
        return int(code)

    try:
        return COMMANDS[args.command].run(args)
    except ConfigError as error:
        return refused(report.Exit.REFUSED, error.report(), problems=report.problems(error))
    except ChartSourceError as error:
        return refused(report.Exit.FAILED, f"chart: {error}")
    except NotConverged as error:
        return refused(report.Exit.FAILED, str(error))
    except FederationError as error:
        return refused(report.Exit.REFUSED, str(error))
    except (NeedsConfirmation, UsageError) as error:
        return refused(report.Exit.USAGE, str(error))
    except (NotDeployed, ClusterError) as error:
        return refused(report.Exit.FAILED, str(error))
    except MissingTool as error:
        return refused(report.Exit.FAILED, str(error))
    except OSError as error:  # a file named on the command line or in a stack's config
        return refused(report.Exit.FAILED, failures.os_failure(error))
    except Exception as error:  # the engine's or a backend's own, whatever its type
        return refused(
            report.Exit.FAILED, failures.backend_failure(error, getattr(args, "stack", None))
        )


if __name__ == "__main__":
    sys.exit(main())
