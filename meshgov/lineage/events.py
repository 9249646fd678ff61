"""The catalog's lineage and the batch runs of products as OpenLineage events (built with
openlineage-python's own classes; pure, no Kafka and no transport here).

- A job per product (namespace: the settings' openlineage_namespace, name: the product):
  a JobEvent whenever its accepted version or its upstreams change, its inputs the output
  ports of the products it reads, its outputs its own ports, each with its schema,
  ownership and documentation facets.
- Datasets are named the OpenLineage way (openlineage.client.naming): a Kafka topic
  `kafka://host:port` / topic, an object in `s3://bucket`, `gs://bucket`, a local `file`.
- A run per batch output (mesh.outputs): START at its scheduled time (or when published)
  and COMPLETE when published, with the output's statistics and data-quality metrics; a
  freshness or quality breach that opens for a run FAILs it, with the failed assertion."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

from openlineage.client.event_v2 import (
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    Run,
    RunEvent,
    RunState,
)
from openlineage.client.facet_v2 import (
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    documentation_dataset,
    documentation_job,
    error_message_run,
    job_type_job,
    nominal_time_run,
    output_statistics_output_dataset,
    ownership_dataset,
    ownership_job,
    schema_dataset,
)
from openlineage.client.naming.dataset import GCS, S3, Kafka, LocalFileSystem, RemoteFileSystem

from meshgov import __version__
from meshgov.models.descriptor import DataProduct, OutputPort, PortType
from meshgov.models.events import BreachKind, BreachState, OutputPublished, SlaBreach

PRODUCER = f"https://github.com/meshgov/meshgov/tree/{__version__}"
RUN_NAMESPACE = uuid.UUID("5b0e8f2a-6f7c-4c1e-9d1f-6d65736867f0")  # runs' ids: uuid5 in it
FAILING_KINDS = (BreachKind.FRESHNESS, BreachKind.QUALITY)


def dataset_name(location: str, kafka_bootstrap: str) -> tuple[str, str]:
    """(namespace, name) of a port's location, by the OpenLineage naming spec."""
    parsed = urlparse(location)
    scheme = parsed.scheme.lower()
    key = parsed.path.lstrip("/") or "/"
    if scheme == "kafka":
        host, _, port = kafka_bootstrap.split(",")[0].strip().rpartition(":")
        topic = (parsed.netloc + parsed.path).strip("/")
        naming: Any = Kafka(host or "localhost", port or "9092", topic)
    elif scheme in ("s3", "s3a", "s3n"):
        naming = S3(parsed.netloc, key)
    elif scheme == "gs":
        naming = GCS(parsed.netloc, key)
    elif scheme == "file" and not parsed.netloc:
        naming = LocalFileSystem(parsed.path or "/")
    elif scheme == "file":
        naming = RemoteFileSystem(parsed.netloc, parsed.path or "/")
    else:  # the same shape for any other store: scheme://authority, then the path
        return f"{scheme}://{parsed.netloc}", parsed.path or "/"
    return naming.get_namespace(), naming.get_name()


def _schema_fields(schema: Any) -> list[schema_dataset.SchemaDatasetFacetFields]:
    if isinstance(schema, str):
        try:
            schema = json.loads(schema)
        except ValueError:
            return []
    if not isinstance(schema, dict) or schema.get("type") not in ("record", "error"):
        return []
    fields = []
    for position, field in enumerate(schema.get("fields", []), start=1):
        if not isinstance(field, dict) or "name" not in field:
            continue
        kind = field.get("type")
        nested = kind if isinstance(kind, dict) else None
        if isinstance(kind, list):
            branches = [b for b in kind if b != "null"]
            nested = branches[0] if len(branches) == 1 and isinstance(branches[0], dict) else None
        fields.append(
            schema_dataset.SchemaDatasetFacetFields(
                name=str(field["name"]),
                type=_type_name(kind),
                description=field.get("doc"),
                ordinal_position=position,
                fields=_schema_fields(nested) if nested is not None else [],
            )
        )
    return fields


def _type_name(kind: Any) -> str:
    if isinstance(kind, list):
        return " | ".join(_type_name(k) for k in kind)
    if isinstance(kind, dict):
        return str(kind.get("logicalType") or kind.get("type"))
    return str(kind)


def port_facets(product: DataProduct, port: OutputPort) -> dict[str, Any]:
    facets: dict[str, Any] = {
        "ownership": ownership_dataset.OwnershipDatasetFacet(
            owners=[ownership_dataset.Owner(name=f"user:{product.owner}", type="OWNER")]
        ),
    }
    fields = _schema_fields(port.avro_schema)
    if fields:
        facets["schema"] = schema_dataset.SchemaDatasetFacet(fields=fields)
    if product.description:
        facets["documentation"] = documentation_dataset.DocumentationDatasetFacet(
            description=f"{product.name} ({port.name}): {product.description}"
        )
    return facets


def job(product: DataProduct, namespace: str) -> Job:
    batch = any(p.type is PortType.BATCH for p in product.output_ports)
    facets: dict[str, Any] = {
        "ownership": ownership_job.OwnershipJobFacet(
            owners=[ownership_job.Owner(name=f"user:{product.owner}", type="OWNER")]
        ),
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH" if batch else "STREAMING",
            integration="MESHGOV",
            jobType="DATA_PRODUCT",
        ),
    }
    if product.description:
        facets["documentation"] = documentation_job.DocumentationJobFacet(
            description=product.description
        )
    return Job(namespace=namespace, name=product.name, facets=facets)


