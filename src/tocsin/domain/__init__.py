"""Pure types and rules: no I/O here. Later issues add alerts, incidents and cases beside these."""

from tocsin.domain.alert import Alert, Channel, ChannelKind
from tocsin.domain.dead_letter import DeadLetter
from tocsin.domain.incident import INCIDENT_STATUSES, Incident
from tocsin.domain.mention import (
    COMPLAINT_SCORE,
    MAX_FIELD_CHARS,
    MAX_LIST_ITEMS,
    MAX_RAW_BYTES,
    MAX_TEXT_CHARS,
    SENTIMENT_LABELS,
    Author,
    Mention,
    Metrics,
    Sentiment,
    utc,
)
from tocsin.domain.signal import SIGNAL_KINDS, Signal
from tocsin.domain.watch import Watch, WatchKind

__all__ = [
    "COMPLAINT_SCORE",
    "INCIDENT_STATUSES",
    "MAX_FIELD_CHARS",
    "MAX_LIST_ITEMS",
    "MAX_RAW_BYTES",
    "MAX_TEXT_CHARS",
    "SENTIMENT_LABELS",
    "SIGNAL_KINDS",
    "Alert",
    "Author",
    "Channel",
    "ChannelKind",
    "DeadLetter",
    "Incident",
    "Mention",
    "Metrics",
    "Sentiment",
    "Signal",
    "Watch",
    "WatchKind",
    "utc",
]
