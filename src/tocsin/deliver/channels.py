"""Sending one alert to one channel. Errors say whether trying again may help."""

from __future__ import annotations

import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import orjson

from tocsin.deliver.signing import sign
from tocsin.domain import Alert, Channel, ChannelKind
from tocsin.errors import TocsinError

DEFAULT_TIMEOUT = 10.0


class TransientDeliveryError(TocsinError):
    """Worth retrying (timeout, connection refused, 5xx, 429). ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(TocsinError):
    """Retrying will not help (4xx other than 408/429, a bad address)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 25
    sender: str = "tocsin@localhost"
    username: str = ""
    password: str = ""
    starttls: bool = False


def slack_escape(text: str) -> str:
    """Slack control sequences start with ``<`` (``<!channel>``, ``<@U123>``, links): escaping
    ``&``, ``<`` and ``>`` makes post text inert."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
        if status == 429 or status == 408 or status >= 500:
            raise TransientDeliveryError(
                f"HTTP {status} from {url}", _retry_after(exc.headers.get("Retry-After"))
            ) from None
        raise PermanentDeliveryError(f"HTTP {status} from {url}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransientDeliveryError(f"cannot reach {url}: {reason}") from None


def send_webhook(
    channel: Channel, alert: Alert, msg_id: str, now: datetime, timeout: float
) -> None:
    timestamp = int(now.timestamp())
    body = orjson.dumps(
        {"type": f"alert.{alert.kind}", "timestamp": now.isoformat(), "data": alert.as_dict()}
    )
    headers = {
        "content-type": "application/json",
        "user-agent": "tocsin",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
    }
    if channel.secret:
        headers["webhook-signature"] = sign(channel.secret, msg_id, timestamp, body)
    _post(channel.target, body, headers, timeout)


def slack_text(alert: Alert) -> str:
    lines = [f"*{slack_escape(alert.title)}* (severity {alert.severity}/10)"]
    if alert.summary:
        lines.append(slack_escape(alert.summary))
    if alert.url:
        lines.append(slack_escape(alert.url))
    return "\n".join(lines)


def send_slack(channel: Channel, alert: Alert, timeout: float) -> None:
    body = orjson.dumps({"text": slack_text(alert), "unfurl_links": False, "unfurl_media": False})
    _post(channel.target, body, {"content-type": "application/json"}, timeout)


def send_email(
    channel: Channel, alert: Alert, smtp: SmtpSettings, now: datetime, timeout: float
) -> None:
    message = EmailMessage()
    # Headers are single lines: a title cannot inject headers.
    message["Subject"] = " ".join(f"[Tocsin {alert.severity}/10] {alert.title}".split())[:200]
    message["From"] = smtp.sender
    message["To"] = channel.target
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="tocsin.local")
    message.set_content(f"{alert.title}\n\n{alert.summary}\n\n{alert.url or ''}\n")
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username:
                client.login(smtp.username, smtp.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentDeliveryError(f"recipient refused: {channel.target}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientDeliveryError(f"SMTP {smtp.host}:{smtp.port}: {exc}") from None


def send(
    channel: Channel,
    alert: Alert,
    msg_id: str,
    now: datetime,
    smtp: SmtpSettings | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> None:
    if channel.kind is ChannelKind.WEBHOOK:
        send_webhook(channel, alert, msg_id, now, timeout)
    elif channel.kind is ChannelKind.SLACK:
        send_slack(channel, alert, timeout)
    else:
        send_email(channel, alert, smtp or SmtpSettings(), now, timeout)
