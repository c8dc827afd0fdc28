"""Every shell command in the docs is checked against the code, and the offline ones run,
so README.md and docs/ cannot drift from what fatectl, the config models and the
repository hold. The convention (which blocks, what is checked, ``sh runnable``) is in
docs/developers.md, "The docs are tested"."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fatectl.main import parser as fatectl_parser  # the one place fatectl is imported
from tests.conftest import PROJECT_DIR, SHARED, chart_source, example

DOCS = [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]
SHELLS = ("sh", "bash", "console")
RUNNABLE = "runnable"
FENCE = re.compile(r"^\s*```(\S*)\s*(.*)$")
SEPARATORS = {"|", "||", "&&", ";", "&"}
REDIRECTS = {">", ">>", "<", "2>", "&>"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
REPO_PATH = re.compile(
    r"^(\./)?(examples|policies|ci|scripts|bench|e2e|tests|fate_iac|components|docs)(/|$)"
)
STACK_FILE = re.compile(r"(^|/)Pulumi(\.[A-Za-z0-9_-]+)?\.yaml$")
KUBERNETES_KEYS = {"context", "kubeconfig", "namespace", "cluster"}
"""The pulumi-kubernetes provider's config keys the docs may set."""
PULUMI_VALUE_FLAGS = {"--stack", "-s", "--cwd", "-C", "--config-file", "--type"}
"""Flags of ``pulumi config set`` that take a value (the others are switches)."""
KUBEFATE_FILES = {
    "cluster.yaml": "v1.11.2/party-10000/cluster.yaml",
    "old/cluster.yaml": "v1.5.0/party-10000/cluster.yaml",
    "party-9999/cluster-serving.yaml": "v1.11.2/party-9999/cluster-serving.yaml",
}
"""KubeFATE's example files a runnable block finds in its scratch directory."""


@dataclass(frozen=True)
class Block:
    """A fenced shell block of a doc."""

    doc: str
    line: int
    language: str
    runnable: bool
    text: str

    def commands(self) -> list[str]:
        """The block's command lines, continuations joined (a console block's: the lines
        after ``$ ``)."""
        lines = self.text.splitlines()
        if self.language == "console":
            lines = [line[2:] for line in lines if line.startswith("$ ")]
        commands: list[str] = []
        pending = ""
        for line in lines:
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            commands.append(pending + line)
            pending = ""
        if pending:
            commands.append(pending)
        return [c for c in commands if c.strip() and not c.strip().startswith("#")]


def shell_blocks(doc: str, text: str) -> list[Block]:
    """Every fenced block of ``text`` whose info string starts with a shell."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == "```"), len(lines))
        language, rest = opening.group(1), opening.group(2).split()
        if language in SHELLS:
            body = "\n".join(lines[i + 1 : end])
            blocks.append(Block(doc, i + 1, language, RUNNABLE in rest, body))
        i = end + 1
    return blocks


def segments(command: str) -> list[list[str]]:
    """A command line's simple commands (split at pipes and chains), each without its
    redirections and leading variable assignments."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    found: list[list[str]] = [[]]
    skip_next = False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in SEPARATORS:
            found.append([])
        elif token in REDIRECTS:
            skip_next = True
        elif token not in ("(", ")"):
            found[-1].append(token)
    result = []
    for words in found:
        while words and ASSIGNMENT.match(words[0]):
            words = words[1:]
        if words and words[0] != "export":
            result.append(words)
    return result


def option(words: list[str], *names: str) -> str | None:
    """The value of the first of ``names`` among ``words`` (``--x v`` or ``--x=v``)."""
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                return words[i + 1]
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


def reference_keys() -> set[str]:
    """Every key the config models accept: docs/reference.md is ``fatectl reference``'s
    output (tests/test_cli.py holds the two equal)."""
    text = (PROJECT_DIR / "docs" / "reference.md").read_text()
    return set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.M))


