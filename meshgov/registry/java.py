"""Finding a Java new enough for Apicurio Registry, which may not be the default one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from meshgov.broker.tools import java_major_version
from meshgov.registry.errors import NoJavaError

MIN_REGISTRY_JAVA = 21  # Apicurio Registry 3.1 and later: class file version 65
JVM_DIRECTORY = Path("/usr/lib/jvm")


def find_registry_java(java_home: Path | None = None, jvm_dir: Path = JVM_DIRECTORY) -> Path:
    """The java binary of `java_home` ($JAVA_HOME) when it is Java 21 or newer, else of PATH,
    else the newest such JDK under `jvm_dir`.

    JAVA_HOME may rightly name an older Java (the broker runs on 17), so an older one there
    is passed over rather than refused."""
    seen: list[str] = []
    first: list[tuple[str, Path]] = []
    if java_home:
        first.append((f"JAVA_HOME {java_home}", Path(java_home) / "bin" / "java"))
    if on_path := shutil.which("java"):
        first.append((f"java on PATH {on_path}", Path(on_path)))
    for label, java in first:
        if not _executable(java):
            seen.append(f"{label}: no java there")
            continue
        major = java_major_version(java)
        if major >= MIN_REGISTRY_JAVA:
            return java
        seen.append(f"{label}: Java {major}")
    installed: dict[Path, tuple[int, Path]] = {}
    if jvm_dir.is_dir():
        for home in sorted(jvm_dir.iterdir()):
            java = home / "bin" / "java"
            if _executable(java) and (real := java.resolve()) not in installed:
                installed[real] = (java_major_version(java), java)
    newest = max(installed.values(), default=None, key=lambda found: found[0])
    if newest is not None and newest[0] >= MIN_REGISTRY_JAVA:
        return newest[1]
    versions = sorted({major for major, _ in installed.values()})
    seen.append(
        f"{jvm_dir}: " + (", ".join(f"Java {v}" for v in versions) if versions else "no JDK")
    )
    raise NoJavaError(
        f"Apicurio Registry needs Java {MIN_REGISTRY_JAVA} or newer and none was found "
        f"({'; '.join(seen)}): install a JDK {MIN_REGISTRY_JAVA}+ (e.g. Temurin 21) under "
        f"{jvm_dir} or point JAVA_HOME at one."
    )


def _executable(java: Path) -> bool:
    return java.is_file() and os.access(java, os.X_OK)
