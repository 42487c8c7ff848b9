"""Pages: hostile posts rendered inert, the Content-Security-Policy, no inline script, the two
languages, search with an invalid query, the dashboard charts."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import BLUESKY_ID, Signed
from tocsin.api.auth import Role
from tocsin.api.headers import CONTENT_SECURITY_POLICY

TEMPLATES = Path(str(resources.files("tocsin.web").joinpath("templates")))
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def viewer(signed: dict[Role, Signed]) -> TestClient:
    return signed[Role.VIEWER].client


PAGES = [
    "/",
    "/dashboard/cards",
    "/search?q=caf%C3%A9lia",
    "/search?q=(((",
    "/mentions/x/hostile-script",
    "/mentions/x/hostile-handlers",
    "/mentions/x/hostile-template",
    "/mentions/x/hostile-formula",
    "/mentions/x/child",
    f"/mentions/bluesky/{BLUESKY_ID}",
    "/account",
    "/nowhere",
]


def _inert(html: str) -> None:
    """Nothing a post could carry is live: no script but ours, no handler, no script URL."""
    scripts = re.findall(r"<script\b[^>]*>", html, re.I)
    assert scripts in ([], ['<script src="/static/app.js" defer>'])
    assert not re.search(r"<(img|svg|iframe|object|embed|a)\b[^>]*\son\w+\s*=", html, re.I)
    assert not re.search(r"""<[a-z][^>]*\son[a-z]+\s*=\s*["']?alert""", html, re.I)
    assert not re.search(
        r"""(href|src|action)\s*=\s*["']?\s*(javascript|data|vbscript):""", html, re.I
    )
    assert not re.search(r"""href\s*=\s*["']?//""", html, re.I)
    assert not BIDI.search(html)
    assert "<img" not in html.lower()
    assert " style=" not in html.lower()


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_inert_and_under_the_csp(viewer: TestClient, path: str) -> None:
    response = viewer.get(path)
    assert response.status_code in (200, 400, 404)
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    _inert(response.text)


def test_csp_is_strict() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_hostile_post_fields_are_escaped(viewer: TestClient) -> None:
    html = viewer.get("/mentions/x/hostile-script").text
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt; cafélia" in html
    assert "@evil&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#39;name&#39;)&gt;" in html
    assert '<span class="inert-url">javascript:alert(&#39;url&#39;)</span>' in html
    assert '<span class="inert-url">javascript:alert(&#39;link&#39;)</span>' in html
    assert '<span class="inert-url">data:text/html,x</span>' in html
    assert (
        '<a href="https://ok.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow ugc"' in html
    )

    html = viewer.get("/mentions/x/hostile-handlers").text
    assert (
        "cafélia &lt;a href=&#34;javascript:alert(1)&#34; onclick=&#34;alert(2)&#34;&gt;clic"
        "&lt;/a&gt; &#34; onmouseover=&#34;x" in html
    )
    assert '<bdi class="handle">@\ufffdailefac</bdi>' in html  # the override is shown, inert
    assert '<bdi class="name">\ufffdCafélia officiel\ufffd</bdi>' in html
    assert '<span class="inert-url">JaVaScRiPt:alert(1)</span>' in html

    html = viewer.get("/mentions/x/hostile-template").text
    assert "cafélia {{ 7*7 }} {% raw %} ${7*7} \ufffd reversed" in html  # no template injection
    assert "&lt;svg onload=alert(1)&gt;" in html
    assert '<bdi class="handle">@user\ufffd\ufffdx</bdi>' in html
    assert '<span class="inert-url">//evil.example/phish</span>' in html


def test_hostile_posts_in_search_results(viewer: TestClient) -> None:
    html = viewer.get("/search", params={"q": "cafélia"}).text
    assert "hostile-script" in html
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in html
    assert "@\ufffdailefac" in html
    _inert(html)


def test_watch_names_are_escaped_on_the_dashboard(viewer: TestClient) -> None:
    html = viewer.get("/").text
    assert "&lt;b&gt;Refunds&lt;/b&gt;" in html
    assert "<b>Refunds</b>" not in html
    assert html.count('<svg class="chart"') == 2 * 3  # all mentions + 2 watches, 2 charts each
    assert 'data-stream="/api/stream/volume"' in html


