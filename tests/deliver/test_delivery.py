from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from tests.deliver.servers import Mailbox, Script, http_server, smtp_server
from tocsin.deliver import Dispatcher, SmtpSettings, slack_escape, verify
from tocsin.domain import Alert, Channel, ChannelKind
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_outbox import SQLiteOutbox

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
SECRET = "whsec_" + base64.b64encode(b"tocsin-test-secret-0123456789").decode()


def alert(n: int = 1, severity: int = 7, title: str = "Surge on cafelia") -> Alert:
    return Alert(
        key=f"incident:{n}:sev{severity}",
        kind="incident",
        title=title,
        summary="Negative posts x6 against the usual Tuesday 10:00",
        severity=severity,
        created_at=NOW,
        watch_id="cafelia",
        details={"posts": 42},
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "t.db")
    s.migrate()
    yield s
    s.close()


def _outbox(store: SQLiteStore, *channels: Channel) -> SQLiteOutbox:
    box = store.outbox()
    for c in channels:
        box.put_channel(c)
    return box


def test_webhook_is_signed_as_standard_webhooks(store: SQLiteStore) -> None:
    script = Script()
    with http_server(script) as url:
        box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, url, SECRET))
        assert box.enqueue(alert(), NOW) == 1
        assert Dispatcher(box).run_once(NOW).sent == 1
    [(headers, body)] = script.received
    assert headers["webhook-id"] == "msg_1"
    assert verify(
        SECRET,
        headers["webhook-id"],
        int(headers["webhook-timestamp"]),
        body,
        headers["webhook-signature"],
        now=int(NOW.timestamp()),
    )
    assert not verify(
        SECRET,
        headers["webhook-id"],
        int(headers["webhook-timestamp"]),
        body + b" ",
        headers["webhook-signature"],
        now=int(NOW.timestamp()),
    )
    payload = orjson.loads(body)
    assert payload["type"] == "alert.incident"
    assert payload["data"]["details"] == {"posts": 42}


def test_same_alert_key_is_delivered_once(store: SQLiteStore) -> None:
    box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, "http://127.0.0.1:9/x"))
    assert box.enqueue(alert(), NOW) == 1
    assert box.enqueue(alert(), NOW + timedelta(minutes=5)) == 0
    assert len(box.due(NOW + timedelta(hours=1))) == 1


def test_min_severity_routes_alerts(store: SQLiteStore) -> None:
    box = _outbox(
        store,
        Channel("all", ChannelKind.WEBHOOK, "http://127.0.0.1:9/a"),
        Channel("crisis", ChannelKind.WEBHOOK, "http://127.0.0.1:9/b", min_severity=8),
    )
    assert box.enqueue(alert(1, severity=5), NOW) == 1
    assert box.enqueue(alert(2, severity=9), NOW) == 2


def test_failing_server_is_retried_with_backoff_until_it_recovers(store: SQLiteStore) -> None:
    script = Script([(500, {}), (503, {}), (200, {})])
    with http_server(script) as url:
        box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, url, SECRET))
        box.enqueue(alert(), NOW)
        d = Dispatcher(box)
        assert d.run_once(NOW).retried == 1
        assert box.due(NOW + timedelta(seconds=29)) == []  # 30 s backoff
        assert d.run_once(NOW + timedelta(seconds=30)).retried == 1
        assert box.due(NOW + timedelta(seconds=89)) == []  # then 60 s
        assert d.run_once(NOW + timedelta(seconds=90)).sent == 1
    ids = {h["webhook-id"] for h, _ in script.received}
    assert len(script.received) == 3 and ids == {"msg_1"}  # receivers can deduplicate
    [delivery] = box.deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, None)


def test_429_retry_after_is_honoured(store: SQLiteStore) -> None:
    script = Script([(429, {"Retry-After": "600"}), (200, {})])
    with http_server(script) as url:
        box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, url))
        box.enqueue(alert(), NOW)
        d = Dispatcher(box)
        assert d.run_once(NOW).retried == 1
        assert box.due(NOW + timedelta(seconds=599)) == []
        assert d.run_once(NOW + timedelta(seconds=600)).sent == 1


def test_timeout_is_transient_and_gives_up_after_max_attempts(store: SQLiteStore) -> None:
    script = Script([("sleep", 1.0)])
    with http_server(script) as url:
        box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, url))
        box.enqueue(alert(), NOW)
        d = Dispatcher(box, timeout=0.2, max_attempts=2)
        assert d.run_once(NOW).retried == 1
        assert d.run_once(NOW + timedelta(hours=1)).failed == 1
    [delivery] = box.deliveries()
    assert delivery.status == "failed" and "gave up after 2" in (delivery.last_error or "")


def test_client_error_is_permanent(store: SQLiteStore) -> None:
    with http_server(Script([(404, {})])) as url:
        box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, url))
        box.enqueue(alert(), NOW)
        assert Dispatcher(box).run_once(NOW).failed == 1


def test_unreachable_endpoint_keeps_the_alert(store: SQLiteStore, tmp_path: Path) -> None:
    box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, "http://127.0.0.1:9/closed"))
    box.enqueue(alert(), NOW)
    assert Dispatcher(box).run_once(NOW).retried == 1
    store.close()
    reopened = SQLiteStore(tmp_path / "t.db")  # a restart loses nothing
    [delivery] = reopened.outbox().deliveries()
    assert delivery.status == "pending" and delivery.alert == alert()
    reopened.close()


def test_rate_limit_holds_back_without_counting_attempts(store: SQLiteStore) -> None:
    script = Script()
    with http_server(script) as url:
        box = _outbox(store, Channel("ops", ChannelKind.WEBHOOK, url, per_minute=2))
        for n in range(5):
            box.enqueue(alert(n), NOW)
        stats = Dispatcher(box).run_once(NOW)
        assert (stats.sent, stats.rate_limited) == (2, 3)
        assert Dispatcher(box).run_once(NOW + timedelta(seconds=61)).sent == 2
    pending = [d for d in box.deliveries() if d.status == "pending"]
    assert len(pending) == 1 and pending[0].attempts == 0


def test_slack_text_cannot_ping_the_channel(store: SQLiteStore) -> None:
    hostile = "<!channel> <@U123> <https://evil|click> & co"
    assert slack_escape(hostile) == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp; co"
    )
    script = Script()
    with http_server(script) as url:
        box = _outbox(store, Channel("slack", ChannelKind.SLACK, url))
        box.enqueue(alert(title=hostile), NOW)
        assert Dispatcher(box).run_once(NOW).sent == 1
    payload = orjson.loads(script.received[0][1])
    assert "<!channel>" not in payload["text"] and "<@U123>" not in payload["text"]
    assert payload["unfurl_links"] is False


def test_email_goes_through_smtp_and_refused_recipient_is_permanent(
    store: SQLiteStore,
) -> None:
    mailbox = Mailbox(refuse={"nobody@example.org"})
    with smtp_server(mailbox) as port:
        box = _outbox(
            store,
            Channel("crisis", ChannelKind.EMAIL, "pr@example.org"),
            Channel("ghost", ChannelKind.EMAIL, "nobody@example.org"),
        )
        box.enqueue(alert(title="Surge\r\nBcc: victim@example.org"), NOW)
        stats = Dispatcher(box, smtp=SmtpSettings("127.0.0.1", port)).run_once(NOW)
    assert (stats.sent, stats.failed) == (1, 1)
    [message] = mailbox.messages
    head = message.split(b"\r\n\r\n", 1)[0]
    assert b"To: pr@example.org" in head
    assert b"\r\nBcc:" not in head  # the title could not inject a header
