"""A seeded generator of a realistic FR/EN mention stream for a fictional brand, with incidents
modelled on documented bad buzzes and their ground truth: the demo data and the benchmark load.

    stream, truth = generate(DemoConfig(seed=7))
    for mention in stream: ...
"""

from tocsin.demo.config import DemoConfig
from tocsin.demo.stream import LabeledMention, expected_rate, generate, generate_labeled
from tocsin.demo.truth import INCIDENT_KINDS, BrandInfo, GroundTruth, Incident, PostLabel

__all__ = [
    "INCIDENT_KINDS",
    "BrandInfo",
    "DemoConfig",
    "GroundTruth",
    "Incident",
    "LabeledMention",
    "PostLabel",
    "expected_rate",
    "generate",
    "generate_labeled",
]
