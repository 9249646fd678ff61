"""PII: value detectors, field-name and schema classification, registration policy, masking."""
