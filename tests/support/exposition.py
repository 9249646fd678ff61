"""Checking a /metrics page the way promtool's `check metrics` does: it parses as the text
exposition format, every family has help, counters end in _total, names use base units
and only the meshgov_ prefix for meshgov's own. promtool itself judges it too where it is
installed (Debian's prometheus package)."""

from __future__ import annotations

import re
import shutil
import subprocess

from prometheus_client.parser import text_string_to_metric_families

NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
NON_BASE_UNITS = (
    "_milliseconds",
    "_microseconds",
    "_minutes",
    "_hours",
    "_days",
    "_kilobytes",
    "_megabytes",
    "_percent",
)


def exposition_problems(text: str) -> list[str]:
    problems: list[str] = []
    families = list(text_string_to_metric_families(text))
    for family in families:
        name = family.name
        if not NAME.match(name):
            problems.append(f"{name}: not a snake_case metric name")
        if not family.documentation:
            problems.append(f"{name}: no help text")
        if family.type == "counter" and any(
            s.name == name and not s.name.endswith("_total") for s in family.samples
        ):
            problems.append(f"{name}: a counter's samples end in _total")
        if family.type != "counter" and name.endswith("_total"):
            problems.append(f"{name}: only counters end in _total")
        if any(unit in name for unit in NON_BASE_UNITS):
            problems.append(f"{name}: not in base units (seconds, bytes, ratios)")
    promtool = shutil.which("promtool")
    if promtool is not None:
        done = subprocess.run(
            [promtool, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60
        )
        lint = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        problems += [f"promtool: {line}" for line in lint if line.startswith("meshgov_")]
    return problems


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample by (name, sorted labels)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
