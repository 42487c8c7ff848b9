"""What schemathesis found (tests/api/test_schemathesis.py), one regression test each."""

from __future__ import annotations

import pytest

from tests.api.fixtures import Signed
from tocsin.api.auth import Role


@pytest.mark.parametrize("token_id", ["21629933820180381696", "-1", "0", "9223372036854775808"])
def test_revoking_a_token_id_out_of_sqlite_range_is_a_400_not_a_500(
    signed: dict[Role, Signed], token_id: str
) -> None:
    who = signed[Role.ADMIN]
    response = who.client.delete(f"/api/tokens/{token_id}", headers={"x-csrf-token": who.csrf})
    assert response.status_code == 400, response.text
    assert response.json()["ok"] is False


def test_revoking_the_largest_token_id_is_a_404(signed: dict[Role, Signed]) -> None:
    who = signed[Role.ADMIN]
    response = who.client.delete(
        "/api/tokens/9223372036854775807", headers={"x-csrf-token": who.csrf}
    )
    assert response.status_code == 404