@dataclass
class Checker:
    """Checks a doc's commands against the repository; ``problems`` says what is wrong,
    one line each, naming the doc and the line of the block."""

    keys: set[str] = field(default_factory=reference_keys)
    problems: list[str] = field(default_factory=list)
    created_stacks: set[str] = field(default_factory=set)

    def doc(self, name: str, text: str) -> list[str]:
        self.created_stacks = set()
        for block in shell_blocks(name, text):
            for command in block.commands():
                for words in segments(command):
                    self.words(f"{block.doc}:{block.line}: {command.strip()}", words)
        return self.problems

    def words(self, where: str, words: list[str]) -> None:
        program, args = words[0], words[1:]
        if program in ("fatectl", ".venv/bin/fatectl"):
            self.fatectl(where, args)
        elif program == "pulumi":
            self.pulumi(where, args)
        elif program.startswith("./scripts/"):
            script = PROJECT_DIR / program
            if not (script.is_file() and os.access(script, os.X_OK)):
                self.problems.append(f"{where}: {program} is not an executable script")
        elif Path(program).name.startswith("python") and args[:1] == ["-m"] and len(args) > 1:
            module = PROJECT_DIR / args[1].replace(".", "/")
            if not (module.with_suffix(".py").is_file() or (module / "__init__.py").is_file()):
                self.problems.append(f"{where}: no module {args[1]} in the repository")
        self.paths(where, words)

    def paths(self, where: str, words: list[str]) -> None:
        for word in words:
            value = word.split("=", 1)[1] if word.startswith("--") and "=" in word else word
            if "$" in value or "<" in value or "*" in value:
                continue  # a placeholder, not a path
            if (REPO_PATH.match(value) or STACK_FILE.search(value)) and not (
                PROJECT_DIR / value
            ).exists():
                self.problems.append(f"{where}: {value} does not exist in the repository")

    def fatectl(self, where: str, args: list[str]) -> None:
        errors = io.StringIO()
        try:
            with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
                parsed = fatectl_parser().parse_args(args)
        except SystemExit as exit:
            if exit.code:
                said = errors.getvalue().strip().splitlines() or ["refused"]
                self.problems.append(f"{where}: fatectl's parser says: {said[-1]}")
            return
        stack = getattr(parsed, "stack", None)
        if parsed.command == "import-kubefate":
            if stack:
                self.created_stacks.add(stack)
            return
        self.stack_file(where, stack, option(args, "--project-dir"))

    def stack_file(self, where: str, stack: str | None, directory: str | None) -> None:
        if not stack or not PLAIN_NAME.match(stack) or stack in self.created_stacks:
            return
        path = PROJECT_DIR / (directory or ".") / f"Pulumi.{stack}.yaml"
        if not path.is_file():
            self.problems.append(f"{where}: stack {stack} has no {path.relative_to(PROJECT_DIR)}")

    def pulumi(self, where: str, args: list[str]) -> None:
        self.stack_file(where, option(args, "--stack", "-s"), option(args, "--cwd", "-C"))
        if args[:2] != ["config", "set"]:
            return
        positional: list[str] = []
        rest = iter(args[2:])
        for word in rest:
            if word in PULUMI_VALUE_FLAGS:
                next(rest, None)
            elif word == "--" or word.startswith("-"):
                continue
            else:
                positional.append(word)
        if not positional:
            self.problems.append(f"{where}: pulumi config set without a key")
            return
        self.config_key(where, positional[0], "--path" in args)

    def config_key(self, where: str, key: str, path: bool) -> None:
        namespace, _, name = key.partition(":")
        if namespace == "kubernetes":
            if name not in KUBERNETES_KEYS:
                self.problems.append(f"{where}: {key} is not a kubernetes provider key")
            return
        if namespace not in ("fate", "fate-serving"):
            self.problems.append(f"{where}: {key} is not a key of a fate stack")
            return
        if ("." in name or "[" in name) and not path:
            self.problems.append(f"{where}: {key} is a path: pulumi config set needs --path")
        if re.sub(r"\[\d+\]", "", key) not in self.keys:
            self.problems.append(f"{where}: {key} is not in the configuration reference")


LINK = re.compile(r"\]\(([^)\s]+)\)")


