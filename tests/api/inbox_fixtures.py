"""A server of its own for the inbox tests (they open cases and hide posts: the shared
``world`` of the other tests stays untouched). Imported by tests/api and tests/web modules."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from tests.api.fixtures import Signed, World, fill_store, settings_for
from tocsin.api.auth import Role
from tocsin.web import create_app


@pytest.fixture(scope="module")
def inbox_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("inbox")
    db = tmp / "tocsin.db"
    fill_store(db, tmp)
    return World(db, settings_for(db))


@pytest.fixture(scope="module")
def inbox_app(inbox_world: World) -> FastAPI:
    return create_app(inbox_world.settings)


@pytest.fixture(scope="module")
def team(inbox_app: FastAPI, inbox_world: World) -> dict[Role, Signed]:
    return {role: Signed(inbox_app, inbox_world, role) for role in Role}
