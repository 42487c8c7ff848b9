"""Alert delivery: outgoing webhooks (Standard Webhooks signatures), Slack, e-mail; retries with
backoff, rate limits and deduplication, all driven from the outbox in the store."""

from tocsin.deliver.channels import (
    PermanentDeliveryError,
    SmtpSettings,
    TransientDeliveryError,
    send,
    slack_escape,
)
from tocsin.deliver.dispatcher import Dispatcher, DispatchStats
from tocsin.deliver.signing import sign, verify

__all__ = [
    "DispatchStats",
    "Dispatcher",
    "PermanentDeliveryError",
    "SmtpSettings",
    "TransientDeliveryError",
    "send",
    "sign",
    "slack_escape",
    "verify",
]
