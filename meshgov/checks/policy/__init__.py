"""The policy check: ownership of products and the federated rules of the policy file."""

from meshgov.checks.policy.check import (
    CHECK_NAME,
    Binding,
    check_product_policy,
    check_registration,
)

__all__ = ["CHECK_NAME", "Binding", "check_product_policy", "check_registration"]
