"""Schema compatibility checks per second: meshgov next to Apache Avro's Python package, on
two corpora in the same run.

large: each case is a new schema, a history of 10 earlier versions of a record of 20-200
    fields, and a transitive mode; cases are independent, and meshgov's parse cache is
    cleared before each one.
mixed: subjects of every form, most with under 20 fields (keys that are bare primitives,
    unions, arrays, maps, enums, fixed, small records, a few wide records), each registered
    version after version in one of the seven modes, as `meshgov compat --batch` or the
    compatibility processor meets them: case k checks version k against versions 1..k-1.
    meshgov parses each distinct text once (its cache starts empty); the line "cold" clears
    that cache before every case instead, so that every schema of every case is parsed.

Both sides parse every schema they use from JSON text, in the same process; process start-up
is excluded; each side's time is the best of --runs runs. avro.compatibility parses the new
schema and the versions the mode compares with, for every case. Verdicts are compared case by
case.

    python -m benchmarks.compat [--cases 200] [--subjects 300] [--seed 7] [--runs 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from collections.abc import Callable

import avro.compatibility
import avro.errors
import avro.schema

from meshgov.avro import InvalidSchemaError, parse_schema
from meshgov.checks.compatibility import SchemaVersion, check_schema
from meshgov.checks.compatibility.check import clear_parse_cache, compared_versions
from meshgov.models.sla import CompatibilityMode
from tests.support.schema_gen import HistoryGenerator, SchemaGenerator

TRANSITIVE = (
    CompatibilityMode.BACKWARD_TRANSITIVE,
    CompatibilityMode.FORWARD_TRANSITIVE,
    CompatibilityMode.FULL_TRANSITIVE,
)
MODES = list(CompatibilityMode)
Case = tuple[str, list[str], CompatibilityMode]


def large_corpus(count: int, seed: int) -> list[Case]:
    generator = SchemaGenerator(seed)
    cases = []
    for index in range(count):
        fields = generator.rng.randint(20, 200)
        history = generator.history(fields, versions=10, breaking=0.05)
        new = generator.next_version(history, breaking=0.4)
        cases.append((json.dumps(new), [json.dumps(s) for s in history], TRANSITIVE[index % 3]))
    return cases


def mixed_corpus(subjects: int, seed: int) -> tuple[list[Case], list[int]]:
    """The registrations of `subjects` subjects, and each subject's widest field count."""
    generator = HistoryGenerator(seed, references=False)
    rng = generator.rng
    cases: list[Case] = []
    widths = []
    for index in range(subjects):
        roll = rng.random()
        if roll < 0.35:
            first = generator.top_level()
            while not _valid(first):
                first = generator.top_level()
        elif roll < 0.88:
            first = generator.record(rng.randint(1, 19))
        else:
            first = generator.record(rng.randint(20, 200))
        versions = [first]
        seen = {json.dumps(first, sort_keys=True)}
        for _ in range(rng.randint(1, 9)):
            new = generator.evolve_any(versions[-1], breaking=0.1)
            if json.dumps(new, sort_keys=True) not in seen and _valid(new):
                seen.add(json.dumps(new, sort_keys=True))
                versions.append(new)
        texts = [json.dumps(v) for v in versions]
        mode = MODES[index % len(MODES)]
        widths.append(max(t.count('"name"') for t in texts))
        cases.extend((texts[k], texts[:k], mode) for k in range(1, len(texts)))
    return cases, widths


def _valid(schema: object) -> bool:
    """Whether both sides accept the schema (the generator makes a few that neither does)."""
    try:
        parse_schema(schema)
        avro.schema.parse(json.dumps(schema))
    except (InvalidSchemaError, avro.errors.AvroException):
        return False
    return True


def meshgov_verdict(case: Case) -> bool:
    new, previous, mode = case
    history = [SchemaVersion(str(i), text) for i, text in enumerate(previous, start=1)]
    return check_schema(new, history, mode).compatible


def meshgov_cold_verdict(case: Case) -> bool:
    clear_parse_cache()  # every schema of the case parsed, as on the other side
    return meshgov_verdict(case)


