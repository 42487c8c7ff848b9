from __future__ import annotations

import pytest

from tocsin.web.safe import neutralise, safe_href, safe_next


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/a?b=1&c=2",
        "http://example.com",
        "HTTPS://EXAMPLE.COM/x",
        "https://exa-mple.fr/é",
    ],
)
def test_http_urls_are_links(url: str) -> None:
    assert safe_href(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "  JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "//evil.example/x",
        "/relative/path",
        "https:/\\evil.example",
        "https://",
        "https://exa mple.com",
        "https://example.com/\u202eexe.pdf",
        "ftp://example.com/file",
        "",
        None,
        42,
        "https://" + "a" * 3000 + ".com",
        "http://[::1",
    ],
)
def test_anything_else_is_not_a_link(url: object) -> None:
    assert safe_href(url) is None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/search?q=a", "/search?q=a"),
        ("/", "/"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/ok\\..", "/"),
        ("javascript:alert(1)", "/"),
        ("search", "/"),
        ("/\tevil", "/"),
    ],
)
def test_redirects_stay_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_bidi_controls_are_made_visible_and_controls_dropped() -> None:
    assert neutralise("\u202eailefac") == "\ufffdailefac"
    assert neutralise("a\u2066b\u2069c") == "a\ufffdb\ufffdc"
    assert neutralise("a\u200fb\u200ec\x00d\x1b[31me\x85") == "abcd[31me"
    assert neutralise("ligne 1\nligne 2\tfin") == "ligne 1\nligne 2\tfin"
    assert neutralise(None) == ""
    assert neutralise(12) == "12"
