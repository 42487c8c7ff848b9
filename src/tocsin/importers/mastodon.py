"""Mastodon statuses, as the REST API returns them (GET /api/v1/timelines/tag/:hashtag,
/api/v1/accounts/:id/statuses, /api/v2/search...).

Accepted: a JSON array of statuses (or ``{"statuses": [...]}`` from search), JSON lines of
statuses or of arrays (one page per line), the streaming API's server-sent events
(``event: update`` / ``data: {...}``) and its WebSocket messages
(``{"event": "update", "payload": "{...}"}``, one per line).

Identity is global across instances: the native id is the status ``uri`` (its ActivityPub id),
the author id the full ``user@instance`` address.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from tocsin.domain import Author, DeadLetter, Mention, Metrics
from tocsin.importers._common import (
    MAX_PAGE_BYTES,
    RECORD_ERRORS,
    BaseImporter,
    Unit,
    bad,
    count,
    dumps,
    first_objects,
    get_dict,
    head_text,
    host_of,
    html_to_text,
    iter_lines,
    json_units,
    loads,
    make_author,
    make_mention,
    opt_str,
    parse_iso,
    peek_head,
    reason_of,
    share,
    time_field,
    type_name,
)

PLATFORM = "mastodon"
#: Server-sent events that carry a status; the others (delete, notification...) are skipped.
_STATUS_EVENTS = frozenset({"update", "status.update"})
_SSE_HEAD_RE = re.compile(r"^(?::[^\n]*\n|\s)*(event|data):", re.MULTILINE)


def _is_status(obj: object) -> bool:
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("account"), dict)
        and ("content" in obj or "reblog" in obj)
        and ("uri" in obj or "url" in obj)
    )


def _is_ws_message(obj: object) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("event"), str) and "payload" in obj


def full_acct(acct: str, url: str | None) -> str:
    """``user@instance``: a local account's ``acct`` has no instance, its URL does."""
    acct = acct.strip().lstrip("@")
    if "@" in acct or not acct:
        return acct
    host = host_of(url)
    return f"{acct}@{host}" if host else acct


def account_author(account: dict[str, Any]) -> Author:
    url = opt_str(account, "url")
    acct = opt_str(account, "acct") or opt_str(account, "username") or ""
    handle = full_acct(acct, url)
    if not handle:
        bad("the account has no acct or username")
    return make_author(
        PLATFORM,
        handle,
        handle,
        opt_str(account, "display_name") or "",
        count(account.get("followers_count")),
        None,  # Mastodon has no verified accounts (only verified profile links)
    )


def native_id_of(status: dict[str, Any]) -> str:
    uri = opt_str(status, "uri")
    if uri and uri.strip():
        return uri.strip()
    local_id = status.get("id")
    host = host_of(opt_str(status, "url")) or host_of(opt_str(get_dict(status, "account"), "url"))
    if isinstance(local_id, str | int) and str(local_id).strip() and host:
        return f"{host}/{local_id}"
    bad("the status has no uri (nor an id and an instance url)")


def status_to_mention(status: dict[str, Any], raw: bytes) -> Mention:
    native_id = native_id_of(status)
    account = status.get("account")
    if not isinstance(account, dict):
        bad("'account' is missing" if account is None else "'account' must be an object")
    author = account_author(account)
    created_at = time_field(status, "created_at", parse_iso)
    assert created_at is not None
    edited_at = time_field(status, "edited_at", parse_iso, required=False)
    url = opt_str(status, "url")

    reblog = status.get("reblog")
    repost_of = None
    if isinstance(reblog, dict):
        repost_of = opt_str(reblog, "uri") or (
            str(reblog["id"]) if isinstance(reblog.get("id"), str | int) else None
        )
        url = url or opt_str(reblog, "url")  # a boost has no page of its own
    url = url or opt_str(status, "uri")
    content = opt_str(status, "content") or ""
    text, links = html_to_text(content, url)
    spoiler = (opt_str(status, "spoiler_text") or "").strip()
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler

    quote = get_dict(status, "quote")
    quoted = get_dict(quote, "quoted_status") or get_dict(status, "quote")
    quote_of = opt_str(quoted, "uri") if quoted else None

    tags = status.get("tags")
    hashtags = (
        [t["name"] for t in tags if isinstance(t, dict) and isinstance(t.get("name"), str)]
        if isinstance(tags, list)
        else None
    )
    mentioned = status.get("mentions")
    mentions = (
        [
            full_acct(m["acct"], opt_str(m, "url"))
            for m in mentioned
            if isinstance(m, dict) and isinstance(m.get("acct"), str)
        ]
        if isinstance(mentioned, list)
        else None
    )
    reply_to = status.get("in_reply_to_id")
    return make_mention(
        platform=PLATFORM,
        native_id=native_id,
        author=author,
        text=text,
        created_at=created_at,
        raw=raw,
        url=url,
        title=spoiler or None,
        language=opt_str(status, "language"),
        reply_to=str(reply_to) if isinstance(reply_to, str | int) else None,
        repost_of=repost_of,
        quote_of=quote_of,
        hashtags=hashtags,
        mentions=mentions,
        links=links if content else None,
        metrics=Metrics(
            likes=count(status.get("favourites_count")),
            reposts=count(status.get("reblogs_count")),
            replies=count(status.get("replies_count")),
        ),
        edited_at=edited_at,
    )


