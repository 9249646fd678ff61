"""Where a descriptor came from when it was written in another contract format: the notes
its import made (what it could not map, by the source's own path) and the source path of
each descriptor path, so every finding names the place in the document its team wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

from meshgov.models.events import Finding, Severity

CONTRACT_NOT_MAPPED = "CONTRACT_NOT_MAPPED"


@dataclass(frozen=True)
class Note:
    path: str  # in the source document, e.g. schema[0].quality[1]
    message: str
    severity: Severity = Severity.WARNING


@dataclass(frozen=True)
class ContractOrigin:
    format: str  # "ODCS v3.1.0"
    notes: tuple[Note, ...] = ()
    # descriptor path prefix -> source path, e.g. data_product.output_ports[0] -> schema[0]
    paths: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)  # finding code -> how to fix it there

    def source_path(self, path: str) -> str | None:
        """The source path of a descriptor path: that of the path itself or of its nearest
        mapped parent (never a made-up path below it); None if nothing above it is mapped.
        Each parent is looked up once: a finding costs its path's depth, not the map's size."""
        for end in _parent_ends(path):
            found = self.paths.get(path[:end])
            if found is not None:
                return found
        return None

    def localize(self, finding: Finding) -> Finding:
        """The finding with its path in the source document; the descriptor's path kept in
        its details."""
        if finding.path is None or (source := self.source_path(finding.path)) is None:
            return finding
        details = {**finding.details, "descriptor_path": finding.path}
        return finding.model_copy(
            update={
                "path": source,
                "message": " ".join(
                    filter(
                        None,
                        (
                            finding.message,
                            f"[{self.format}: {source}]",
                            self.hints.get(finding.code),
                        ),
                    )
                ),
                "details": details,
            }
        )

    def findings(self) -> list[Finding]:
        return [
            Finding(
                code=CONTRACT_NOT_MAPPED,
                severity=note.severity,
                message=f"{self.format} {note.path}: {note.message}",
                path=note.path,
            )
            for note in self.notes
        ]


def _parent_ends(path: str) -> list[int]:
    """Where `path` and each of its parents end, longest first: a.b[0].c -> a.b[0].c,
    a.b[0], a.b, a."""
    ends = [len(path)]
    for index in range(len(path) - 1, 0, -1):
        if path[index] in ".[":
            ends.append(index)
    return ends
