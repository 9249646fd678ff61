"""What the secured mesh costs: registration-to-verdict latency on the secured local broker
(SASL_SSL with SCRAM-SHA-512, the authorizer on, every component as its own principal under
least-privilege ACLs) against the plain local broker, in the same run.

    python -m benchmarks.secured [--rate 10] [--seconds 20]

Runs `LocalMesh` twice in one scratch MESHGOV_HOME, each starting its own local broker (no
Schema Registry): plain, then `secure=True`. Prints the time until each mesh is ready, p50
and p99 of each, and their ratios."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.e2e import Verdicts, steady
from benchmarks.signing import percentiles
from meshgov.broker.local import free_port
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.settings import Settings


def run(home: Path, secure: bool, args: argparse.Namespace) -> tuple[float, list[float]]:
    settings = Settings(home=home, topic_prefix=f"sec{uuid.uuid4().hex[:6]}.")
    options = MeshOptions(
        settings,
        free_port(),
        free_port(),
        log_dir=home / f"logs-{'secure' if secure else 'plain'}",
        registry=False,
        secure=secure,
    )
    began = time.monotonic()
    with LocalMesh(options) as mesh:
        if not mesh.wait_ready():
            raise SystemExit("the mesh did not get ready")
        ready = time.monotonic() - began
        assert mesh.settings is not None
        verdicts = Verdicts(mesh.settings)
        verdicts.start()
        try:
            steady(mesh.settings, verdicts, 5, 3)  # warm-up
            return ready, steady(mesh.settings, verdicts, args.rate, args.seconds)
        finally:
            verdicts.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with tempfile.TemporaryDirectory() as scratch:
        results = {secure: run(Path(scratch), secure, args) for secure in (False, True)}
    (ready_plain, plain), (ready_secure, secured) = results[False], results[True]
    (p50_plain, p99_plain), (p50_secure, p99_secure) = percentiles(plain), percentiles(secured)
    print(
        f"plain:   ready in {ready_plain:.1f} s; p50 {1e3 * p50_plain:.0f} ms, "
        f"p99 {1e3 * p99_plain:.0f} ms ({len(plain)})"
    )
    print(
        f"secured: ready in {ready_secure:.1f} s; p50 {1e3 * p50_secure:.0f} ms, "
        f"p99 {1e3 * p99_secure:.0f} ms ({len(secured)})"
    )
    print(
        f"secured/plain: ready {ready_secure / ready_plain:.2f}x, p50 "
        f"{p50_secure / p50_plain:.2f}x, p99 {p99_secure / p99_plain:.2f}x"
    )


if __name__ == "__main__":
    main()
