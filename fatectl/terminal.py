"""What fatectl says besides its result: notes and plans on stderr (stdout is the
result's, and --json's), and the question a change asks first."""

from __future__ import annotations

import sys


def say(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def print_lines(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def confirm(question: str, assume_yes: bool) -> bool:
    """Ask on the terminal; refuse (raise) when there is none to ask on."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise NeedsConfirmation(f"{question} needs a confirmation: pass --yes to go ahead")
    # The question goes where the plan went (stderr): stdout is the result's (--json).
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = input()
    return answer.strip().lower() in ("y", "yes")


class NeedsConfirmation(Exception):
    """A change that asks first was run with no terminal and without --yes."""
