"""A seeded generator of a realistic FR/EN mention stream for a fictional brand, with incidents
modelled on documented bad buzzes and their ground truth: the demo data and the benchmark load.

    stream, truth = generate(DemoConfig(seed=7))     # a week, about 33,000 posts
    truth.incidents, truth.watches, truth.to_json()  # known before reading the stream
    for mention in stream: ...                       # created_at order, made an hour at a time

    stream, _ = generate(DemoConfig.sized(1_000_000))     # a week of a little over 1M posts
    labeled, _ = generate_labeled(DemoConfig())           # (mention, PostLabel) pairs

The brand is Cafélia (a French coffee-shop chain, @cafelia, campaign #CaféliaMoments), its
competitor Brewster; the incidents are a hijacked campaign hashtag, a celebrity's negative post
spreading by reposts and a slow-burning blog post about a faulty product (see ``incidents``).
"""

from tocsin.demo.config import DemoConfig
from tocsin.demo.stream import LabeledMention, expected_rate, generate, generate_labeled
from tocsin.demo.truth import (
    INCIDENT_KINDS,
    BrandInfo,
    GroundTruth,
    Incident,
    IncidentKind,
    PostLabel,
)

__all__ = [
    "INCIDENT_KINDS",
    "BrandInfo",
    "DemoConfig",
    "GroundTruth",
    "Incident",
    "IncidentKind",
    "LabeledMention",
    "PostLabel",
    "expected_rate",
    "generate",
    "generate_labeled",
]