def avro_verdict(case: Case) -> bool:
    new_text, previous, mode = case
    new = avro.schema.parse(new_text)
    backward = mode.value.startswith(("BACKWARD", "FULL"))
    forward = mode.value.startswith(("FORWARD", "FULL"))
    compatible = avro.compatibility.SchemaCompatibilityType.compatible
    verdict = True
    # Every compared pair is checked, as meshgov reports every incompatibility.
    for index in compared_versions(mode, len(previous)):
        old = avro.schema.parse(previous[index])
        pairs = ([(new, old)] if backward else []) + ([(old, new)] if forward else [])
        for reader, writer in pairs:
            checker = avro.compatibility.ReaderWriterCompatibilityChecker()
            if checker.get_compatibility(reader, writer).compatibility is not compatible:
                verdict = False
    return verdict


def timed(verdict: Callable[[Case], bool], cases: list[Case]) -> tuple[float, list[bool]]:
    started = time.perf_counter()
    verdicts = [verdict(case) for case in cases]
    return time.perf_counter() - started, verdicts


def best(verdict: Callable[[Case], bool], cases: list[Case], runs: int) -> tuple[float, list[bool]]:
    """The fastest of `runs` runs (the machine may be busy), meshgov's cache cleared first."""
    results = []
    for _ in range(runs):
        clear_parse_cache()
        results.append(timed(verdict, cases))
    return min(results, key=lambda r: r[0])


def compare(name: str, cases: list[Case], meshgov: Callable[[Case], bool], runs: int) -> float:
    """Times both sides on `cases`; returns the speed-up."""
    ours_time, ours = best(meshgov, cases, runs)
    theirs_time, theirs = best(avro_verdict, cases, runs)
    agree = sum(a == b for a, b in zip(ours, theirs, strict=True))
    rows = [("meshgov", ours_time), ("avro.compatibility (Python)", theirs_time)]
    print(f"  {'implementation':<28}{'cases/s':>10}{'ms/case':>10}")
    for label, seconds in rows:
        print(f"  {label:<28}{len(cases) / seconds:>10,.1f}{1000 * seconds / len(cases):>10.3f}")
    ratio = theirs_time / ours_time
    print(
        f"  {name} speed-up: {ratio:.1f}x; verdicts identical: {agree}/{len(cases)} "
        f"(compatible: {sum(theirs)}, incompatible: {len(theirs) - sum(theirs)})"
    )
    return ratio


def profile(cases: list[Case]) -> None:
    clear_parse_cache()
    profiler = cProfile.Profile()
    profiler.enable()
    for case in cases:
        meshgov_verdict(case)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="cases of the large corpus")
    parser.add_argument("--subjects", type=int, default=300, help="subjects of the mixed one")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the best is kept")
    parser.add_argument("--profile", action="store_true", help="profile meshgov on mixed")
    arguments = parser.parse_args()

    mixed, widths = mixed_corpus(arguments.subjects, arguments.seed)
    small = sum(w < 20 for w in widths)
    print(
        f"mixed: {len(mixed)} registrations of {len(widths)} subjects ({small} with under 20 "
        f"fields), histories of 0-9 earlier versions, all seven modes"
    )
    warm = mixed[:20]
    timed(meshgov_verdict, warm)  # warm both
    timed(avro_verdict, warm)
    runs = arguments.runs
    mixed_ratio = compare("mixed", mixed, meshgov_verdict, runs)
    cold_ratio = compare("mixed, cold", mixed, meshgov_cold_verdict, runs)

    large = large_corpus(arguments.cases, arguments.seed)
    fields = sum(c[0].count('"name"') for c in large) / len(large)
    print(
        f"large: {len(large)} cases: 10-version histories, ~{fields:.0f} names per schema, "
        f"modes {', '.join(m.value for m in TRANSITIVE)}, cache cleared before each case"
    )
    large_ratio = compare("large", large, meshgov_cold_verdict, runs)
    print(f"summary: mixed {mixed_ratio:.1f}x (cold {cold_ratio:.1f}x), large {large_ratio:.1f}x")
    if arguments.profile:
        profile(mixed)


if __name__ == "__main__":
    main()
