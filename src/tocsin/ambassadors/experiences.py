"""Customer experiences shared through the programme, published unedited with their
disclosure: the text exactly as it was posted when the mission counted, never rewritten.

Published: counted ``experience`` missions of ambassadors still enrolled (an opt-out or an
erasure withdraws them), not hidden by moderation. The author's name (and the link to the
post, which names them) appear only with their consent. ``html_page`` renders an embeddable
page, every value escaped.
"""

from __future__ import annotations

import html
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.respond._db import dt


@dataclass(frozen=True, slots=True)
class PublishedExperience:
    completion_id: int
    mission_id: int
    platform: str
    text: str  # exactly as posted
    disclosure: str  # the disclosure found in it
    author: str | None  # only with consent
    url: str | None  # only with consent
    posted_at: datetime


def published(
    db: sqlite3.Connection, *, watch_id: str | None = None, limit: int = 50
) -> list[PublishedExperience]:
    """Newest first."""
    params: list[Any] = []
    sql = (
        "SELECT c.id, c.mission_id, c.platform, c.text, c.disclosure, a.show_name, "
        "a.display_name, a.handle, c.url, c.posted_at "
        "FROM mission_completions c JOIN missions m ON m.id = c.mission_id "
        "JOIN ambassadors a ON a.id = c.ambassador_id "
        "WHERE c.status = 'counted' AND m.kind = 'experience' AND a.status = 'enrolled' "
        "AND a.erased_at IS NULL AND c.disclosure != '' AND NOT EXISTS (SELECT 1 FROM moderation "
        "h WHERE h.platform = c.platform AND h.native_id = c.native_id AND h.hidden = 1)"
    )
    if watch_id is not None:
        sql += " AND m.watch_id = ?"
        params.append(watch_id)
    sql += " ORDER BY c.posted_at DESC, c.id DESC LIMIT ?"
    params.append(limit)
    out = []
    for r in db.execute(sql, params):
        show = bool(r[5])
        name = (r[6] or (f"@{r[7]}" if r[7] else None)) if show else None
        posted = dt(r[9])
        assert posted is not None
        out.append(
            PublishedExperience(r[0], r[1], r[2], r[3], r[4], name, r[8] if show else None, posted)
        )
    return out


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("https://", "http://")) else None


def html_page(items: list[PublishedExperience], title: str = "Customer experiences") -> str:
    """A self-contained page (no script, inline style) for an ``<iframe>``; all text escaped."""
    e = html.escape
    cards = []
    for x in items:
        who = e(x.author) if x.author else "A customer"
        url = _safe_url(x.url)
        link = (
            f' · <a href="{e(url)}" rel="nofollow noopener" target="_blank">post</a>' if url else ""
        )
        cards.append(
            "<article>"
            f'<p class="text">{e(x.text)}</p>'
            f'<p class="meta">{who} · {e(x.platform)} · {x.posted_at:%Y-%m-%d}{link}'
            f' · <span class="disclosure">{e(x.disclosure)}</span></p>'
            "</article>"
        )
    body = "\n".join(cards) or "<p>No experience shared yet.</p>"
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{e(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<style>body{font:15px/1.45 system-ui,sans-serif;margin:0;padding:12px}"
        "article{border:1px solid #ddd;border-radius:6px;padding:10px 12px;margin:0 0 10px}"
        ".text{white-space:pre-wrap;margin:0 0 6px}.meta{color:#555;font-size:13px;margin:0}"
        ".disclosure{font-weight:600}</style></head><body>"
        f"<h1>{e(title)}</h1>"
        "<p>Shared by members of our ambassador programme, rewarded with points; "
        "published as posted, with their disclosure.</p>"
        f"{body}</body></html>"
    )
