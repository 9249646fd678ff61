"""What the ecosystem formats cost, each as a ratio to its baseline in the same run:

- reading a contract: an ODCS v3 contract against the same product as a meshgov
  descriptor (parse_descriptor, which every processor runs per registration and verdict);
- a whole registration-time verdict (check_offline) from the ODCS contract against the
  descriptor;
- the metrics of one record (ProcessorMetrics.handled) against the handler work they sit
  beside (a policy check of the same registration);
- building a product's OpenLineage job event against parsing its descriptor.

    python -m benchmarks.ecosystem [--repeat 300]

Pure CPU, no Kafka. Prints each median in microseconds and the ratio."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime

from meshgov.checks.offline import check_offline
from meshgov.checks.policy.check import check_registration
from meshgov.client.registration import build_registration
from meshgov.contracts.odcs_export import odcs_yaml
from meshgov.demo.scenario import PRODUCTS
from meshgov.lineage.events import job_event
from meshgov.metrics import PortActivity, ProcessorMetrics
from meshgov.models.events import CheckResult, CheckStatus
from meshgov.models.loading import parse_descriptor
from meshgov.models.policy import GlobalPolicy
from meshgov.processors.outputs import Emit
from meshgov.settings import DEFAULT_CHECKS


def median_us(work: Callable[[], object], repeat: int) -> float:
    for _ in range(min(20, repeat)):
        work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    now = datetime.now(UTC)
    descriptors = {p.name: p.descriptor("") for p in PRODUCTS}
    products = {n: parse_descriptor(t).data_product for n, t in descriptors.items()}
    contracts = {n: odcs_yaml(p) for n, p in products.items()}
    name = "payments-settled"  # batch, quality rules, freshness, an input port

    rows: list[tuple[str, float, float]] = []
    rows.append(
        (
            "parse: ODCS contract / descriptor",
            median_us(lambda: parse_descriptor(contracts[name]), args.repeat),
            median_us(lambda: parse_descriptor(descriptors[name]), args.repeat),
        )
    )
    registration_odcs = build_registration(contracts[name], "payments-team@company.com")
    registration_yaml = build_registration(descriptors[name], "payments-team@company.com")
    policy = GlobalPolicy()
    rows.append(
        (
            "verdict: ODCS contract / descriptor",
            median_us(
                lambda: check_offline(registration_odcs, [], policy, DEFAULT_CHECKS, now),
                args.repeat,
            ),
            median_us(
                lambda: check_offline(registration_yaml, [], policy, DEFAULT_CHECKS, now),
                args.repeat,
            ),
        )
    )
    observed = ProcessorMetrics("bench", PortActivity(1000))
    result = CheckResult(
        result_id="c",
        registration_id="r",
        product=name,
        version="1.0.0",
        check="policy",
        status=CheckStatus.PASSED,
        checked_at=now,
        checker="policy/0",
    )
    outputs = [Emit("mesh.check-results", result)]
    rows.append(
        (
            "metrics of a record / its policy check",
            median_us(
                lambda: observed.handled(
                    "mesh.registrations", 0.001, name, registration_yaml, outputs
                ),
                args.repeat * 10,
            ),
            median_us(
                lambda: check_registration(registration_yaml, None, policy, now), args.repeat
            ),
        )
    )
    rows.append(
        (
            "OpenLineage job event / descriptor parse",
            median_us(
                lambda: job_event(products[name], products, "meshgov", "localhost:9092", now),
                args.repeat,
            ),
            median_us(lambda: parse_descriptor(descriptors[name]), args.repeat),
        )
    )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'median us':>10}  {'baseline us':>11}  ratio")
    for label, value, baseline in rows:
        print(f"{label:<{width}}  {value:>10.1f}  {baseline:>11.1f}  {value / baseline:.2f}x")


if __name__ == "__main__":
    main()
