"""The search and audit pages link to their CSV and Parquet exports, for the roles allowed."""

from __future__ import annotations

import html
import io
import re

import pyarrow.parquet as pq

from tests.api.fixtures import Signed
from tocsin.api.auth import Role


def _links(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(/api/[^"]+)"', page)]


def test_search_page_links_both_exports_of_the_same_search(signed: dict[Role, Signed]) -> None:
    client = signed[Role.MANAGER].client
    page = client.get("/search", params={"q": "cafélia", "lang": "fr"}).text
    links = _links(page)
    csv_link = next(x for x in links if x.startswith("/api/mentions.csv?"))
    parquet_link = next(x for x in links if x.startswith("/api/mentions.parquet?"))
    assert csv_link.split("?", 1)[1] == parquet_link.split("?", 1)[1]
    table = pq.read_table(io.BytesIO(client.get(parquet_link).content))
    csv_rows = client.get(csv_link).text.strip().split("\r\n")
    assert table.num_rows == len(csv_rows) - 1 > 0
    assert set(table.column("language").to_pylist()) == {"fr"}

    viewer = signed[Role.VIEWER].client.get("/search", params={"q": "cafélia"}).text
    assert not [x for x in _links(viewer) if x.startswith("/api/mentions.")]


def test_audit_page_links_both_exports(signed: dict[Role, Signed]) -> None:
    links = _links(signed[Role.MANAGER].client.get("/audit").text)
    assert "/api/audit.csv" in links and "/api/audit.parquet" in links
