"""Inbox pages: the list by priority, the case page and its forms (CSRF-checked), hostile
posts inert, both languages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api.fixtures import Signed
from tests.api.inbox_fixtures import inbox_app, inbox_world, team
from tests.web.test_pages import _inert
from tocsin.api.auth import Role

__all__ = ["inbox_app", "inbox_world", "team"]

HOSTILE_IDS = ("hostile-script", "hostile-handlers", "hostile-template", "hostile-formula")


def post(
    who: Signed, url: str, data: dict[str, str] | None = None, token: str | None = "ok"
) -> Any:
    form = dict(data or {})
    if token is not None:
        form["csrf_token"] = who.csrf if token == "ok" else token
    return who.client.post(url, data=form)


def _case_id(location: str) -> int:
    match = re.fullmatch(r"/cases/(\d+)", location)
    assert match, location
    return int(match.group(1))


@pytest.fixture(scope="module")
def hostile_cases(team: dict[Role, Signed]) -> list[int]:
    agent = team[Role.AGENT]
    ids = []
    for native_id in HOSTILE_IDS:
        response = post(agent, "/cases/open", {"platform": "x", "native_id": native_id})
        assert response.status_code == 303
        ids.append(_case_id(response.headers["location"]))
    return ids


def test_forms_refuse_a_missing_or_foreign_csrf_token(
    team: dict[Role, Signed], hostile_cases: list[int]
) -> None:
    agent, manager = team[Role.AGENT], team[Role.MANAGER]
    cid = hostile_cases[0]
    forms = [
        ("/cases/open", {"platform": "x", "native_id": "1010"}),
        (f"/cases/{cid}/assign", {}),
        (f"/cases/{cid}/status", {"status": "closed"}),
        (f"/cases/{cid}/notes", {"body": "x"}),
        (f"/cases/{cid}/replies", {"lang": "fr", "template": "answer"}),
        (f"/cases/{cid}/escalate", {"role": "pr", "reason": "r"}),
        ("/moderation/hide", {"platform": "x", "native_id": "1010", "reason": "spam"}),
        ("/moderation/unhide", {"platform": "x", "native_id": "1010"}),
        ("/replies/1/edit", {"body": "x"}),
        ("/replies/1/approve", {}),
        ("/replies/1/send", {}),
    ]
    for url, data in forms:
        for who in (agent, manager):
            assert post(who, url, data, token=None).status_code == 403, url
            other = team[Role.ADMIN].csrf
            assert post(who, url, data, token=other).status_code == 403, url
    # and nothing happened
    page = manager.client.get(f"/cases/{cid}").text
    assert "nouveau" in page or "new" in page
    assert (
        manager.client.get("/api/audit", params={"target": "mention:x/1010"}).json()["count"] == 0
    )


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_hostile_posts_are_inert_in_the_inbox(
    team: dict[Role, Signed], hostile_cases: list[int], role: Role
) -> None:
    client = team[role].client
    inbox = client.get("/inbox")
    assert inbox.status_code == 200
    _inert(inbox.text)
    assert "&lt;script&gt;alert(&#39;text&#39;)&lt;/script&gt;" in inbox.text
    assert "@evil&lt;script&gt;" in inbox.text
    for cid in hostile_cases:
        page = client.get(f"/cases/{cid}")
        assert page.status_code == 200
        _inert(page.text)


def test_a_case_worked_through_the_pages(team: dict[Role, Signed]) -> None:
    agent, manager, viewer = team[Role.AGENT], team[Role.MANAGER], team[Role.VIEWER]
    opened = post(agent, "/cases/open", {"platform": "x", "native_id": "1005"})
    cid = _case_id(opened.headers["location"])
    # opening again leads to the same case
    again = post(agent, "/cases/open", {"platform": "x", "native_id": "1005"})
    assert again.headers["location"] == f"/cases/{cid}"
    assert post(agent, f"/cases/{cid}/assign", {"assignee": "agent"}).status_code == 303
    assert post(agent, f"/cases/{cid}/notes", {"body": "<b>note</b>"}).status_code == 303
    assert (
        post(agent, f"/cases/{cid}/replies", {"lang": "en", "template": "acknowledge"}).status_code
        == 303
    )
    rid = manager.client.get(f"/api/cases/{cid}").json()["replies"][0]["id"]

    page = agent.client.get(f"/cases/{cid}", headers={"accept-language": "en"}).text
    assert "Awaiting a manager" in page
    assert f'action="/replies/{rid}/approve"' not in page  # agents do not approve
    assert "&lt;b&gt;note&lt;/b&gt;" in page
    assert post(agent, f"/replies/{rid}/send").status_code == 409
    assert post(agent, f"/replies/{rid}/approve").status_code == 403

    page = manager.client.get(f"/cases/{cid}").text
    assert f'action="/replies/{rid}/approve"' in page
    assert post(manager, f"/replies/{rid}/approve").status_code == 303
    assert post(agent, f"/replies/{rid}/send").status_code == 303
    assert manager.client.get(f"/api/cases/{cid}").json()["status"] == "answered"

    # viewers see the case, and no form but the language menu and sign-out
    page = viewer.client.get(f"/cases/{cid}").text
    actions = set(re.findall(r'<form[^>]*action="([^"]+)"', page))
    assert actions == {"/lang", "/logout"}


def test_hiding_from_the_case_page(team: dict[Role, Signed], hostile_cases: list[int]) -> None:
    manager, viewer = team[Role.MANAGER], team[Role.VIEWER]
    cid = hostile_cases[1]
    data = {
        "platform": "x",
        "native_id": HOSTILE_IDS[1],
        "reason": "criticism",
        "case_id": str(cid),
    }
    assert post(manager, "/moderation/hide", data).status_code == 409
    data["reason"] = "hate"
    assert post(manager, "/moderation/hide", data).status_code == 303
    seen = viewer.client.get(f"/cases/{cid}", headers={"accept-language": "fr"}).text
    assert "Masqué" in seen and "haine" in seen
    assert "clic" not in seen  # the text is withheld from viewers
    full = manager.client.get(f"/cases/{cid}").text
    assert ("clic" in full and "Réafficher" in full) or "Show again" in full
    search = viewer.client.get("/search", params={"q": "cafélia", "lang": "fr"}).text
    assert 'class="is-hidden"' in search


def test_inbox_page_is_sorted_by_priority_and_translated(
    team: dict[Role, Signed], hostile_cases: list[int]
) -> None:
    client = team[Role.VIEWER].client
    fr = client.get("/inbox", headers={"accept-language": "fr"}).text
    assert "Boîte de réception" in fr
    en = client.get("/inbox?status=new", headers={"accept-language": "en"}).text
    assert "Highest priority first" in en
    shown = [int(p) for p in re.findall(r'<a href="/cases/\d+"><strong>(\d+)</strong>', en)]
    assert shown and shown == sorted(shown, reverse=True)
    assert team[Role.MANAGER].client.get("/audit").status_code == 200
    assert client.get("/audit").status_code == 403


def test_hostile_notes_replies_and_audit_details_are_inert(
    team: dict[Role, Signed], hostile_cases: list[int]
) -> None:
    agent, manager = team[Role.AGENT], team[Role.MANAGER]
    cid = hostile_cases[2]
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)> \u202eevil javascript:alert(3)"
    assert post(agent, f"/cases/{cid}/notes", {"body": evil}).status_code == 303
    assert post(agent, f"/cases/{cid}/replies", {"lang": "fr", "body": evil}).status_code == 303
    assert (
        post(manager, f"/cases/{cid}/escalate", {"role": "pr", "reason": evil}).status_code == 303
    )
    for url in (f"/cases/{cid}", "/audit"):
        html = manager.client.get(url).text
        _inert(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_templates_page_edits_for_managers_only(team: dict[Role, Signed]) -> None:
    manager, agent = team[Role.MANAGER], team[Role.AGENT]
    body = "Bonjour @{handle}, désolés ! Écrivez-nous en message privé. {agent}"
    assert post(agent, "/templates/follow_up/fr", {"body": body}).status_code == 403
    assert post(manager, "/templates/follow_up/fr", {"body": body}, token=None).status_code == 403
    assert post(manager, "/templates/follow_up/fr", {"body": "{oops}"}).status_code == 409
    assert post(manager, "/templates/follow_up/fr", {"body": body}).status_code == 303
    page = agent.client.get("/templates", headers={"accept-language": "fr"}).text
    assert "désolés" in page and 'action="/templates/' not in page
    assert 'action="/templates/follow_up/fr"' in manager.client.get("/templates").text
