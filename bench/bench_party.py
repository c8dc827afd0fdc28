"""Benchmark: a party's offline render and program evaluation, beside KubeFATE's pipeline.

Each measurement is a fresh process (imports included), run several times; the table
gives the median wall time, the median CPU time (user + system) and the peak resident
memory of the child, side by side:

* ``fatectl render``: this project's offline render of a party stack (CLI, validation,
  values, the real chart through the Helm SDK);
* ``kubefate pipeline``: KubeFATE's own mapping for the same intent (the chart's
  values-template over the KubeFATE cluster.yaml) and the same chart, through the same
  Helm SDK;
* the same pair for a Spark party: KubeFATE's party-9999 ``cluster-spark-pulsar.yaml``,
  imported with ``fatectl import-kubefate`` into a stack (relying on the chart's
  credentials and a notebook without a password, as the file does), rendered, beside
  KubeFATE's pipeline over that file;
* ``program (mocks)``: the party stack's ``__main__.py`` evaluated under Pulumi's mocks,
  beside its floor, ``empty program (mocks)``: a program that registers nothing, under
  the same SDK's mocks (the interpreter and the Pulumi SDK).

Run: .venv/bin/python bench/bench_party.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
SHARED = PROJECT.parent / "shared"
STACK = "party10000"
CLUSTER_YAML = SHARED / "kubefate-examples" / "v1.11.2" / "party-10000" / "cluster.yaml"
SPARK_YAML = SHARED / "kubefate-examples" / "v1.11.2" / "party-9999" / "cluster-spark-pulsar.yaml"


def chart_source() -> str:
    local = SHARED / "charts"
    return (
        str(local) if (local / "index.yaml").exists() else "https://federatedai.github.io/KubeFATE"
    )


KUBEFATE = """
import sys, yaml
from fate_iac.charts import chart_archive, resolve_chart
from fate_iac.kubefate import kubefate_render
document = yaml.safe_load(open(sys.argv[1]))
chart = chart_archive(resolve_chart("fate", document["chartVersion"], sys.argv[2]))
manifests = kubefate_render(document, chart)
assert len(manifests) > 20
"""

# The engine hands the program its config already decrypted: the worker gets it so too
# (decrypting here would time the passphrase's key derivation, the CLI's work).
PROGRAM = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.pulumi_mocks import run_program
config, secret_keys = json.loads(sys.argv[2])
recorder = run_program("party10000", config, secret_keys)
assert len(recorder.resources) >= 3
"""
# Its floor: a program that registers nothing, under the SDK's mocks: the interpreter and
# the Pulumi SDK, which every Pulumi program in Python pays, and nothing of this project.
EMPTY = """
import pulumi
class Nothing(pulumi.runtime.Mocks):
    def new_resource(self, args):
        return args.name + "-id", dict(args.inputs)
    def call(self, args):
        return {}, []
pulumi.runtime.set_mocks(Nothing(), project="fate", stack="party10000", preview=False)
pulumi.runtime.test(lambda: None)()
"""


def measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall time, CPU time (user + system) and peak RSS of one run of ``argv``."""
    start = time.perf_counter()
    child = subprocess.Popen(
        argv, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{argv} failed with {child.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def spark_stack(fatectl: str, project: Path) -> str:
    """KubeFATE's Spark cluster.yaml as a stack of a scratch project: its stack name."""
    stack = "spark9999"
    subprocess.run(
        [
            fatectl,
            "import-kubefate",
            str(SPARK_YAML),
            "--stack",
            stack,
            "--project-dir",
            str(project),
        ],
        check=True,
        capture_output=True,
    )
    path = project / f"Pulumi.{stack}.yaml"
    opt_ins = "  fate:allowDefaultCredentials: true\n  fate:allowNotebookWithoutPassword: true\n"
    path.write_text(path.read_text() + opt_ins)
    return stack


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    python = sys.executable
    fatectl = str(Path(python).parent / "fatectl")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG_PASSPHRASE")}
    source = chart_source()
    sys.path.insert(0, str(PROJECT))
    from tests.pulumi_mocks import engine_config

    engine = json.dumps(engine_config(PROJECT / f"Pulumi.{STACK}.yaml", "fate-example"))
    env["FATE_EXISTING_STACKS"] = f"{STACK},exchange"
    scratch = Path(tempfile.mkdtemp(prefix="bench-party-"))
    spark = spark_stack(fatectl, scratch)
    cases = {
        "fatectl render": [fatectl, "render", "--stack", STACK, "--chart-repo", source],
        "kubefate pipeline": [python, "-c", KUBEFATE, str(CLUSTER_YAML), source],
        "spark: fatectl render": [
            fatectl,
            "render",
            "--stack",
            spark,
            "--project-dir",
            str(scratch),
            "--chart-repo",
            source,
        ],
        "spark: kubefate": [python, "-c", KUBEFATE, str(SPARK_YAML), source],
        "program (mocks)": [python, "-c", PROGRAM, str(PROJECT), engine],
        "empty program (mocks)": [python, "-c", EMPTY],
    }
    for argv in cases.values():  # warm the chart cache and the OS page cache
        measure(argv, env)
    results = {}
    for name, argv in cases.items():
        runs = [measure(argv, env) for _ in range(args.runs)]
        results[name] = (
            statistics.median(wall for wall, _, _ in runs),
            statistics.median(cpu for _, cpu, _ in runs),
            max(rss for _, _, rss in runs),
        )
    shutil.rmtree(scratch)
    header = f"{'case':<23} {'median wall':>12} {'median CPU':>11} {'peak RSS':>10}"
    print(f"{header}   ({args.runs} runs, {os.cpu_count()} cores)")
    for name, (wall, cpu, rss) in results.items():
        print(f"{name:<23} {wall * 1000:>9.0f} ms {cpu * 1000:>8.0f} ms {rss / 2**20:>7.0f} MB")
    for ours, theirs in (
        ("fatectl render", "kubefate pipeline"),
        ("spark: fatectl render", "spark: kubefate"),
        ("program (mocks)", "empty program (mocks)"),
    ):
        wall = results[ours][0] / results[theirs][0]
        cpu = results[ours][1] / results[theirs][1]
        print(f"{ours} / {theirs}: {wall:.2f}x wall time, {cpu:.2f}x CPU time")


if __name__ == "__main__":
    main()
