"""The sla check: a registration's SLA and quality rules can be enforced as written."""

from meshgov.checks.sla.check import CHECK_NAME, check_product_sla, check_registration

__all__ = ["CHECK_NAME", "check_product_sla", "check_registration"]
