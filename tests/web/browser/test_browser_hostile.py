"""Hostile posts in a real browser: script tags, event handlers, ``javascript:`` URLs, bidi
overrides in handles, very long text. On every page that shows them: no dialog, no script
error, no CSP violation (conftest), no script or handler in the DOM, no dangerous link, the
payloads shown as text, and nothing pushed sideways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.web.browser.conftest import EXTRA, INCIDENT

pytestmark = pytest.mark.browser

HOSTILE_IDS = [
    "hostile-script",
    "hostile-handlers",
    "hostile-template",
    "hostile-formula",
    "hostile-iframe",
    "hostile-long-word",
    "hostile-long-text",
]

#: Reads the DOM for anything a hostile post could have smuggled in.
DOM_AUDIT = """() => {
  const out = [];
  for (const s of document.querySelectorAll("script")) {
    if (s.getAttribute("src") !== "/static/app.js") out.push("script: " + s.outerHTML.slice(0, 80));
  }
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) out.push("handler: " + el.tagName + " " + a.name);
      if (["href", "src", "action", "formaction", "xlink:href"].includes(a.name.toLowerCase())) {
        const v = a.value.replace(/[\\u0000-\\u0020]/g, "").toLowerCase();
        if (/^(javascript|vbscript|data):/.test(v)) out.push("url: " + el.tagName + " " + a.value);
      }
    }
  }
  for (const tag of ["iframe", "object", "embed", "svg img", "img", "base", "meta[http-equiv]"]) {
    for (const el of document.querySelectorAll(tag)) {
      if (tag !== "img" || !el.closest(".chart")) out.push("element: " + tag);
    }
  }
  for (const a of document.querySelectorAll("a[href^='http']")) {
    const rel = (a.getAttribute("rel") || "").split(/\\s+/);
    if (a.host !== location.host && !(rel.includes("noopener") && rel.includes("noreferrer")))
      out.push("link without noopener: " + a.href);
  }
  return out;
}"""

#: Text whose presence shows a payload was escaped and shown, not dropped or run.
SHOWN_AS_TEXT = {
    "hostile-script": "<script>alert('text')</script>",
    "hostile-handlers": 'onclick="alert(2)"',
    "hostile-template": "{{ 7*7 }}",
    "hostile-iframe": "<img src=x onerror=alert(9)>",
}


def _check_page(s: Any, path: str) -> str:
    s.goto(path)
    smuggled = s.page.evaluate(DOM_AUDIT)
    assert smuggled == [], (path, smuggled)
    width = s.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, (path, "pushed sideways", width)
    text: str = s.page.locator("body").inner_text()
    for control in ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067"):
        assert control not in text, (path, hex(ord(control)))
    return text


def test_the_watch_itself_catches_a_script_that_runs(open_session: Callable[[], Any]) -> None:
    """The canary: were a payload to run, or an inline script to be tried, the session's
    watch would see it (so the other tests can fail)."""
    s = open_session()
    s.login("viewer")
    s.page.evaluate("alert('canary')")
    s.page.evaluate(
        "() => { const x = document.createElement('script'); x.textContent = '1';"
        " document.body.append(x); }"
    )
    s.page.wait_for_function("window.__cspViolations.length > 0")
    assert s.watched.dialogs == ["alert: canary"]
    assert any("script-src" in v for v in s.watched.violations(s.page))
    assert any("Content Security Policy" in c for c in s.watched.console)
    assert s.page.evaluate(DOM_AUDIT)  # the audit sees the inline script too
    s.watched.dialogs.clear()
    s.watched.console.clear()
    s.page.evaluate("window.__cspViolations.length = 0")


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_hostile_posts_run_nothing_and_break_no_page(
    open_session: Callable[[], Any], role: str
) -> None:
    s = open_session()
    s.login(role)
    for native_id in HOSTILE_IDS:
        text = _check_page(s, f"/mentions/x/{native_id}")
        if native_id in SHOWN_AS_TEXT:
            assert SHOWN_AS_TEXT[native_id] in text, native_id
    # handles with bidi overrides are shown neutralised (U+FFFD), not reversed
    text = _check_page(s, "/mentions/x/hostile-handlers")
    assert "\ufffdailefac" in text
    for query in ("cafélia", "evil2", "interminable"):
        _check_page(s, f"/search?q={query}")
    _check_page(s, "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")  # an invalid query too
    _check_page(s, "/")
    s.page.wait_for_timeout(300)  # the live refresh swaps the cards in: still clean
    _check_page(s, "/inbox")
    _check_page(s, "/incidents")
    _check_page(s, f"/incidents/{INCIDENT.id}")


def test_hostile_posts_in_cases_notes_and_replies(open_session: Callable[[], Any]) -> None:
    admin = open_session()
    admin.login("admin")
    case_paths = []
    for native_id in ("hostile-script", "hostile-handlers", "hostile-iframe", "hostile-long-word"):
        admin.goto(f"/mentions/x/{native_id}")
        if admin.page.locator("form[action='/cases/open']").count():
            admin.submit("form[action='/cases/open']")
        else:
            admin.page.click("a[href^='/cases/']")
        case_paths.append(admin.page.url.removeprefix(admin.base))

    payload = "</textarea><script>alert('reply')</script><img src=x onerror=alert('r')>"
    path = case_paths[0]
    admin.goto(path)
    admin.page.fill(f"form[action='{path}/notes'] textarea", payload)
    admin.submit(f"form[action='{path}/notes']")
    draft = f"form[action='{path}/replies']"
    admin.submit(draft)
    admin.page.fill(".reply form[action$='/edit'] textarea", payload)
    admin.submit(".reply form[action$='/edit']")
    assert admin.page.locator(".reply textarea").input_value() == payload
    admin.page.fill(f"form[action='{path}/escalate'] input[name=reason]", payload)
    admin.submit(f"form[action='{path}/escalate']")

    for p in case_paths[1:]:
        _check_page(admin, p)
    text = _check_page(admin, path)
    assert "alert('reply')" in text  # the note and the reason, shown as text
    _check_page(admin, "/inbox")
    audit = _check_page(admin, "/audit")
    assert "case.note" in audit

    viewer = open_session()
    viewer.login("viewer")
    for p in case_paths:
        _check_page(viewer, p)


def test_every_extra_post_is_seeded() -> None:
    assert {m.native_id for m in EXTRA} >= set(HOSTILE_IDS) - {
        "hostile-script",
        "hostile-handlers",
        "hostile-template",
        "hostile-formula",
    }