def job_event(
    product: DataProduct,
    upstream: Mapping[str, DataProduct],
    namespace: str,
    kafka_bootstrap: str,
    at: datetime,
) -> JobEvent:
    """The product's place in the lineage: what it reads (the ports of its upstreams the
    catalog knows) and what it writes."""
    inputs = []
    for wanted in product.input_ports:
        source = upstream.get(wanted.product)
        if source is None:
            continue
        for port in source.output_ports:
            if wanted.port is None or wanted.port == port.name:
                ns, name = dataset_name(port.location, kafka_bootstrap)
                inputs.append(InputDataset(ns, name, facets=port_facets(source, port)))
    outputs = []
    for port in product.output_ports:
        ns, name = dataset_name(port.location, kafka_bootstrap)
        outputs.append(OutputDataset(ns, name, facets=port_facets(product, port)))
    return JobEvent(
        eventTime=_iso(at),
        producer=PRODUCER,
        job=job(product, namespace),
        inputs=inputs,
        outputs=outputs,
    )


def run_id(product: str, port: str, occurrence: str) -> str:
    """The same run of the same port always gets the same id (events replay identically)."""
    return str(uuid.uuid5(RUN_NAMESPACE, f"{product}/{port}/{occurrence}"))


def occurrence(scheduled_for: datetime | str | None, run: str | None) -> str | None:
    """What names a run: its scheduled time where it has one (a late output and the
    freshness breach that awaited it are the same run), else the run id it was published
    with."""
    when: datetime | None
    if isinstance(scheduled_for, str):
        try:
            when = datetime.fromisoformat(scheduled_for)
        except ValueError:
            return f"scheduled {scheduled_for}"
    else:
        when = scheduled_for
    return f"scheduled {_iso(when)}" if when is not None else run


def output_events(
    output: OutputPublished, product: DataProduct, namespace: str, kafka_bootstrap: str
) -> list[RunEvent]:
    """START and COMPLETE of the batch run that published `output`."""
    port = product.port(output.port)
    ns, name = dataset_name(port.location, kafka_bootstrap)
    metrics = data_quality_metrics_dataset.DataQualityMetricsDatasetFacet(
        rowCount=output.row_count,
        columnMetrics={
            c.name: data_quality_metrics_dataset.ColumnMetrics(
                nullCount=c.null_count, distinctCount=c.distinct_count
            )
            for c in output.columns
        },
    )
    dataset = OutputDataset(
        ns,
        name,
        facets={**port_facets(product, port), "dataQualityMetrics": metrics},
        outputFacets={
            "outputStatistics": output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
                rowCount=output.row_count
            )
        },
    )
    run_facets: dict[str, Any] = {}
    if output.scheduled_for is not None:
        run_facets["nominalTime"] = nominal_time_run.NominalTimeRunFacet(
            nominalStartTime=_iso(output.interval_start or output.scheduled_for),
            nominalEndTime=_iso(output.interval_end) if output.interval_end else None,
        )
    named = occurrence(output.scheduled_for, output.run_id) or output.run_id
    run = Run(runId=run_id(output.product, output.port, named), facets=run_facets)
    started = output.scheduled_for or output.published_at
    the_job = job(product, namespace)
    return [
        RunEvent(
            eventType=RunState.START,
            eventTime=_iso(min(started, output.published_at)),
            producer=PRODUCER,
            run=run,
            job=the_job,
            outputs=[OutputDataset(ns, name, facets=port_facets(product, port))],
        ),
        RunEvent(
            eventType=RunState.COMPLETE,
            eventTime=_iso(output.published_at),
            producer=PRODUCER,
            run=run,
            job=the_job,
            outputs=[dataset],
        ),
    ]


def breach_events(
    breach: SlaBreach, product: DataProduct, namespace: str, kafka_bootstrap: str
) -> list[RunEvent]:
    """FAIL of the run a freshness or quality breach opened for; nothing for others."""
    if breach.kind not in FAILING_KINDS or breach.state is not BreachState.OPEN:
        return []
    if breach.port is None:
        return []
    named = occurrence(breach.details.get("scheduled_run"), breach.details.get("run_id"))
    if named is None:
        return []  # a streaming window, not a run
    port = product.port(breach.port)
    ns, name = dataset_name(port.location, kafka_bootstrap)
    facets: dict[str, Any] = port_facets(product, port)
    if breach.kind is BreachKind.QUALITY:
        facets["dataQualityAssertions"] = (
            data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                assertions=[
                    data_quality_assertions_dataset.Assertion(
                        assertion=breach.rule or "quality",
                        success=False,
                        column=breach.field,
                        expected=breach.expected,
                        actual=breach.observed,
                    )
                ]
            )
        )
    message = f"{breach.kind.value}: expected {breach.expected}, observed {breach.observed}"
    run = Run(
        runId=run_id(breach.product, breach.port, named),
        facets={
            "errorMessage": error_message_run.ErrorMessageRunFacet(
                message=message, programmingLanguage="meshgov"
            )
        },
    )
    return [
        RunEvent(
            eventType=RunState.FAIL,
            # when it was found: after the output's COMPLETE (a quality breach), or past
            # the deadline of a run that never came (freshness)
            eventTime=_iso(max(breach.detected_at, breach.opened_at)),
            producer=PRODUCER,
            run=run,
            job=job(product, namespace),
            outputs=[OutputDataset(ns, name, facets=facets)],
        )
    ]


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")
