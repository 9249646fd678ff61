"""Validating OpenLineage events against the specification's JSON schemas (vendored under
tests/reference/openlineage): the event itself, and each facet against its own schema,
found by the facet schema named in its `_schemaURL`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC = Path(__file__).resolve().parents[1] / "reference" / "openlineage"


def _registry() -> tuple[Registry, dict[str, str]]:
    resources = []
    by_name: dict[str, str] = {}  # SchemaDatasetFacet -> its $id
    for path in [SPEC / "OpenLineage.json", *sorted((SPEC / "facets").glob("*.json"))]:
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
        by_name[path.stem] = schema["$id"]
    return Registry().with_resources(resources), by_name


REGISTRY, FACET_SCHEMAS = _registry()
EVENT_SCHEMA = json.loads((SPEC / "OpenLineage.json").read_text())


def problems(event: dict[str, Any]) -> list[str]:
    """Every way `event` (as sent, JSON) breaks the specification."""
    kind = "RunEvent" if "run" in event else "DatasetEvent" if "dataset" in event else "JobEvent"
    schema = {"$ref": f"{EVENT_SCHEMA['$id']}#/$defs/{kind}"}
    found = [
        f"event: {e.message}"
        for e in Draft202012Validator(schema, registry=REGISTRY).iter_errors(event)
    ]
    for where, facets in _facets(event):
        for key, facet in facets.items():
            url = facet.get("_schemaURL", "")
            name = url.split("#")[0].rsplit("/", 1)[-1].removesuffix(".json")
            definition = url.split("#", 1)[1] if "#" in url else ""
            if name not in FACET_SCHEMAS:
                found.append(f"{where}.{key}: no facet schema {name!r} in the specification")
                continue
            schema = {"$ref": f"{FACET_SCHEMAS[name]}#{definition}"}
            validator = Draft202012Validator(schema, registry=REGISTRY)
            found += [f"{where}.{key}: {e.message}" for e in validator.iter_errors(facet)]
    return found


def _facets(event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = [("run.facets", (event.get("run") or {}).get("facets") or {})]
    found.append(("job.facets", (event.get("job") or {}).get("facets") or {}))
    for side in ("inputs", "outputs"):
        for i, dataset in enumerate(event.get(side) or []):
            found.append((f"{side}[{i}].facets", dataset.get("facets") or {}))
            for extra in ("inputFacets", "outputFacets"):
                found.append((f"{side}[{i}].{extra}", dataset.get(extra) or {}))
    return found
