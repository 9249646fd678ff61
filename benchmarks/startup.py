"""What the Schema Registry adds to `meshgov up`: time until every component is ready and
the resident memory of the whole process tree, with and without the local registry, on one
local broker, in the same run.

    python -m benchmarks.startup [--runs 2]

Each run starts `meshgov up` in a fresh MESHGOV_HOME (broker data and registry state of
their own), waits for up.json to say every component is ready, sums the RSS of `up` and
all its descendants (broker and registry JVMs included), and stops it with SIGINT."""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from meshgov.broker.local import free_port


def tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and every descendant, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        tree.update(children)
        frontier.extend(children)
    pages = 0
    for pid in tree:
        try:
            pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except OSError:
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def one_run(registry: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory(prefix="meshgov-startup-") as home:
        command = [
            sys.executable,
            "-m",
            "meshgov",
            "up",
            "--catalog-port",
            str(free_port()),
            "--dashboard-port",
            str(free_port()),
        ]
        if not registry:
            command.append("--no-registry")
        env = {**os.environ, "MESHGOV_HOME": home}
        env.pop("MESHGOV_SCHEMA_REGISTRY_URL", None)
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        began = time.monotonic()
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            state_file = Path(home) / "up.json"
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"meshgov up exited with {process.returncode}")
                try:
                    state = json.loads(state_file.read_text())
                except (OSError, ValueError):
                    state = {}
                components = state.get("components", {})
                if components and all(
                    c["state"] in ("ready", "lagging") for c in components.values()
                ):
                    break
                if time.monotonic() - began > 300:
                    raise TimeoutError("not ready in 300 s")
                time.sleep(0.2)
            ready = time.monotonic() - began
            time.sleep(5)  # settled
            return ready, tree_rss_mib(process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    results: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(args.runs):
        for registry in (False, True):
            results[registry].append(one_run(registry))
    for registry in (False, True):
        ready = statistics.median(r for r, _ in results[registry])
        memory = statistics.median(m for _, m in results[registry])
        label = "with the local registry" if registry else "without a registry     "
        print(f"meshgov up {label}: ready in {ready:5.1f} s, {memory:6.0f} MiB resident")
    base, extra = results[False], results[True]
    added_s = statistics.median(r for r, _ in extra) - statistics.median(r for r, _ in base)
    added_mb = statistics.median(m for _, m in extra) - statistics.median(m for _, m in base)
    print(f"the registry adds {added_s:+.1f} s to start-up and {added_mb:+.0f} MiB")


if __name__ == "__main__":
    main()
