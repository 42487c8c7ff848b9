"""Who can help, in a real browser: an agent opens the incident, reads the critics to engage
with the reasons and the playbook's advice, and opens a case from a critic's post. The session
is checked for dialogs, script errors and CSP violations (conftest)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.web.browser.conftest import INCIDENT

pytestmark = pytest.mark.browser


def test_an_agent_opens_a_case_from_who_can_help(open_session: Callable[[], Any]) -> None:
    s = open_session()
    s.login("agent")
    s.goto(f"/incidents/{INCIDENT.id}")
    section = s.page.locator("section#who-can-help")
    assert section.locator("h2").inner_text() == "Qui peut aider"
    critics = section.locator("li.helper-engage")
    assert critics.count() >= 1
    first = critics.first
    assert first.locator("ul.reasons li").count() >= 1  # why
    first.locator("details summary").click()
    assert first.locator("details ol li").count() == 3  # acknowledge, private, follow up
    # the one action: open a case for the critic's post (the first one without a case yet)
    form = section.locator("li.helper-engage form[action='/cases/open']").first
    native_id = form.locator("input[name=native_id]").get_attribute("value")
    assert native_id
    with s.page.expect_navigation():
        form.locator("button[type=submit]").click()
    match = re.search(r"/cases/(\d+)$", s.page.url)
    assert match, s.page.url
    assert s.page.locator("main").count() == 1
    # back on the incident, the critic's post now links to its case instead
    s.goto(f"/incidents/{INCIDENT.id}")
    link = s.page.locator(f"section#who-can-help a[href='/cases/{match.group(1)}']")
    assert link.count() == 1


def test_hostile_authors_on_the_people_pages_run_nothing(open_session: Callable[[], Any]) -> None:
    """The people, author, ambassadors and published pages with the hostile handles, names
    and posts of the browser world: no script, handler or dangerous link in the DOM, nothing
    pushed sideways, bidi overrides neutralised (``_check_page``)."""
    from tests.web.browser.test_browser_hostile import _check_page

    s = open_session()
    s.login("manager")
    text = _check_page(s, "/watches/cafelia/people")
    assert "Possible coordination" in text or "Coordination possible" in text
    for author in ("evil1", "evil2", "evil5", "long1"):
        _check_page(s, f"/authors/x/{author}")
    assert "evil<script>" in _check_page(s, "/authors/x/evil1")  # the handle, as text
    _check_page(s, "/people")
    _check_page(s, "/ambassadors")
    _check_page(s, "/experiences")
