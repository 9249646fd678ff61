"""The global governance policy file: federated rules, versioned with the platform."""

from __future__ import annotations

from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from meshgov.models.alerting import AlertRouting
from meshgov.models.loading import validation_problems

DEFAULT_STREAM_SAMPLE_RATE = 0.1  # benchmarks/dataplane.py: 0.91x the bare consumer


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PiiException(_Model):
    """A field allowed to hold PII without the usual declaration or protection."""

    product: str
    field: str
    port: str | None = None
    reason: str = Field(min_length=3)


class PiiPolicy(_Model):
    exceptions: list[PiiException] = Field(default_factory=list)
    # The share of a streaming port's records scanned for PII, and per product where it
    # differs; batch samples are always scanned whole.
    stream_sample_rate: float = Field(DEFAULT_STREAM_SAMPLE_RATE, gt=0, le=1)
    stream_sample_rates: dict[str, float] = Field(default_factory=dict)

    def sample_rate(self, product: str) -> float:
        return self.stream_sample_rates.get(product, self.stream_sample_rate)

    def exception_for(self, product: str, port: str, field: str) -> PiiException | None:
        for exception in self.exceptions:
            if (exception.product, exception.field) == (product, field) and exception.port in (
                None,
                port,
            ):
                return exception
        return None


class Transfer(_Model):
    """A product handed to another owner (and domain), recorded by the governance team."""

    product: str
    to_owner: str
    to_domain: str | None = None
    reason: str = Field(min_length=3)


class DomainMembers(_Model):
    """Who may submit for a domain: e-mail addresses or glob patterns (*@orders.example)."""

    members: list[str] = Field(default_factory=list)


class PortRules(_Model):
    allowed_types: list[str] = Field(default_factory=list)
    allowed_formats: list[str] = Field(default_factory=list)
    allowed_locations: list[str] = Field(default_factory=list)  # glob patterns


class SlaMinimums(_Model):
    availability_percent: float | None = None


class Signer(_Model):
    """Keys that vouch for registrations of some domains: a team's own (a JWKS file, path
    relative to the policy file) or an identity provider's (a JWKS URL, with its issuer and
    the claim that names the user's domains)."""

    name: str
    jwks: str
    domains: list[str] = Field(min_length=1)  # glob patterns: ["orders"], ["*"]
    issuer: str | None = None
    audience: str | None = None  # an identity provider's tokens must be issued for meshgov
    domain_claim: str = "domain"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.jwks.startswith("http://"):
            raise ValueError(f"signer {self.name}: a JWKS URL must be https, not {self.jwks}")
        if self.jwks.startswith("https://") and (self.issuer is None or self.audience is None):
            raise ValueError(
                f"signer {self.name}: an identity provider's JWKS URL needs its issuer and the "
                f"audience its tokens name for meshgov"
            )
        return self


class DomainPrincipal(_Model):
    principal: str = Field(pattern=r"^User:.+")  # the domain's producer
    topics: list[str] = Field(default_factory=list)  # prefixes of its product topics


class Principals(_Model):
    """Who is who on a secured cluster (meshgov acls plan|apply derives the ACLs)."""

    processors: dict[str, str] = Field(default_factory=dict)  # default User:meshgov-<name>
    domains: dict[str, DomainPrincipal] = Field(default_factory=dict)
    consumers: list[str] = Field(default_factory=list)
    dashboard: str | None = None  # reads like a consumer, writes registrations
    catalog: str | None = None  # the catalog API: reads like a consumer
    # A Schema Registry keeping its schemas in this cluster (Apicurio's kafkasql storage):
    # its topics and groups, named with the mesh's topic prefix (meshgov.registry.local).
    registry: str | None = None


class GlobalPolicy(_Model):
    """The federated rules. An empty section imposes nothing."""

    naming_pattern: str | None = None
    required_fields: list[str] = Field(default_factory=list)  # dotted paths under data_product
    ports: PortRules = PortRules()
    sla_minimums: SlaMinimums = SlaMinimums()
    domains: dict[str, DomainMembers] = Field(default_factory=dict)
    transfers: list[Transfer] = Field(default_factory=list)
    pii: PiiPolicy = PiiPolicy()
    require_signed_registrations: bool = False
    signers: list[Signer] = Field(default_factory=list)
    max_signature_lifetime_seconds: int = Field(86_400, gt=0)
    alerts: AlertRouting = AlertRouting()  # breaches and notices routed to people
    principals: Principals = Principals()

    def transfer_for(self, product: str, owner: str) -> Transfer | None:
        for transfer in self.transfers:
            if transfer.product == product and transfer.to_owner == owner:
                return transfer
        return None


def load_policy(path: str | Path | None) -> GlobalPolicy:
    """The policy in `path`; none given means the default, which allows no exceptions."""
    if path is None:
        return GlobalPolicy()
    try:
        text = Path(path).read_text(encoding="utf-8")
        return GlobalPolicy.model_validate(yaml.safe_load(text) or {})
    except ValidationError as exc:
        problems = "; ".join(str(p) for p in validation_problems(exc, text))
        raise ValueError(f"invalid policy file {path}: {problems}") from None
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"invalid policy file {path}: {exc}") from None