class MastodonImporter(BaseImporter):
    name = "mastodon"
    description = "Mastodon statuses: JSON array, JSON lines or streaming API events"

    def sniff(self, head: bytes, filename: str) -> float:
        text = head_text(head[:4096])
        if _SSE_HEAD_RE.match(text) and (
            "event: update" in text or "event: status.update" in text or '"account"' in text
        ):
            return 0.9
        objs = first_objects(head)
        if objs:
            statuses = [o for o in objs if not _is_ws_message(o)]
            if len(statuses) < len(objs) and any(
                isinstance(o.get("payload"), str) and '"account"' in o["payload"]
                for o in objs
                if _is_ws_message(o)
            ):
                return 0.85
            if len(objs) == 1 and isinstance(objs[0].get("statuses"), list):
                statuses = [s for s in objs[0]["statuses"][:20] if isinstance(s, dict)]
            score = share(statuses, _is_status)
            return 0.55 + 0.4 * score if score else 0.0
        body = head_text(head[:16384])
        if body.lstrip().startswith(("[", "{")) and all(
            k in body for k in ('"account"', '"content"', '"uri"', '"acct"')
        ):
            return 0.7
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        self.skipped.clear()
        head, stream = peek_head(stream, 4096)
        if _SSE_HEAD_RE.match(head_text(head)):
            yield from self._events(stream, source)
            return
        for unit in json_units(stream, MAX_PAGE_BYTES):
            if unit.error is not None:
                yield self.dead(source, unit.position or "document", unit.error, unit.raw)
                continue
            yield from self._value(unit.value, unit, source)

    def _value(self, value: Any, unit: Unit, source: str) -> Iterator[Mention | DeadLetter]:
        if isinstance(value, dict) and isinstance(value.get("statuses"), list):
            value = value["statuses"]  # /api/v2/search
        if isinstance(value, list):
            for i, status in enumerate(value):
                yield self._one(status, dumps(status), unit.at(i), source)
        elif _is_ws_message(value):
            yield from self._ws(value, unit, source)
        else:
            # One status: the line (or the document) is the record.
            yield self._one(value, unit.raw, unit.position or "record 1", source)

    def _ws(
        self, message: dict[str, Any], unit: Unit, source: str
    ) -> Iterator[Mention | DeadLetter]:
        if message["event"] not in _STATUS_EVENTS:
            self.skip(f"{message['event']} event")
            return
        payload = message["payload"]
        if isinstance(payload, str):
            try:
                payload = loads(payload.encode("utf-8", "surrogatepass"))
            except ValueError as e:
                yield self.dead(source, unit.position or "record 1", f"payload: {e}", unit.raw)
                return
        yield self._one(payload, unit.raw, unit.position or "record 1", source)

    def _events(self, stream: BinaryIO, source: str) -> Iterator[Mention | DeadLetter]:
        """Server-sent events: ``event:`` names the next ``data:`` line(s)."""
        event = "message"
        data: list[bytes] = []
        first_line = 0
        lines = iter_lines(stream, MAX_PAGE_BYTES, skip_blank=False)
        for line in itertools.chain(lines, [None]):
            if line is None or not line.data.strip():
                if data:
                    yield from self._event(event, data, first_line, source)
                event, data = "message", []
                continue
            if line.too_long:
                yield self.dead(
                    source,
                    line.position,
                    f"line is longer than {MAX_PAGE_BYTES:,} bytes",
                    line.data,
                )
                event, data = "message", []
                continue
            if line.data.startswith(b":"):
                continue  # a comment, Mastodon's heartbeat
            field, _, value = line.data.partition(b":")
            value = value[1:] if value.startswith(b" ") else value
            if field == b"event":
                event = value.decode("utf-8", "replace").strip()
            elif field == b"data":
                if not data:
                    first_line = line.number
                data.append(value)

    def _event(
        self, event: str, data: list[bytes], line: int, source: str
    ) -> Iterator[Mention | DeadLetter]:
        raw = b"\n".join(data)
        if event not in _STATUS_EVENTS:
            self.skip(f"{event} event")
            return
        try:
            status = loads(raw)
        except ValueError as e:
            yield self.dead(source, f"line {line}", str(e), raw)
            return
        yield self._one(status, raw, f"line {line}", source)

    def _one(self, status: Any, raw: bytes, position: str, source: str) -> Mention | DeadLetter:
        try:
            if not isinstance(status, dict):
                bad(f"expected a status object, got {type_name(status)}")
            return status_to_mention(status, raw)
        except RECORD_ERRORS as e:
            return self.dead(source, position, reason_of(e), raw)
