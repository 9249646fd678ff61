"""Kafka's jars, fetched once from Maven Central with deploy/kafka/pom.xml into a cache."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from importlib import resources
from pathlib import Path

from meshgov.broker.errors import BrokerError
from meshgov.broker.tools import find_maven

KAFKA_VERSION = "4.3.1"
_COMPLETE = ".complete"


def kafka_pom() -> Path:
    return Path(str(resources.files("meshgov.broker") / "pom.xml"))


def log4j_config() -> Path:
    return Path(str(resources.files("meshgov.broker") / "log4j2.yaml"))


def jar_directory(cache_dir: Path) -> Path:
    return cache_dir / f"kafka-{KAFKA_VERSION}" / "libs"


def ensure_kafka_jars(cache_dir: Path) -> Path:
    """Return the directory holding every jar the broker needs, fetching it on first use."""
    return ensure_maven_dependencies(kafka_pom(), jar_directory(cache_dir))


def ensure_maven_dependencies(pom: Path, libs: Path) -> Path:
    """Copy the runtime dependencies of `pom` into `libs` with Maven, once."""
    if (libs / _COMPLETE).exists():
        return libs
    mvn = find_maven()
    libs.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="libs-", dir=libs.parent))
    command = [
        str(mvn),
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={staging}",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        raise BrokerError(f"Maven did not finish fetching {pom} within 15 minutes") from None
    if result.returncode != 0 or not any(staging.glob("*.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join(output[-15:]) or "(Maven printed nothing)"
        raise BrokerError(
            f"Maven could not fetch the dependencies of {pom} from Maven Central "
            f"(exit {result.returncode}):\n{tail}"
        )
    (staging / _COMPLETE).write_text(pom.name + "\n")
    shutil.rmtree(libs, ignore_errors=True)
    staging.rename(libs)
    return libs
