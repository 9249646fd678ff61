"""What signed registrations cost: registration-to-verdict latency with signing (client) and
verification (the policy processor) on, against off, in the same run on the same broker.

    python -m benchmarks.signing [--rate 10] [--seconds 20]

Runs the whole mesh twice (each with a topic prefix of its own, no Schema Registry): once
with a policy that asks for nothing, once with `require_signed_registrations` and an
Ed25519 signer for the products' domains, every registration signed as `meshgov register
--sign` does. Prints p50/p99 of each and their ratios, and the cost of one signature and
one verification measured alone."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.cluster import bootstrap_for
from benchmarks.e2e import Verdicts, descriptor, steady
from meshgov.broker.local import free_port
from meshgov.checks.policy.signature import verify
from meshgov.client.registration import build_registration
from meshgov.mesh import LocalMesh, MeshOptions
from meshgov.models.events import Registration
from meshgov.models.policy import load_policy
from meshgov.settings import Settings
from meshgov.signers import key_lookup
from meshgov.signing import SigningKey, new_key, sign


def run(
    bootstrap: str, scratch: Path, policy: Path, key: SigningKey | None, args: argparse.Namespace
) -> list[float]:
    options = MeshOptions(
        Settings(bootstrap=bootstrap, topic_prefix=f"sig{uuid.uuid4().hex[:6]}."),
        free_port(),
        free_port(),
        log_dir=scratch / f"logs-{'on' if key else 'off'}",
        env=(("MESHGOV_POLICY", str(policy)),),
        registry=False,
    )
    with LocalMesh(options) as mesh:
        if not mesh.wait_ready():
            raise SystemExit("the mesh did not get ready")
        assert mesh.settings is not None
        verdicts = Verdicts(mesh.settings)
        verdicts.start()
        try:

            def prepare(registration: Registration) -> Registration:
                return registration if key is None else sign(registration, key)

            steady(mesh.settings, verdicts, 5, 3, prepare)  # warm-up
            return steady(mesh.settings, verdicts, args.rate, args.seconds, prepare)
        finally:
            verdicts.stop()


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        pem, jwks = new_key("bench")
        (scratch / "bench.private.pem").write_bytes(pem)
        (scratch / "bench.jwks.json").write_text(json.dumps(jwks))
        key = SigningKey.load(scratch / "bench.private.pem")
        off, on = scratch / "off.yaml", scratch / "on.yaml"
        off.write_text("{}\n")
        signers = [{"name": "bench", "jwks": "bench.jwks.json", "domains": ["*"]}]
        on.write_text(json.dumps({"require_signed_registrations": True, "signers": signers}))

        registration = build_registration(descriptor("sign-alone"))
        rules = load_policy(on)
        lookup = key_lookup(rules, str(on))
        began = time.perf_counter()
        for _ in range(500):
            signed = sign(registration, key)
        signing = (time.perf_counter() - began) / 500
        began = time.perf_counter()
        for _ in range(500):
            verify(signed, rules, lookup, datetime.now(UTC))
        verifying = (time.perf_counter() - began) / 500
        print(f"one signature {1e3 * signing:.2f} ms, one verification {1e3 * verifying:.2f} ms")

        bootstrap = bootstrap_for(stack, scratch)
        unsigned = run(bootstrap, scratch, off, None, args)
        signed_latencies = run(bootstrap, scratch, on, key, args)
        (p50_off, p99_off), (p50_on, p99_on) = percentiles(unsigned), percentiles(signed_latencies)
        print(f"unsigned: p50 {1e3 * p50_off:.0f} ms, p99 {1e3 * p99_off:.0f} ms ({len(unsigned)})")
        print(
            f"signed:   p50 {1e3 * p50_on:.0f} ms, p99 {1e3 * p99_on:.0f} ms "
            f"({len(signed_latencies)})"
        )
        print(f"signed/unsigned: p50 {p50_on / p50_off:.2f}x, p99 {p99_on / p99_off:.2f}x")


if __name__ == "__main__":
    main()