def test_templates_have_no_inline_script_style_or_handler() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert not re.search(r"\son[a-z]+\s*=", text), path.name
        assert " style=" not in text and "<style" not in text, path.name
        assert "|safe" not in text.replace(" ", "") and "autoescape false" not in text, path.name


def test_static_files(anonymous: TestClient) -> None:
    js = anonymous.get("/static/app.js")
    assert js.status_code == 200
    assert "javascript" in js.headers["content-type"]
    assert js.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "innerHTML" not in js.text and "eval(" not in js.text
    assert anonymous.get("/static/app.css").status_code == 200
    assert anonymous.get("/static/../app.py").status_code == 404


def test_invalid_search_shows_the_fault(viewer: TestClient) -> None:
    response = viewer.get("/search", params={"q": "cafelia AND ((rembours*"})
    assert response.status_code == 400
    assert '<pre class="caret">' in response.text
    assert "^</pre>" in response.text
    bad_date = viewer.get("/search", params={"q": "cafelia", "since": "hier"})
    assert bad_date.status_code == 400


def test_search_pages_on(viewer: TestClient) -> None:
    html = viewer.get("/search", params={"platform": "x"}).text
    assert html.count("<tr>") == 1 + 50  # header and a full page
    match = re.search(r'href="(/search\?[^"]*cursor=[^"]+)"', html)
    assert match
    older = viewer.get(match.group(1).replace("&amp;", "&"))
    assert older.status_code == 200
    assert "platform=x" in match.group(1)
    assert "hostile-script" in html and "hostile-script" not in older.text
    assert 1 < older.text.count("<tr>") < 51


def test_export_link_only_for_roles_that_may_export(signed: dict[Role, Signed]) -> None:
    for role, shown in ((Role.VIEWER, False), (Role.AGENT, False), (Role.MANAGER, True)):
        html = signed[role].client.get("/search", params={"q": "cafélia"}).text
        assert ("/api/mentions.csv?" in html) is shown


def test_language_follows_the_user_choice(world: object, anonymous: TestClient) -> None:
    from tests.api.fixtures import World
    from tocsin.web import create_app

    assert isinstance(world, World)
    client = TestClient(create_app(world.settings), follow_redirects=False)
    assert '<html lang="fr">' in client.get("/login").text  # the server's default
    english = client.get("/login", headers={"accept-language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Sign in" in english.text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', english.text)
    assert token
    chosen = client.post(
        "/lang", data={"lang": "en", "next": "/login?x=1", "csrf_token": token.group(1)}
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/login?x=1"
    assert "tocsin_lang=en" in chosen.headers["set-cookie"]
    page = client.get("/login", headers={"accept-language": "fr"})
    assert '<html lang="en">' in page.text and "User name" in page.text
    refused = client.post("/lang", data={"lang": "xx", "csrf_token": token.group(1)})
    assert refused.status_code == 400
    evil = client.post(
        "/lang", data={"lang": "fr", "next": "//evil.example", "csrf_token": token.group(1)}
    )
    assert evil.headers["location"] == "/"
    assert "Nom d&#39;utilisateur" in client.get("/login").text


def test_mention_page_shows_the_thread(viewer: TestClient) -> None:
    html = viewer.get("/mentions/x/child").text
    assert '<a href="/mentions/x/parent">' in html
    assert "cafélia: ma commande?" in html
    missing = viewer.get("/mentions/x/nothing-here")
    assert missing.status_code == 404


def test_mention_links_encode_ids(viewer: TestClient) -> None:
    html = viewer.get("/search", params={"platform": "bluesky"}).text
    assert '/mentions/bluesky/at%3A%2F%2Fdid%3Aplc%3Aabc123%2Fapp.bsky.feed.post%2F3kxyz"' in html
    page = viewer.get(
        "/mentions/bluesky/at%3A%2F%2Fdid%3Aplc%3Aabc123%2Fapp.bsky.feed.post%2F3kxyz"
    )
    assert page.status_code == 200
