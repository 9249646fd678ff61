"""Time and peak memory of `meshgov scan FILE --json` on big and hostile JSON Lines files.

Three files are generated (deterministically, from --seed) and each is scanned by
`python -m meshgov scan FILE --json` in a child process of its own, whose wall time and peak
resident set size (os.wait4) are printed with the throughput:

- records: realistic order records of ten fields (ids, a nested customer with name, e-mail,
  phone and address, amounts, a timestamp, a status, free-text notes, a list of items, tags);
- explosion: the same records, each with keys of its own (distinct field paths grow with
  the number of records);
- line: one single line of one record holding a list of many records.

Files are kept in --dir when given, and reused when there from an earlier run; else they go
to a temporary directory removed at the end. --scan-args passes options to every scan.
--compare TREE first scans each file with the meshgov package in TREE, an earlier version
(`git archive HEAD meshgov | tar -x -C TREE`), and prints the ratios, before over after:
the machine's load then weighs on both alike. CPU seconds are the child's user and system
time, less sensitive to other processes than the wall time.

    python -m benchmarks.scan [--size-mb 200] [--explosion-mb 50] [--line-mb 50]
                              [--only records,explosion,line] [--dir DIR] [--scan-args ARGS]
                              [--compare TREE] [--compare-args ARGS]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faker import Faker

MB = 1_000_000
VARIANTS = ("records", "explosion", "line")
STATUSES = ["placed", "paid", "packed", "shipped", "delivered", "returned"]
TAGS = ["gift", "express", "fragile", "b2b", "first-order", "subscription", "promo"]
NOTES = [
    "left at door",
    "customer asked to call {phone} before delivery",
    "deliver to {street}, {city}",
    "refund of {amount} EUR approved by {name}",
    "blocked host {ip}, then retried",
    "gift wrap, no invoice in the parcel",
    "passport no. {passport} shown at pickup",
    "reach {name} at {email} about the missing item",
    "",
    "second attempt on {date}",
]


@dataclass(frozen=True)
class Pools:
    """Values drawn once from Faker and combined at random: Faker itself is far too slow to
    make hundreds of megabytes of records."""

    first_names: list[str]
    last_names: list[str]
    streets: list[str]
    cities: list[str]
    domains: list[str]


def pools(seed: int) -> Pools:
    fake = Faker(["en_US", "de_DE", "fr_FR", "es_ES", "it_IT"])
    Faker.seed(seed)
    return Pools(
        first_names=[fake.first_name() for _ in range(2000)],
        last_names=[fake.last_name() for _ in range(2000)],
        streets=[fake.street_address() for _ in range(2000)],
        cities=[fake.city() for _ in range(500)],
        domains=[fake.free_email_domain() for _ in range(50)] + ["example.com", "shop.de"],
    )


def ascii_letters(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if c.isalnum() and c.isascii()
    )


def order(number: int, pool: Pools, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(pool.first_names), rng.choice(pool.last_names)
    name = f"{first} {last}"
    local = f"{ascii_letters(first)}.{ascii_letters(last)}{rng.randrange(100)}"
    email = f"{local}@{rng.choice(pool.domains)}"
    phone = f"+1 {rng.randrange(201, 990)}-555-{rng.randrange(10000):04d}"
    amount = f"{rng.randrange(100, 100000) / 100:.2f}"
    values = {
        "phone": phone,
        "street": rng.choice(pool.streets),
        "city": rng.choice(pool.cities),
        "amount": amount,
        "name": name,
        "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        "email": email,
        "passport": f"X{rng.choice('KLMN')}{rng.randrange(10**6, 10**7)}",
        "date": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
    }
    return {
        "order_id": f"ORD-2024-{number:07d}",
        "customer": {
            "id": f"{rng.getrandbits(64):016x}",
            "name": name,
            "email": email,
            "phone": phone,
            "address": {"street": values["street"], "city": values["city"]},
        },
        "amount": float(amount),
        "currency": rng.choice(["EUR", "USD", "GBP"]),
        "status": rng.choice(STATUSES),
        "placed_at": f"{values['date']}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
        "note": rng.choice(NOTES).format(**values),
        "items": [
            {"sku": f"SKU-{rng.randrange(10**5):05d}", "qty": rng.randrange(1, 5)}
            for _ in range(rng.randrange(1, 4))
        ],
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "gift": rng.random() < 0.1,
    }


def exploded(number: int, pool: Pools, rng: random.Random) -> dict[str, Any]:
    """A record whose keys no other record has."""
    return {f"{key}_{number}": value for key, value in order(number, pool, rng).items()}


def write_lines(path: Path, size: int, make: Callable[[int], dict[str, Any]]) -> int:
    """Write records from `make` until the file holds `size` bytes; return their number."""
    written = number = 0
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as handle:
        while written < size:
            line = json.dumps(make(number), ensure_ascii=False) + "\n"
            handle.write(line)
            written += len(line.encode())
            number += 1
    partial.rename(path)
    return number


def write_one_line(path: Path, size: int, pool: Pools, rng: random.Random) -> int:
    """One record, {"batch": "...", "orders": [...]}, on one line of about `size` bytes."""
    partial = path.with_suffix(".partial")
    number = written = 0
    with partial.open("w", encoding="utf-8") as handle:
        handle.write('{"batch": "B-1", "orders": [')
        while written < size:
            text = ("," if number else "") + json.dumps(order(number, pool, rng))
            handle.write(text)
            written += len(text.encode())
            number += 1
        handle.write("]}\n")
    partial.rename(path)
    return number


def generated(directory: Path, variant: str, size_mb: float, seed: int) -> Path:
    path = directory / f"{variant}-{size_mb:g}mb-seed{seed}.jsonl"
    if path.exists():
        return path
    pool, rng = pools(seed), random.Random(seed)
    started = time.perf_counter()
    size = int(size_mb * MB)
    if variant == "line":
        count = write_one_line(path, size, pool, rng)
    else:
        make = exploded if variant == "explosion" else order
        count = write_lines(path, size, lambda n: make(n, pool, rng))
    took = time.perf_counter() - started
    print(f"generated {path.name}: {count:,} records in {took:.0f} s", file=sys.stderr)
    return path


@dataclass(frozen=True)
class Measurement:
    seconds: float
    cpu_seconds: float
    peak_mb: float
    exit_code: int
    output_bytes: int
    entries: int | None
    stderr: str


def measure(
    path: Path, scan_args: list[str], scratch: Path, code: Path | None = None
) -> Measurement:
    """Scan `path` in a child process (importing meshgov from `code` when given): its wall
    and CPU time, peak RSS (Linux reports KiB) and output. The child runs in `scratch`: from
    the repository, `python -m` would import the meshgov there, whatever PYTHONPATH says."""
    command = [sys.executable, "-m", "meshgov", "scan", str(path.resolve()), "--json", *scan_args]
    environment = dict(os.environ)
    if code is not None:
        environment["PYTHONPATH"] = str(code)
    out_path = scratch / "report.json"
    with out_path.open("wb") as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            command, stdout=out, stderr=subprocess.PIPE, env=environment, cwd=scratch
        )
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
    exit_code = os.waitstatus_to_exitcode(status)
    size = out_path.stat().st_size
    entries = None
    if exit_code in (0, 1) and size < 100 * MB:
        entries = len(json.loads(out_path.read_bytes()))
    out_path.unlink()
    return Measurement(
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        exit_code,
        size,
        entries,
        errors.decode(errors="replace"),
    )


HEADER = ("file", "code", "MB", "seconds", "CPU s", "MB/s", "peak MB", "exit", "fields", "stderr")


def row(variant: str, code: str, file_mb: float, result: Measurement) -> tuple[str, ...]:
    message = result.stderr.strip().splitlines()
    return (
        variant,
        code,
        f"{file_mb:.0f}",
        f"{result.seconds:.1f}",
        f"{result.cpu_seconds:.1f}",
        f"{file_mb / result.seconds:.2f}",
        f"{result.peak_mb:.0f}",
        str(result.exit_code),
        "-" if result.entries is None else f"{result.entries:,}",
        message[-1][:100] if message else "",
    )


def ratios(before: Measurement, after: Measurement) -> tuple[str, ...]:
    return (
        "",
        "before/after",
        "",
        f"{before.seconds / after.seconds:.2f}x",
        f"{before.cpu_seconds / after.cpu_seconds:.2f}x",
        "",
        f"{before.peak_mb / after.peak_mb:.2f}x",
        "",
        "",
        "",
    )


def rows(arguments: argparse.Namespace, directory: Path) -> Iterator[tuple[str, ...]]:
    sizes = {
        "records": arguments.size_mb,
        "explosion": arguments.explosion_mb,
        "line": arguments.line_mb,
    }
    scan_args = shlex.split(arguments.scan_args)
    for variant in arguments.only.split(","):
        path = generated(directory, variant, sizes[variant], arguments.seed)
        file_mb = path.stat().st_size / MB
        before = None
        if arguments.compare is not None:
            before = measure(
                path, shlex.split(arguments.compare_args), directory, arguments.compare
            )
            yield row(variant, "before", file_mb, before)
        after = measure(path, scan_args, directory)
        yield row(variant, "this", file_mb, after)
        if before is not None:
            yield ratios(before, after)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=200, help="the records file")
    parser.add_argument("--explosion-mb", type=float, default=50, help="the file of new keys")
    parser.add_argument("--line-mb", type=float, default=50, help="the single line")
    parser.add_argument("--only", default=",".join(VARIANTS), help="variants, comma-separated")
    parser.add_argument("--dir", type=Path, help="keep (and reuse) the generated files here")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scan-args", default="", help="more options for meshgov scan")
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="TREE",
        help="first scan each file with the meshgov package found in TREE (PYTHONPATH)",
    )
    parser.add_argument("--compare-args", default="", help="more options for TREE's scan")
    arguments = parser.parse_args()
    unknown = set(arguments.only.split(",")) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variants: {', '.join(sorted(unknown))}")
    table = [HEADER]
    with tempfile.TemporaryDirectory(prefix="meshgov-scan-") as temporary:
        directory = arguments.dir or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        for line in rows(arguments, directory):
            table.append(line)
            print("  ".join(line), file=sys.stderr, flush=True)
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    for line in table:
        cells = [
            cell.ljust(width) if i in (0, 1, len(HEADER) - 1) else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


if __name__ == "__main__":
    main()
