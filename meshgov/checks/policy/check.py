"""Ownership and global rules. Every violated rule is one finding that quotes the rule."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from meshgov.checks.policy.signature import consistency
from meshgov.checks.registration import run_check
from meshgov.models.descriptor import DataProduct
from meshgov.models.events import CheckResult, CheckStatus, Finding, Registration, Severity
from meshgov.models.policy import GlobalPolicy

CHECK_NAME = "policy"


@dataclass(frozen=True)
class Binding:
    """Who a product belongs to, fixed by its first accepted registration."""

    owner: str
    domain: str


def _finding(code: str, message: str, path: str, rule: str) -> Finding:
    return Finding(code=code, message=message, path=path, details={"rule": rule})


def _ownership(
    product: DataProduct, submitted_by: str, binding: Binding | None, policy: GlobalPolicy
) -> list[Finding]:
    findings = []
    if binding is not None and (product.owner, product.domain) != (binding.owner, binding.domain):
        transfer = policy.transfer_for(product.name, product.owner)
        if transfer is None or (transfer.to_domain or binding.domain) != product.domain:
            findings.append(
                _finding(
                    "OWNERSHIP_CONFLICT",
                    f"{product.name} belongs to {binding.owner} (domain {binding.domain}); this "
                    f"registration names {product.owner} (domain {product.domain}). Only the "
                    f"owning domain may change its products, unless the policy file records a "
                    f"transfer.",
                    "data_product.owner",
                    "ownership: the first accepted registration binds a product to its owner",
                )
            )
    members = policy.domains.get(product.domain)
    if members is not None and not any(
        fnmatch.fnmatchcase(submitted_by.lower(), pattern.lower()) for pattern in members.members
    ):
        findings.append(
            _finding(
                "SUBMITTER_NOT_IN_DOMAIN",
                f"{submitted_by} is not a member of domain {product.domain} "
                f"(members: {', '.join(members.members) or 'none listed'}).",
                "submitted_by",
                f"domains.{product.domain}.members: {members.members}",
            )
        )
    return findings


def _rules(product: DataProduct, policy: GlobalPolicy) -> list[Finding]:
    findings = []
    if policy.naming_pattern and not re.fullmatch(policy.naming_pattern, product.name):
        findings.append(
            _finding(
                "NAMING_RULE",
                f"The product name {product.name!r} does not match the naming rule.",
                "data_product.name",
                f"naming_pattern: {policy.naming_pattern}",
            )
        )
    dumped = product.model_dump(by_alias=True)
    for field in policy.required_fields:
        value: object = dumped
        for part in field.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            findings.append(
                _finding(
                    "REQUIRED_FIELD_MISSING",
                    f"data_product.{field} is required by the policy.",
                    f"data_product.{field}",
                    f"required_fields: {field}",
                )
            )
    rules = policy.ports
    for index, port in enumerate(product.output_ports):
        where = f"data_product.output_ports[{index}]"
        if rules.allowed_types and port.type.value not in rules.allowed_types:
            findings.append(
                _finding(
                    "PORT_TYPE_NOT_ALLOWED",
                    f"Port type {port.type.value} is not allowed.",
                    f"{where}.type",
                    f"ports.allowed_types: {rules.allowed_types}",
                )
            )
        if rules.allowed_formats and port.format.value not in rules.allowed_formats:
            findings.append(
                _finding(
                    "PORT_FORMAT_NOT_ALLOWED",
                    f"Format {port.format.value} is not allowed.",
                    f"{where}.format",
                    f"ports.allowed_formats: {rules.allowed_formats}",
                )
            )
        if rules.allowed_locations and not any(
            fnmatch.fnmatchcase(port.location, pattern) for pattern in rules.allowed_locations
        ):
            findings.append(
                _finding(
                    "PORT_LOCATION_NOT_ALLOWED",
                    f"Location {port.location} is outside the allowed ones.",
                    f"{where}.location",
                    f"ports.allowed_locations: {rules.allowed_locations}",
                )
            )
    findings += _unowned_topics(product, policy)
    minimum = policy.sla_minimums.availability_percent
    availability = product.sla.availability
    if minimum is not None and (availability is None or availability.target_percent < minimum):
        promised = f"{availability.target_percent}%" if availability else "no availability"
        findings.append(
            _finding(
                "SLA_BELOW_MINIMUM",
                f"The SLA promises {promised}; the platform requires at least {minimum}%.",
                "data_product.sla.availability",
                f"sla_minimums.availability_percent: {minimum}",
            )
        )
    return findings


def _unowned_topics(product: DataProduct, policy: GlobalPolicy) -> list[Finding]:
    """Where the policy names the domain's producer, its streaming ports lie under its topic
    prefixes: elsewhere the ACLs let neither the producer write nor meshgov's readers read."""
    domains = policy.principals.domains
    if not domains:
        return []  # a cluster without ACLs, or one whose domains the policy does not map
    owner = domains.get(product.domain)
    prefixes = owner.topics if owner is not None else []
    findings = []
    for index, port in enumerate(product.output_ports):
        topic = port.kafka_topic
        if topic is None or any(topic.startswith(p) for p in prefixes if p):
            continue
        if owner is None:
            why = f"the policy names no producer for the {product.domain} domain"
            rule = f"principals.domains: {sorted(domains)}"
        else:
            why = f"it is not under the {product.domain} domain's topic prefixes {prefixes}"
            rule = f"principals.domains.{product.domain}.topics: {prefixes}"
        findings.append(
            _finding(
                "PORT_TOPIC_NOT_OWNED",
                f"Topic {topic}: {why}, so no producer may write it, nor meshgov read it.",
                f"data_product.output_ports[{index}].location",
                rule,
            )
        )
    return findings


def check_product_policy(
    product: DataProduct,
    submitted_by: str,
    binding: Binding | None,
    policy: GlobalPolicy,
    signature: Sequence[Finding] = (),
) -> tuple[CheckStatus, list[Finding], datetime | None]:
    """`signature`: what meshgov.checks.policy.signature found about who vouches for it."""
    origin = product.contract_origin
    findings = [
        *signature,
        *_ownership(product, submitted_by, binding, policy),
        *_rules(product, policy),
        *(origin.findings() if origin is not None else ()),  # what its import did not map
    ]
    severities = {f.severity for f in findings}
    if Severity.ERROR in severities:
        return CheckStatus.FAILED, findings, None
    if Severity.WARNING in severities:
        return CheckStatus.PASSED_WITH_WARNINGS, findings, None
    return CheckStatus.PASSED, findings, None


def check_registration(
    registration: Registration,
    binding: Binding | None,
    policy: GlobalPolicy,
    now: datetime | None = None,
    signature: Sequence[Finding] = (),
) -> CheckResult:
    return run_check(
        registration,
        CHECK_NAME,
        lambda product: check_product_policy(
            product,
            registration.submitted_by,
            binding,
            policy,
            [*consistency(registration, product), *signature],
        ),
        now,
    )
