"""Models: the data product descriptor and the events on meshgov's topics."""

from meshgov.models.descriptor import (
    DataFormat,
    DataProduct,
    Descriptor,
    FieldClassification,
    InputPort,
    OutputPort,
    PiiClass,
    PortType,
    Protection,
)
from meshgov.models.loading import DescriptorError, Problem, load_descriptor, parse_descriptor
from meshgov.models.quality import QualityRule, RuleKind
from meshgov.models.sla import Availability, CompatibilityMode, Freshness, SchemaStability, Sla

__all__ = [
    "Availability",
    "CompatibilityMode",
    "DataFormat",
    "DataProduct",
    "Descriptor",
    "DescriptorError",
    "FieldClassification",
    "Freshness",
    "InputPort",
    "OutputPort",
    "PiiClass",
    "PortType",
    "Problem",
    "Protection",
    "QualityRule",
    "RuleKind",
    "SchemaStability",
    "Sla",
    "load_descriptor",
    "parse_descriptor",
]
