"""Lineage out: the catalog's lineage and batch runs as OpenLineage events."""

from __future__ import annotations

import os

from meshgov.settings import Settings


def configured(settings: Settings) -> bool:
    """Whether the mesh has somewhere to send lineage: the client's config file in the
    settings, or the client's own environment variables."""
    return settings.openlineage_config is not None or any(
        os.environ.get(name) for name in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG")
    )
