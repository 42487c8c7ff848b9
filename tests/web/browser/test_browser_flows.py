"""The war room in a real browser: sign in, take a case, draft and approve a reply, hide an
abusive post, switch language. Each session is also checked for dialogs, script errors and
CSP violations (conftest)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.fixtures import PASSWORD
from tests.web.browser.conftest import INCIDENT
from tocsin.respond.rules import HideReason

pytestmark = pytest.mark.browser

CSRF = "input[name=csrf_token]"


def test_sign_in_is_refused_then_accepted_and_goes_back_where_asked(
    open_session: Callable[[], Any],
) -> None:
    s = open_session()
    s.goto("/inbox")
    assert re.search(r"/login\?next=(/|%2F)inbox$", s.page.url), s.page.url
    s.page.fill("input[name=username]", "agent")
    s.page.fill("input[name=password]", "wrong password")
    with s.page.expect_navigation():
        s.page.click("form[action='/login'] button[type=submit]")
    assert s.page.locator("p.error[role=alert]").is_visible()
    assert s.page.locator(".top nav").count() == 0  # still signed out

    s.page.fill("input[name=password]", PASSWORD)
    with s.page.expect_navigation():
        s.page.click("form[action='/login'] button[type=submit]")
    assert s.page.url == s.base + "/inbox"
    assert "agent" in s.page.locator(".top .who").inner_text()
    s.submit("form[action='/logout']")
    assert s.page.url.startswith(s.base + "/login")
    s.goto("/inbox")
    assert "/login" in s.page.url  # the session is gone


def _case_id(url: str) -> int:
    match = re.search(r"/cases/(\d+)$", url)
    assert match, url
    return int(match.group(1))


def test_an_agent_takes_a_case_drafts_a_reply_a_manager_approves_it(
    open_session: Callable[[], Any],
) -> None:
    agent = open_session()
    agent.login("agent")
    agent.goto("/mentions/x/complaint")
    agent.submit("form[action='/cases/open']")
    case_id = _case_id(agent.page.url)

    # take it: assign to oneself
    agent.page.select_option(f"form[action='/cases/{case_id}/assign'] select", "agent")
    agent.submit(f"form[action='/cases/{case_id}/assign']")
    assert agent.page.locator(".facts dd bdi", has_text="agent").count() == 1

    # draft from the acknowledgement template, in French
    draft = f"form[action='/cases/{case_id}/replies']"
    agent.page.select_option(f"{draft} select[name=template]", "acknowledge")
    agent.page.select_option(f"{draft} select[name=lang]", "fr")
    agent.submit(draft)
    reply = agent.page.locator(".reply.draft")
    assert reply.count() == 1
    body = reply.locator("textarea[name=body]").input_value()
    assert "@client_mecontent" in body or "client_mecontent" in body, body
    # an agent can neither approve nor send a draft
    assert reply.locator("form[action$='/approve']").count() == 0
    assert reply.locator("form[action$='/send']").count() == 0
    assert reply.locator(".hint", has_text="approbation").count() == 1

    manager = open_session()
    manager.login("manager")
    manager.goto(f"/cases/{case_id}")
    approve = manager.page.locator(".reply.draft form[action$='/approve']")
    assert approve.count() == 1
    with manager.page.expect_navigation():
        approve.locator("button").click()
    assert manager.page.locator(".reply.approved").count() == 1
    assert "manager" in manager.page.locator(".reply.approved .hint").first.inner_text()

    # the agent may now send it; the case is answered
    agent.goto(f"/cases/{case_id}")
    send = agent.page.locator(".reply.approved form[action$='/send']")
    assert send.count() == 1
    with agent.page.expect_navigation():
        send.locator("button").click()
    assert agent.page.locator(".reply.sent").count() == 1
    assert "répondu" in agent.page.locator(".facts").inner_text()

    # the audit trail tells who did what
    manager.goto(f"/cases/{case_id}")
    trail = manager.page.locator("main").inner_text()
    for action in ("case.open", "case.assign", "reply.draft", "reply.approve", "reply.send"):
        assert action in trail, action


def test_a_manager_hides_an_abusive_post_with_a_reason_but_criticism_stays(
    open_session: Callable[[], Any],
) -> None:
    manager = open_session()
    manager.login("manager")
    manager.goto("/mentions/x/abusive")
    form = "form[action='/moderation/hide']"
    options = manager.page.locator(f"{form} select[name=reason] option").evaluate_all(
        "els => els.map(e => e.value)"
    )
    assert sorted(options) == sorted(r.value for r in HideReason)
    assert "criticism" not in options
    # nothing on the page deletes anything
    assert manager.page.locator("form[action*='delete'], button[name*='delete']").count() == 0

    manager.page.select_option(f"{form} select[name=reason]", "insult")
    manager.submit(form)
    mark = manager.page.locator(".hidden-mark")
    assert mark.count() == 1
    assert "insulte" in mark.inner_text().lower() or "insult" in mark.inner_text().lower()
    # nothing deleted: the manager still reads it
    assert "abruti" in manager.page.locator(".mention .text").inner_text()

    viewer = open_session()
    viewer.login("viewer")
    viewer.goto("/mentions/x/abusive")
    assert viewer.page.locator(".hidden-mark").count() == 1
    assert "abruti" not in viewer.page.locator("main").inner_text()
    assert viewer.page.locator("form[action='/moderation/unhide']").count() == 0

    # criticism is no reason: the server refuses it, even when posted by hand
    manager.goto("/mentions/x/criticism")
    token = manager.page.locator(f"{form} {CSRF}").input_value()
    answer = manager.page.request.post(
        "/moderation/hide",
        form={
            "csrf_token": token,
            "platform": "x",
            "native_id": "criticism",
            "reason": "criticism",
        },
        max_redirects=0,
    )
    assert 400 <= answer.status < 500, answer.status
    manager.goto("/mentions/x/criticism")
    assert manager.page.locator(".hidden-mark").count() == 0
    assert "déçu" in manager.page.locator(".mention .text").inner_text()


def test_the_language_menu_switches_between_french_and_english(
    open_session: Callable[[], Any],
) -> None:
    s = open_session()
    s.login("viewer")
    s.goto("/inbox")
    html = s.page.locator("html")
    assert html.get_attribute("lang") == "fr"
    assert s.page.locator(".top nav a[href='/']").inner_text() == "Tableau de bord"

    # app.js submits the menu on change (no inline handler under this CSP)
    with s.page.expect_navigation():
        s.page.select_option("#lang-select", "en")
    assert s.page.url == s.base + "/inbox"  # back where we were
    assert html.get_attribute("lang") == "en"
    assert s.page.locator(".top nav a[href='/']").inner_text() == "Dashboard"
    s.goto("/search")  # kept in a cookie
    assert html.get_attribute("lang") == "en"

    with s.page.expect_navigation():
        s.page.select_option("#lang-select", "fr")
    assert html.get_attribute("lang") == "fr"
    assert s.page.locator(".top nav a[href='/']").inner_text() == "Tableau de bord"


def test_open_an_incident_from_the_dashboard(open_session: Callable[[], Any]) -> None:
    s = open_session()
    s.login("viewer")
    s.goto("/")
    link = s.page.locator(f".incident-feed a[href='/incidents/{INCIDENT.id}']")
    assert link.count() == 1
    with s.page.expect_navigation():
        link.click()
    assert s.page.url == s.base + f"/incidents/{INCIDENT.id}"
    main = s.page.locator("main")
    assert "8/10" in main.locator("h1").inner_text()
    # the hostile story is shown as text, its bidi override neutralised
    assert "<img src=x onerror=alert('story')>" in main.locator("h1").inner_text()
    assert "\u202e" not in main.inner_text()
    assert main.locator("figure svg").count() == 1  # the timeline, drawn by the server
    assert main.locator("table.mentions tbody tr").count() >= 1  # its top posts
    # the feed lists it too
    s.goto("/incidents?status=open")
    assert s.page.locator(f"a[href='/incidents/{INCIDENT.id}']").count() == 1
