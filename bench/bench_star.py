"""Benchmark: a star of N parties behind one exchange, converged from nothing by
``fatectl federation up`` (8 updates at a time), then a no-op ``federation up``; the
time per party as the star grows. Each size starts from an empty backend and cluster
(torn down untimed); a run that fails is counted, with its last line, and the sweep goes
on (the issue measured 1 run of 3 failing at 16 parties on the file backend).

The parties are the example's party 10000 (its secrets, encrypted with the example
passphrase, copied as they are), each with its own party id, namespace, NodePorts and
hosts.

Run: .venv/bin/python -m bench.bench_star [--sizes 2 4 8 16] [--runs N]
(default: 2 and 4 parties, once: the short form)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import ControlPlane, control_plane
from e2e.tools import Tools, build_tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac import yamlio

SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"
FIRST_PARTY = 1000
FIRST_PORT = 30200


def star(project: Path, size: int) -> list[str]:
    """Stack files of an exchange and ``size`` parties in ``project`` (which holds the
    example's exchange and party 10000); the names of the stacks."""
    template = yamlio.load((project / "Pulumi.party10000.yaml").read_text())
    (project / "Pulumi.party10000.yaml").unlink()
    names = []
    for index in range(size):
        party = FIRST_PARTY + index
        name = f"party{party}"
        port = FIRST_PORT + 4 * index
        document = yamlio.load(yamlio.dump(template))
        config = document["config"]
        config.update(
            {
                "fate:partyId": party,
                "fate:name": f"fate-{party}",
                "fate:namespace": f"fate-{party}",
                "fate:publicHost": f"192.168.{index // 200}.{index % 200 + 10}",
                "fate:servingPort": port + 3,
            }
        )
        config["fate:rollsite"]["nodePort"] = port
        config["fate:python"].update(httpNodePort=port + 1, grpcNodePort=port + 2)
        for module, hosts in config["fate:ingress"].items():
            hosts["hosts"] = [{"name": f"{name}.{module}.example.com"}]
        (project / f"Pulumi.{name}.yaml").write_text(yamlio.dump(document))
        names.append(name)
    exchange = yamlio.load((project / "Pulumi.exchange.yaml").read_text())
    exchange["config"]["fate:members"] = names
    (project / "Pulumi.exchange.yaml").write_text(yamlio.dump(exchange))
    return ["exchange", *names]


def federation(ws: Workspace, *args: str) -> tuple[float, str | None]:
    """``fatectl federation <args>``: its time, and its last line when it failed."""
    start = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "fatectl"), "federation", *args],
        cwd=ws.project_dir,
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    failed = None
    if done.returncode != 0:
        failed = (done.stderr.strip().splitlines() or ["?"])[-1]
    return elapsed, failed


def one_run(
    tools: Tools, plane: ControlPlane, repo: str, work: Path, size: int, run: int
) -> tuple[float, float, str | None]:
    project = copy_project(work / f"project-{size}-{run}", ["exchange", "party10000"], repo)
    star(project, size)
    ws = workspace(tools, project, work / f"state-{size}-{run}", plane.kubeconfig)
    up, failed = federation(ws, "up", "--yes")
    noop, noop_failed = (0.0, None) if failed else federation(ws, "up", "--yes")
    federation(ws, "destroy", "--yes")  # untimed: the next run's NodePorts
    return up, noop, failed or noop_failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    tools = build_tools()
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-star-")))
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        repo = cleanup.enter_context(serve_chart_repository(SHARED_CHARTS))
        print(f"{'parties':>7} {'from nothing':>13} {'per party':>10} {'no-op':>7}  runs ok")
        for size in args.sizes:
            runs = [one_run(tools, plane, repo, work, size, n) for n in range(args.runs)]
            good = [(up, noop) for up, noop, failed in runs if failed is None]
            if good:
                up = statistics.median(u for u, _ in good)
                noop = statistics.median(n for _, n in good)
                print(
                    f"{size:>7} {up:>11.1f} s {up / size:>8.2f} s {noop:>5.1f} s  "
                    f"{len(good)}/{len(runs)}",
                    flush=True,
                )
            for _, _, failed in runs:
                if failed is not None:
                    print(f"        failed: {failed}", flush=True)


if __name__ == "__main__":
    main()
