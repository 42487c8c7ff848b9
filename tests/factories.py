"""Small builders for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tocsin.domain import Author, Mention, Metrics

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def mention(n: int = 1, text: str = "Cafélia rembourse enfin ma commande", **kw: Any) -> Mention:
    fields: dict[str, Any] = {
        "platform": "x",
        "native_id": str(1000 + n),
        "author": Author("x", f"u{n % 7}", f"user{n % 7}", f"User {n % 7}", 10 * n, False),
        "text": text,
        "created_at": T0 + timedelta(minutes=n),
        "language": "fr",
        "metrics": Metrics(likes=n, reposts=0, replies=0),
        "raw": f'{{"id": {1000 + n}}}'.encode(),
    }
    fields.update(kw)
    return Mention(**fields)
