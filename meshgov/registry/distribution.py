"""Apicurio Registry's ready-to-run distribution, fetched once from Maven Central into the
cache and unpacked there."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from meshgov.broker.errors import MissingToolError
from meshgov.broker.tools import find_maven
from meshgov.registry.errors import RegistryError

APICURIO_VERSION = "3.3.3"
ARTIFACT = f"io.apicurio:apicurio-registry-app:{APICURIO_VERSION}:tar.gz:all"
# Newer dependency-plugin versions resolve the artifact's parent POM, which Maven Central
# does not serve for some Apicurio versions; 2.8 with -Dtransitive=false fetches the file alone.
GET_GOAL = "org.apache.maven.plugins:maven-dependency-plugin:2.8:get"
RUNNER = "quarkus-run.jar"
_COMPLETE = ".complete"


def distribution_directory(cache_dir: Path) -> Path:
    return cache_dir / f"apicurio-registry-{APICURIO_VERSION}"


def ensure_registry_distribution(cache_dir: Path) -> Path:
    """Return the unpacked distribution (holding quarkus-run.jar), fetching it on first use."""
    target = distribution_directory(cache_dir)
    if (target / _COMPLETE).exists():
        return target
    try:
        mvn = find_maven("Fetching Apicurio Registry from Maven Central")
    except MissingToolError as missing:
        raise RegistryError(str(missing)) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="apicurio-", dir=target.parent))
    try:
        archive = _download(mvn, staging / "download")
        unpacked = staging / "app"
        _unpack(archive, unpacked)
        if not (unpacked / RUNNER).is_file():
            raise RegistryError(f"{archive.name} from Maven Central holds no {RUNNER}")
        (unpacked / _COMPLETE).write_text(ARTIFACT + "\n")
        shutil.rmtree(target, ignore_errors=True)
        unpacked.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _download(mvn: Path, directory: Path) -> Path:
    directory.mkdir()
    command = [
        str(mvn),
        "-q",
        "-B",
        GET_GOAL,
        f"-Dartifact={ARTIFACT}",
        "-Dtransitive=false",
        f"-Ddest={directory}/",
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    except subprocess.TimeoutExpired:
        raise RegistryError(
            f"downloading {ARTIFACT} from Maven Central did not finish within 15 minutes"
        ) from None
    archives = list(directory.glob("*.tar.gz"))
    if result.returncode != 0 or not archives:
        raise RegistryError(
            f"downloading {ARTIFACT} from Maven Central failed (Maven exit "
            f"{result.returncode}): {_maven_error(result.stdout + result.stderr)}"
        )
    return archives[0]


def _maven_error(output: str) -> str:
    """Maven's first error line, which names the cause (unreachable host, missing artifact)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("[ERROR]").strip() for line in lines if "[ERROR]" in line]
    return next((e for e in errors if e), lines[-1] if lines else "Maven printed nothing")


def _unpack(archive: Path, directory: Path) -> None:
    try:
        with tarfile.open(archive) as tar:
            # The "data" filter refuses links and paths that leave `directory` (3.11.4+).
            if hasattr(tarfile, "data_filter"):
                tar.extractall(directory, filter="data")
            else:  # pragma: no cover - Python before 3.11.4
                tar.extractall(directory)
    except (OSError, tarfile.TarError) as error:
        raise RegistryError(f"unpacking {archive} failed: {error}") from None
