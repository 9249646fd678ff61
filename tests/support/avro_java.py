"""Apache Avro's Java implementation, run as a subprocess: the reference for compatibility."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from meshgov.broker.jars import ensure_maven_dependencies
from meshgov.broker.tools import find_java
from meshgov.settings import Settings

HERE = Path(__file__).resolve().parent.parent / "reference" / "avro-java"


class JavaAvro:
    """One JVM answering compatibility, history and validity questions line by line."""

    def __init__(self) -> None:
        libs = ensure_maven_dependencies(
            HERE / "pom.xml", Settings.load().cache / "avro-java-1.12.2" / "libs"
        )
        self.process = subprocess.Popen(
            [str(find_java()), "-cp", str(libs / "*"), str(HERE / "CompatReference.java")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def compatibility(self, reader: Any, writer: Any) -> dict[str, Any]:
        return self._ask({"reader": reader, "writer": writer})

    def is_valid(self, schema: Any) -> bool:
        return bool(self._ask({"schema": schema})["valid"])

    def history(self, mode: str, new: str, previous: list[str]) -> dict[str, Any]:
        """Java's answer under Schema Registry's rules for `mode` (see CompatReference.java):
        schemas as JSON text, the history oldest first."""
        return self._ask({"mode": mode, "new": new, "previous": previous})

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)
