"""PII: value detectors, field-name and schema classification, registration policy, masking."""

from meshgov.checks.pii.policy import CHECK_NAME, check_registration

__all__ = ["CHECK_NAME", "check_registration"]
