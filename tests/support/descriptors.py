"""Variants of the design's example descriptor, for tests: a schema on its streaming port,
another name, version, topic, field classifications, effective date, inputs, tags."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SEED = (
    Path(__file__).resolve().parents[2] / "examples" / "orders-daily-aggregated.yaml"
).read_text()
_STREAMING_LOCATION = '      location: "kafka://orders-events"\n'


def example_descriptor(
    *,
    name: str | None = None,
    version: str | None = None,
    schema: Any = None,
    topic: str | None = None,
    fields: Mapping[str, str] | None = None,
    effective: str | None = None,
    inputs: Sequence[str] = (),
    tags: Sequence[str] = (),
    seed: str = SEED,
) -> str:
    """The example with these changes; `fields` maps a field path to its classification as
    YAML, e.g. {"email": "{pii: EMAIL, protection: hashed}"}."""
    text = seed
    if name is not None:
        text = text.replace('name: "orders-daily-aggregated"', f'name: "{name}"')
    port = f'      location: "kafka://{topic or "orders-events"}"\n'
    if schema is not None:
        port += f"      schema: {json.dumps(json.dumps(schema))}\n"
    if fields:
        port += "      fields:\n" + "".join(f"        {p}: {c}\n" for p, c in fields.items())
    text = text.replace(_STREAMING_LOCATION, port)
    head = f'  version: "{version}"\n' if version is not None else ""
    head += f"  tags: [{', '.join(tags)}]\n" if tags else ""
    head += f"  effective_date: {effective}\n" if effective else ""
    text = text.replace("  description:", head + "  description:")
    if inputs:
        ports = "".join(f"    - product: {p}\n" for p in inputs)
        text = text.replace("  output_ports:", f"  input_ports:\n{ports}  output_ports:")
    return text


def batch_descriptor(
    name: str,
    *,
    refresh: str = "0 2 * * *",
    freshness: str = "Data available by 4am UTC",
    availability: str | None = None,
    schema: Any = None,
    rules: Sequence[str] = ("row_count_vs_source", "no_nulls_in_order_id"),
) -> str:
    """A product with one scheduled batch port "daily", its freshness SLA and quality rules
    (row_count_vs_source at 99.9%)."""
    port_schema = f"      schema: {json.dumps(json.dumps(schema))}\n" if schema else ""
    sla = f'    availability: "{availability}"\n' if availability else ""
    quality = "".join(
        f'    - metric: "{rule}"\n'
        + ("      threshold: 99.9%\n" if rule == "row_count_vs_source" else "")
        for rule in rules
    )
    return f"""
data_product:
  name: "{name}"
  owner: "orders-team@company.com"
  output_ports:
    - name: daily
      type: batch
      format: Parquet
      location: "s3://data-mesh/orders/daily/"
      refresh: "{refresh}"
{port_schema}  sla:
{sla}    freshness: "{freshness}"
  quality:
{quality}"""
