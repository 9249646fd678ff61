"""A descriptor written back as the YAML document a team keeps (the inverse of
meshgov.models.loading): what the loader reads back into the same descriptor."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import yaml

from meshgov.models.descriptor import DataProduct
from meshgov.models.text_forms import format_duration, format_percent


def descriptor_yaml(product: DataProduct) -> str:
    document: dict[str, Any] = product.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    for index, port in enumerate(product.output_ports):
        dumped = document["output_ports"][index]
        dumped["name"] = port.name
        if port.fields:
            dumped["fields"] = {
                path: {
                    "pii": declared.pii.value if declared.pii is not None else "none",
                    "protection": declared.protection.value,
                    **({"tags": list(declared.tags)} if declared.tags else {}),
                }
                for path, declared in port.fields.items()
            }
    freshness = product.sla.freshness
    if freshness is not None:
        sla = document.setdefault("sla", {})
        if freshness.deadline is not None:
            sla["freshness"] = {
                "deadline": f"{freshness.deadline:%H:%M}",
                "timezone": freshness.timezone,
            }
        elif freshness.within is not None:
            sla["freshness"] = {"within": _duration(freshness.within)}
        elif freshness.max_silence is not None:
            sla["freshness"] = {"max_silence": _duration(freshness.max_silence)}
    if product.quality:
        document["quality"] = [
            {
                "metric": rule.metric,
                "kind": rule.kind.value,  # the metric text alone may read as another column
                **({"column": rule.column} if rule.column is not None else {}),
                **(
                    {"threshold": format_percent(rule.threshold)}
                    if rule.threshold is not None
                    else {}
                ),
                **({"min": rule.min_rows} if rule.min_rows is not None else {}),
                **({"max": rule.max_rows} if rule.max_rows is not None else {}),
            }
            for rule in product.quality
        ]
    text: str = yaml.safe_dump({"data_product": document}, sort_keys=False, allow_unicode=True)
    return text


def _duration(value: timedelta) -> str | float:
    """'2h 30m' when whole seconds, else the seconds themselves (nothing rounded away)."""
    seconds = value.total_seconds()
    return format_duration(value) if seconds == int(seconds) else seconds
