"""Schema compatibility checks per second: meshgov next to Apache Avro's Python package.

Each case is a new schema, a history of 10 earlier versions of a record of 20-200 fields,
and a transitive mode. Both sides parse every schema of the case from JSON text and check it
in the same process; process start-up is excluded. Verdicts are compared case by case.

    python -m benchmarks.compat [--cases 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import time

import avro.compatibility
import avro.schema

from meshgov.checks.compatibility import SchemaVersion, check_schema
from meshgov.checks.compatibility.check import clear_parse_cache
from meshgov.models.sla import CompatibilityMode
from tests.support.schema_gen import SchemaGenerator

TRANSITIVE = (
    CompatibilityMode.BACKWARD_TRANSITIVE,
    CompatibilityMode.FORWARD_TRANSITIVE,
    CompatibilityMode.FULL_TRANSITIVE,
)
Case = tuple[str, list[str], CompatibilityMode]


def corpus(count: int, seed: int) -> list[Case]:
    generator = SchemaGenerator(seed)
    cases = []
    for index in range(count):
        fields = generator.rng.randint(20, 200)
        history = generator.history(fields, versions=10, breaking=0.05)
        new = generator.next_version(history, breaking=0.4)
        cases.append((json.dumps(new), [json.dumps(s) for s in history], TRANSITIVE[index % 3]))
    return cases


def meshgov_verdict(case: Case) -> bool:
    new, previous, mode = case
    clear_parse_cache()  # parsing is part of every case, as on the other side
    history = [SchemaVersion(str(i), text) for i, text in enumerate(previous, start=1)]
    return check_schema(new, history, mode).compatible


def avro_verdict(case: Case) -> bool:
    new_text, previous, mode = case
    new = avro.schema.parse(new_text)
    earlier = [avro.schema.parse(text) for text in previous]
    backward = mode.value.startswith(("BACKWARD", "FULL"))
    forward = mode.value.startswith(("FORWARD", "FULL"))
    compatible = avro.compatibility.SchemaCompatibilityType.compatible
    verdict = True
    # Every pair is checked, as meshgov reports every incompatibility against every version.
    for old in earlier:
        pairs = ([(new, old)] if backward else []) + ([(old, new)] if forward else [])
        for reader, writer in pairs:
            checker = avro.compatibility.ReaderWriterCompatibilityChecker()
            if checker.get_compatibility(reader, writer).compatibility is not compatible:
                verdict = False
    return verdict


def timed(verdict: object, cases: list[Case]) -> tuple[float, list[bool]]:
    started = time.perf_counter()
    verdicts = [verdict(case) for case in cases]  # type: ignore[operator]
    return time.perf_counter() - started, verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args()
    cases = corpus(arguments.cases, arguments.seed)
    fields = sum(c[0].count('"name"') for c in cases) / len(cases)
    print(
        f"{len(cases)} cases: 10-version histories, ~{fields:.0f} names per schema, "
        f"modes {', '.join(m.value for m in TRANSITIVE)}"
    )
    timed(meshgov_verdict, cases[:10])  # warm both
    timed(avro_verdict, cases[:10])
    ours_time, ours = timed(meshgov_verdict, cases)
    theirs_time, theirs = timed(avro_verdict, cases)
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    print(f"{'implementation':<28}{'cases/s':>10}{'ms/case':>10}")
    print(f"{'meshgov':<28}{len(cases) / ours_time:>10,.1f}{1000 * ours_time / len(cases):>10.2f}")
    print(
        f"{'avro.compatibility (Python)':<28}{len(cases) / theirs_time:>10,.1f}"
        f"{1000 * theirs_time / len(cases):>10.2f}"
    )
    print(f"speed-up: {theirs_time / ours_time:.1f}x")
    print(
        f"verdicts identical: {agree}/{len(cases)} (compatible: {sum(ours)}, "
        f"incompatible: {len(ours) - sum(ours)})"
    )


if __name__ == "__main__":
    main()
