"""Streaming detectors: each scores one bucket at a time and never learns from an anomaly.

from tocsin.detect import VolumeSurgeDetector, detect_series_file
detector = VolumeSurgeDetector(step=3600)        # hourly buckets
score = detector.update(bucket_start, mentions)  # in [0, 1]; detector.alert(score) rings
detect_series_file("volume.csv", "scored.csv")   # timestamp,value -> ...,anomaly_score,alert

The detectors that read a bucket's mentions emit ``tocsin.domain.Signal``s:
NegativeShareDetector(), AlarmWordsDetector(), HashtagHijackDetector(HashtagConfig(hashtags=…)),
HighReachDetector(), StorylineDetector(), SharedLinkDetector(); each has
``observe(watch_id, bucket_start, mentions[, vectors]) -> list[Signal]`` (assess, signal, learn).
"""

from tocsin.detect._base import DetectError, Detector, Instant
from tocsin.detect._gate import AlertGate, GateConfig
from tocsin.detect._series import (
    Point,
    ScoredPoint,
    SeriesReport,
    detect_series,
    detect_series_file,
    infer_step,
    read_series_csv,
    write_scored_csv,
)
from tocsin.detect._volume import Assessment, VolumeConfig, VolumeSurgeDetector
from tocsin.detect.alarm_words import (
    AlarmWordsConfig,
    AlarmWordsDetector,
    WordAssessment,
    WordsAssessment,
)
from tocsin.detect.hashtag_hijack import HashtagConfig, HashtagHijackDetector, HijackAssessment
from tocsin.detect.high_reach import Candidate, HighReachDetector, ReachAssessment, ReachConfig
from tocsin.detect.negative_share import (
    NegativeShareConfig,
    NegativeShareDetector,
    ShareAssessment,
    negative_counts,
)
from tocsin.detect.shared_link import (
    LinkAssessment,
    LinkCandidate,
    SharedLinkConfig,
    SharedLinkDetector,
)
from tocsin.detect.storyline import (
    StoryAssessment,
    StorylineAssessment,
    StorylineConfig,
    StorylineDetector,
)

__all__ = [
    "AlarmWordsConfig",
    "AlarmWordsDetector",
    "AlertGate",
    "Assessment",
    "Candidate",
    "DetectError",
    "Detector",
    "GateConfig",
    "HashtagConfig",
    "HashtagHijackDetector",
    "HighReachDetector",
    "HijackAssessment",
    "Instant",
    "LinkAssessment",
    "LinkCandidate",
    "NegativeShareConfig",
    "NegativeShareDetector",
    "Point",
    "ReachAssessment",
    "ReachConfig",
    "ScoredPoint",
    "SeriesReport",
    "ShareAssessment",
    "SharedLinkConfig",
    "SharedLinkDetector",
    "StoryAssessment",
    "StorylineAssessment",
    "StorylineConfig",
    "StorylineDetector",
    "VolumeConfig",
    "VolumeSurgeDetector",
    "WordAssessment",
    "WordsAssessment",
    "detect_series",
    "detect_series_file",
    "infer_step",
    "negative_counts",
    "read_series_csv",
    "write_scored_csv",
]