def headings(text: str) -> Iterator[str]:
    """A Markdown file's headings, outside its fenced blocks."""
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            yield line.lstrip("#").strip()


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    kept = re.sub(r"[^\w\- ]", "", heading.lower())
    return kept.replace(" ", "-")


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_link_of_the_doc_leads_somewhere(doc: Path) -> None:
    """A guide moved or a section renamed breaks no link: each relative link names a
    file of the repository, and each #anchor a heading of it."""
    broken = []
    for target in LINK.findall(doc.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue  # a URL
        path, _, fragment = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        found = file.exists() and (
            not fragment or fragment in {anchor(h) for h in headings(file.read_text())}
        )
        if not found:
            broken.append(target)
    assert not broken, f"{doc.name}: {broken}"


def all_blocks() -> list[Block]:
    return [b for doc in DOCS for b in shell_blocks(doc.name, doc.read_text())]


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_command_of_the_doc_names_what_exists(doc: Path) -> None:
    problems = Checker().doc(doc.relative_to(PROJECT_DIR).as_posix(), doc.read_text())
    assert not problems, "\n".join(problems)


def test_the_readme_names_the_two_commands_ci_runs() -> None:
    """./scripts/run sets up and runs the main job, ./scripts/test the tests, and CI runs
    the latter: the README's two commands stay those."""
    commands = {
        c.strip() for b in shell_blocks("README.md", DOCS[0].read_text()) for c in b.commands()
    }
    assert {"./scripts/run", "./scripts/test"} <= commands
    assert "./scripts/test" in (PROJECT_DIR / ".ci" / "run").read_text()


def test_the_checker_refuses_what_does_not_exist() -> None:
    """A doc naming a subcommand, flag, stack, config key, script or file that does not
    exist fails; the same commands spelled right pass."""
    wrong = [
        ".venv/bin/fatectl frobnicate --stack party10000",
        "fatectl validate --stack party10000 --no-such-flag",
        "fatectl validate --stack party12345",
        "fatectl render --stack party9999 --project-dir examples/nowhere",
        "pulumi config set fate:noSuchKey 1",
        "pulumi config set --secret 'fate:mysql.password' x",
        "pulumi config set kubernetes:contxt kind",
        "pulumi up --cwd examples/tls --stack party12345",
        "./scripts/deploy-everything",
        "cat examples/nowhere/Pulumi.yaml | grep x",
        ".venv/bin/python -m e2e.no_such_module",
    ]
    for command in wrong:
        assert Checker().doc("bad.md", f"```sh\n{command}\n```\n"), command
    right = """
```console
$ .venv/bin/fatectl validate --stack party9999 --project-dir examples/tls
stack party9999: ok
$ pulumi config set -s party10000 --secret --path 'fate:mysql.password' "$(openssl rand -hex 9)"
```
```bash
fatectl import-kubefate cluster.yaml --stack mine && fatectl validate --stack mine
pulumi config set kubernetes:context kind-fate  # a comment
PULUMI_CONFIG_PASSPHRASE=x pulumi up --cwd examples/tls --stack party9999 \\
  --policy-pack policies > out.txt
```
"""
    assert Checker().doc("good.md", right) == []


def runnable_blocks() -> Iterator[Block]:
    for block in all_blocks():
        if block.runnable:
            yield block


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A project directory to run a block in: copies of the stack files and examples/
    (a block may write them), links to everything else; ../shared beside it; KubeFATE's
    example files where the docs name them."""
    project = tmp_path / "project"
    project.mkdir()
    for entry in PROJECT_DIR.iterdir():
        if entry.name in ("out", ".git"):
            continue
        if entry.name == "examples":
            shutil.copytree(entry, project / entry.name, symlinks=True)
        elif entry.name.startswith("Pulumi."):
            shutil.copy(entry, project / entry.name)
        else:
            (project / entry.name).symlink_to(entry)
    chart_source()  # skips (fails under CI) without ../shared/charts
    (tmp_path / "shared").symlink_to(SHARED)
    for name, source in KUBEFATE_FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(example(source), project / name)
    return project


@pytest.mark.chart
@pytest.mark.parametrize("block", list(runnable_blocks()), ids=lambda b: f"{b.doc}:{b.line}")
def test_the_runnable_block_runs(block: Block, scratch: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "PULUMI_CONFIG_PASSPHRASE"}
    environment["FATE_CHART_REPO"] = "../shared/charts"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.text],
        cwd=scratch,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{block.doc}:{block.line}\n{done.stdout}\n{done.stderr}"


def test_some_blocks_are_runnable() -> None:
    assert len(list(runnable_blocks())) >= 8


def test_the_guides_run_on_a_cluster_list_only_their_own_commands() -> None:
    """tests/e2e/test_docs_e2e.py runs the guides' cluster and backend commands; a
    command renamed or removed in a guide takes its entry in that test's lists with it
    (checked here, offline, so a doc edit hears of it at once)."""
    from tests.e2e.test_docs_e2e import unknown_entries

    assert unknown_entries() == []
