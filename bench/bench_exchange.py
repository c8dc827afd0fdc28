"""Benchmark: the exchange program with 10, 100 and 1,000 member parties, reading its
members' records both ways side by side: one StackReference each (the default) and the
batched engine read (``fate:federationReads: batched``).

Each size runs in a fresh process (imports included): the exchange stack's
``__main__.py`` under Pulumi's mocks, every member a stack whose ``federation`` output
the mocks serve to the program's StackReferences or ``readStackOutputs`` invokes. Prints
wall time and peak memory per size, and the time per member between sizes (flat when
growth is linear).

Run: .venv/bin/python bench/bench_exchange.py [--sizes 10 100 1000] [--runs N]
         [--reads stackReference batched]
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent

WORKER = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.pulumi_mocks import Recorder, run_program
size = int(sys.argv[2])
names = [f"party{20000 + i}" for i in range(size)]
config = {
    "fate:chartName": "fate-exchange", "fate:publicHost": "10.0.0.1",
    "fate:rollsite": json.dumps({"type": "NodePort", "nodePort": 30000}),
    "fate:members": json.dumps(names),
    "fate:federationReads": sys.argv[3],
}
outputs = {
    name: {"federation": {"kind": "party", "partyId": 20000 + i, "stack": name,
           "endpoints": {"rollsite": {"host": f"10.1.{i // 250}.{i % 250 + 1}", "port": 30091}}}}
    for i, name in enumerate(names)
}
recorder = run_program("exchange", config, [], Recorder(outputs))
release = recorder.one("kubernetes:helm.sh/v3:Release")
assert len(release.inputs["values"]["partyList"]) == size
"""


def run(size: int, reads: str) -> tuple[float, int]:
    env = {
        **os.environ,
        "FATE_EXISTING_STACKS": ",".join(["exchange", *(f"party{20000 + i}" for i in range(size))]),
    }
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(PROJECT), str(size), reads], env=env
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"size {size} ({reads}) failed")
    return elapsed, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--reads",
        nargs="+",
        default=["stackReference", "batched"],
        choices=["stackReference", "batched"],
    )
    args = parser.parse_args()
    for reads in args.reads:
        results = []
        for size in args.sizes:
            runs = [run(size, reads) for _ in range(args.runs)]
            wall = statistics.median(t for t, _ in runs)
            rss = max(m for _, m in runs)
            results.append((size, wall, rss))
            print(
                f"{reads:>14} {size:>6} members: median {wall:6.2f} s   "
                f"peak RSS {rss / 2**20:6.0f} MB"
            )
        for (s1, w1, m1), (s2, w2, m2) in itertools.pairwise(results):
            per_member = (w2 - w1) / (s2 - s1) * 1000
            per_member_mb = (m2 - m1) / (s2 - s1) / 2**10
            print(
                f"{reads:>14} {s1}->{s2}: {per_member:.2f} ms and {per_member_mb:.0f} KB "
                "per added member"
            )


if __name__ == "__main__":
    main()
