"""The data product descriptor: what a domain team promises about a data product."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlparse

from croniter import croniter
from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

from meshgov.models.quality import QualityRule
from meshgov.models.sla import Sla
from meshgov.models.text_forms import parse_timezone

if TYPE_CHECKING:
    from meshgov.contracts.origin import ContractOrigin

PRODUCT_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.+-]+)?$")


class PortType(StrEnum):
    STREAMING = "streaming"
    BATCH = "batch"


class DataFormat(StrEnum):
    AVRO = "Avro"
    PARQUET = "Parquet"
    JSON = "JSON"
    CSV = "CSV"
    ORC = "ORC"
    DELTA = "Delta"
    ICEBERG = "Iceberg"
    PROTOBUF = "Protobuf"
    TABLE = "Table"  # a database table or view: no file format


class PiiClass(StrEnum):
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    US_SSN = "US_SSN"
    CREDIT_CARD = "CREDIT_CARD"
    IBAN = "IBAN"
    IP_ADDRESS = "IP_ADDRESS"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    PERSON = "PERSON"
    STREET_ADDRESS = "STREET_ADDRESS"
    PASSPORT = "PASSPORT"
    OTHER = "OTHER"


class Protection(StrEnum):
    NONE = "none"
    ENCRYPTED = "encrypted"
    HASHED = "hashed"
    TOKENIZED = "tokenized"
    MASKED = "masked"


def _enum_by_name(enum: type[StrEnum], value: object) -> object:
    """Case-insensitive lookup of an enum member by value or name."""
    if isinstance(value, str):
        wanted = value.strip().lower().replace("-", "_").replace(" ", "_")
        for member in enum:
            if wanted in (member.value.lower(), member.name.lower()):
                return member
        allowed = ", ".join(m.value for m in enum)
        raise ValueError(f"unknown {enum.__name__} {value!r} (allowed: {allowed})")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class FieldClassification(_Model):
    pii: PiiClass | None = None
    protection: Protection = Protection.NONE
    tags: list[str] = Field(default_factory=list)

    @field_validator("pii", mode="before")
    @classmethod
    def _pii(cls, value: object) -> object:
        return None if value in (None, False, "none") else _enum_by_name(PiiClass, value)

    @field_validator("protection", mode="before")
    @classmethod
    def _protection(cls, value: object) -> object:
        return _enum_by_name(Protection, value)


class OutputPort(_Model):
    name: str | None = None
    type: PortType
    format: DataFormat
    location: str
    refresh: str | None = None
    timezone: str = "UTC"
    avro_schema: dict[str, Any] | list[Any] | str | None = Field(default=None, alias="schema")
    # Schema Registry subjects: the topic name strategy (`<topic>-value`) unless named here.
    subject: str | None = Field(default=None, min_length=1, max_length=255)
    key_schema: dict[str, Any] | list[Any] | str | None = None  # under `<topic>-key`
    fields: dict[str, FieldClassification] = Field(default_factory=dict)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, value: object) -> object:
        return _enum_by_name(PortType, value)

    @field_validator("format", mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        return _enum_by_name(DataFormat, value)

    @field_validator("location")
    @classmethod
    def _location(cls, value: str) -> str:
        parsed = urlparse(value)
        if not parsed.scheme or not (parsed.netloc or parsed.path):
            raise ValueError(
                f"location {value!r} is not a URI: expected e.g. 'kafka://orders-events' or "
                f"'s3://bucket/path/'"
            )
        return value

    @field_validator("refresh")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and not croniter.is_valid(value):
            raise ValueError(
                f"refresh {value!r} is not a cron expression: expected five fields such as "
                f"'0 2 * * *' (02:00 every day)"
            )
        return value

    @field_validator("timezone", mode="before")
    @classmethod
    def _zone(cls, value: object) -> str:
        return parse_timezone(value)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type is PortType.STREAMING and not self.location.startswith("kafka://"):
            raise ValueError(
                f"a streaming port's location must be a Kafka topic, e.g. 'kafka://orders-events',"
                f" got {self.location!r}"
            )
        if self.type is PortType.STREAMING and self.refresh is not None:
            raise ValueError("a streaming port has no refresh schedule; remove 'refresh'")
        if self.type is not PortType.STREAMING and (self.subject or self.key_schema):
            raise ValueError("only a streaming port has registry subjects or a key schema")
        return self

    @property
    def kafka_topic(self) -> str | None:
        return self.location.removeprefix("kafka://") if self.type is PortType.STREAMING else None

    @property
    def value_subject(self) -> str | None:
        topic = self.kafka_topic
        return None if topic is None else self.subject or f"{topic}-value"

    @property
    def key_subject(self) -> str | None:
        topic = self.kafka_topic
        return None if topic is None or self.key_schema is None else f"{topic}-key"


class InputPort(_Model):
    product: str
    port: str | None = None


class DataProduct(_Model):
    name: str
    owner: str
    description: str = ""
    domain: str = ""
    version: str = "1.0.0"
    tags: list[str] = Field(default_factory=list)
    output_ports: list[OutputPort] = Field(min_length=1)
    input_ports: list[InputPort] = Field(default_factory=list)
    sla: Sla = Sla()
    quality: list[QualityRule] = Field(default_factory=list)
    # When a scheduled breaking change takes effect: a date (midnight UTC) or an instant.
    effective_date: AwareDatetime | date | None = None
    deprecated: bool = False  # still served, no longer to be adopted
    # Set by the loader when the document was a contract in another format (ODCS).
    _origin: ContractOrigin | None = PrivateAttr(default=None)

    @property
    def contract_origin(self) -> ContractOrigin | None:
        return self._origin

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not PRODUCT_NAME.match(value):
            raise ValueError(
                f"product name {value!r} must be lower case letters and digits separated by "
                f"'-', '_' or '.', starting with a letter, e.g. 'orders-daily-aggregated'"
            )
        return value

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str) -> str:
        if not EMAIL.match(value):
            raise ValueError(f"owner {value!r} is not an e-mail address")
        return value

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, value: object) -> object:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value):
            value += ".0" * (2 - value.count("."))
        if isinstance(value, str) and not SEMVER.match(value):
            raise ValueError(f"version {value!r} is not a semantic version such as '1.2.0'")
        return value

    @model_validator(mode="after")
    def _derived(self) -> Self:
        if not self.domain:
            # "orders-team@company.com" -> "orders"
            local = self.owner.split("@", 1)[0]
            object.__setattr__(self, "domain", re.sub(r"[-_.]team$", "", local) or local)
        names: list[str] = []
        for index, port in enumerate(self.output_ports):
            name = port.name or port.kafka_topic or self._default_port_name(index)
            if name in names:
                raise ValueError(f"two output ports are named {name!r}; give each a unique name")
            names.append(name)
            if port.name is None:
                object.__setattr__(port, "name", name)
        return self

    def _default_port_name(self, index: int) -> str:
        port_type = self.output_ports[index].type
        same_type = [p for p in self.output_ports if p.type is port_type]
        if len(same_type) == 1:
            return port_type.value
        return f"{port_type.value}-{same_type.index(self.output_ports[index]) + 1}"

    @property
    def effective_at(self) -> datetime | None:
        value = self.effective_date
        if value is None or isinstance(value, datetime):
            return value
        return datetime.combine(value, time(0, 0), UTC)

    @property
    def major_version(self) -> int:
        return int(self.version.split(".", 1)[0])

    def port_schemas(self) -> list[tuple[str, OutputPort, Any]]:
        """Every Avro schema of the output ports with the name its history is kept under:
        a value schema under its port's name, a key schema under `<port>:key`."""
        schemas: list[tuple[str, OutputPort, Any]] = []
        for port in self.output_ports:
            if port.avro_schema is not None and port.name is not None:
                schemas.append((port.name, port, port.avro_schema))
            if port.key_schema is not None and port.name is not None:
                schemas.append((f"{port.name}:key", port, port.key_schema))
        return schemas

    def port(self, name: str) -> OutputPort:
        for port in self.output_ports:
            if port.name == name:
                return port
        raise KeyError(f"{self.name} has no output port {name!r}")


class Descriptor(_Model):
    data_product: DataProduct
