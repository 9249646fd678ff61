from __future__ import annotations

from meshgov.checks.policy import Binding, check_product_policy
from meshgov.models import parse_descriptor
from meshgov.models.events import CheckStatus
from meshgov.models.policy import GlobalPolicy

BOUND = Binding("orders-team@company.com", "orders")
ME = "ci@orders.company.com"


def product(seed: str, owner: str = "orders-team@company.com") -> object:
    return parse_descriptor(seed.replace("orders-team@company.com", owner)).data_product


def codes(result: tuple[CheckStatus, list, object]) -> list[str]:  # type: ignore[type-arg]
    return [f.code for f in result[1]]


def test_the_example_passes_an_empty_policy(seed_descriptor_text: str) -> None:
    status, findings, _ = check_product_policy(
        product(seed_descriptor_text), ME, None, GlobalPolicy()
    )  # type: ignore[arg-type]
    assert (status, findings) == (CheckStatus.PASSED, [])


def test_a_foreign_owner_is_rejected_unless_a_transfer_is_recorded(
    seed_descriptor_text: str,
) -> None:
    foreign = product(seed_descriptor_text, "growth-team@company.com")
    result = check_product_policy(foreign, ME, BOUND, GlobalPolicy())  # type: ignore[arg-type]
    assert result[0] is CheckStatus.FAILED
    assert codes(result) == ["OWNERSHIP_CONFLICT"]
    assert "belongs to orders-team@company.com" in result[1][0].message
    assert result[1][0].details["rule"].startswith("ownership:")
    transferred = GlobalPolicy.model_validate(
        {
            "transfers": [
                {
                    "product": "orders-daily-aggregated",
                    "to_owner": "growth-team@company.com",
                    "to_domain": "growth",
                    "reason": "reorganisation 2026",
                }
            ]
        }
    )
    assert check_product_policy(foreign, ME, BOUND, transferred)[0] is CheckStatus.PASSED  # type: ignore[arg-type]


def test_the_submitter_must_belong_to_the_owning_domain(seed_descriptor_text: str) -> None:
    policy = GlobalPolicy.model_validate(
        {"domains": {"orders": {"members": ["*@orders.company.com"]}}}
    )
    example = product(seed_descriptor_text)
    assert check_product_policy(example, ME, BOUND, policy)[0] is CheckStatus.PASSED  # type: ignore[arg-type]
    result = check_product_policy(example, "mallory@elsewhere.io", BOUND, policy)  # type: ignore[arg-type]
    assert codes(result) == ["SUBMITTER_NOT_IN_DOMAIN"]


def test_every_violated_rule_is_a_finding_quoting_it(seed_descriptor_text: str) -> None:
    policy = GlobalPolicy.model_validate(
        {
            "naming_pattern": "^[a-z]+-[a-z]+$",
            "required_fields": ["description", "tags"],
            "ports": {
                "allowed_types": ["streaming"],
                "allowed_formats": ["Avro"],
                "allowed_locations": ["kafka://*"],
            },
            "sla_minimums": {"availability_percent": 99.9},
        }
    )
    result = check_product_policy(product(seed_descriptor_text), ME, None, policy)  # type: ignore[arg-type]
    assert codes(result) == [
        "NAMING_RULE",
        "REQUIRED_FIELD_MISSING",
        "PORT_TYPE_NOT_ALLOWED",
        "PORT_FORMAT_NOT_ALLOWED",
        "PORT_LOCATION_NOT_ALLOWED",
        "SLA_BELOW_MINIMUM",
    ]
    rules = [f.details["rule"] for f in result[1]]
    assert rules[0] == "naming_pattern: ^[a-z]+-[a-z]+$"
    assert rules[1] == "required_fields: tags"
    assert rules[-1] == "sla_minimums.availability_percent: 99.9"


def test_a_streaming_port_outside_its_domains_topic_prefixes_is_refused() -> None:
    from tests.support.descriptors import example_descriptor

    def verdict(topic: str) -> tuple[CheckStatus, list, object]:  # type: ignore[type-arg]
        example = parse_descriptor(example_descriptor(name="orders-live", topic=topic))
        policy = GlobalPolicy.model_validate(
            {"principals": {"domains": {"orders": {"principal": "User:o", "topics": ["orders."]}}}}
        )
        return check_product_policy(example.data_product, ME, None, policy)

    assert verdict("orders.live")[0] is CheckStatus.PASSED
    refused = verdict("payments.live")
    assert refused[0] is CheckStatus.FAILED
    [finding] = refused[1]
    assert finding.code == "PORT_TOPIC_NOT_OWNED"
    assert finding.path == "data_product.output_ports[0].location"
    assert "orders domain's topic prefixes ['orders.']" in finding.message
    # where the policy maps domains to producers, a domain it does not map has none
    unmapped = GlobalPolicy.model_validate(
        {"principals": {"domains": {"payments": {"principal": "User:p", "topics": ["pay."]}}}}
    )
    other = parse_descriptor(example_descriptor(name="orders-live", topic="orders.live"))
    [unnamed] = check_product_policy(other.data_product, ME, None, unmapped)[1]
    assert unnamed.code == "PORT_TOPIC_NOT_OWNED"
    assert "names no producer for the orders domain" in unnamed.message
    # a policy that maps no domain holds no topic to a prefix
    assert check_product_policy(other.data_product, ME, None, GlobalPolicy())[0] is (
        CheckStatus.PASSED
    )
