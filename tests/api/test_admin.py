"""The admin's actions through the API: an admin of Mạo Khê reaches its subtree only, a reset
ends the officer's tokens and answers the new password once, a PATCH of a unit is written
whole or not at all, and the audit list is the caller's subtree's (the roles of every
endpoint are ``test_authorization.py``'s rows)."""

from __future__ import annotations

import httpx
import pytest

from polls import tables as t
from polls.services import accounts, units
from tests.conftest import PASSWORD, World, snapshot


@pytest.fixture
async def mk_admin(world: World) -> dict[str, str]:
    await accounts.create_officer("mk-admin", PASSWORD, unit_slug="than-mao-khe", role="admin")
    return {"Authorization": f"Bearer {await accounts.issue_token('mk-admin')}"}


@pytest.mark.parametrize("target", ["outsider", "admin", "viewer", "nobody"])
async def test_officers_outside_the_subtree_are_not_found(
    client: httpx.AsyncClient, world: World, mk_admin: dict[str, str], target: str
) -> None:
    before = await snapshot()
    for method, path, body in (
        ("PATCH", f"/api/v1/officers/{target}", {"role": "viewer"}),
        ("POST", f"/api/v1/officers/{target}/password", {}),
        ("POST", f"/api/v1/officers/{target}/deactivate", None),
        ("POST", f"/api/v1/officers/{target}/reactivate", None),
        ("GET", f"/api/v1/officers/{target}/tokens", None),
    ):
        sent = await client.request(method, path, json=body, headers=mk_admin)
        assert sent.status_code == 404, (method, path, sent.text)
    assert await snapshot() == before


async def test_a_reset_answers_the_password_once_and_ends_the_tokens(
    client: httpx.AsyncClient, world: World, mk_admin: dict[str, str]
) -> None:
    assert (await client.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 200
    sent = await client.post("/api/v1/officers/officer/password", json={}, headers=mk_admin)
    assert sent.status_code == 200, sent.text
    password = sent.json()["password"]
    assert len(password) == 19
    assert (await client.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    assert (await accounts.authenticate("officer", password)).principal.username == "officer"
    refused = await client.post(
        "/api/v1/officers/officer/password",
        json={"password": "short"},
        headers={**mk_admin, "accept-language": "vi"},
    )
    assert refused.status_code == 422
    assert "ít nhất 10 ký tự" in refused.json()["errors"]["new_password"]


async def test_an_admin_changes_neither_their_own_role_nor_unit(
    client: httpx.AsyncClient, world: World, mk_admin: dict[str, str]
) -> None:
    before = await snapshot()
    for body in ({"role": "officer"}, {"unit": "mk-kt3"}):
        sent = await client.patch("/api/v1/officers/mk-admin", json=body, headers=mk_admin)
        assert sent.status_code == 409, sent.text
    assert await snapshot() == before


async def test_a_unit_patch_is_written_whole_or_not_at_all(
    client: httpx.AsyncClient, world: World, mk_admin: dict[str, str]
) -> None:
    before = await snapshot()
    for body, status in (
        ({"name": "Tên mới", "parent": "than-ha-lam"}, 422),  # outside the subtree
        ({"name": "Tên mới", "parent": "mk-kt3"}, 422),  # under itself
        ({"name": "", "headcount": 5}, 422),
        ({"headcount": -1}, 422),
    ):
        sent = await client.patch("/api/v1/units/mk-kt3", json=body, headers=mk_admin)
        assert sent.status_code == status, (body, sent.text)
    assert await snapshot() == before
    sent = await client.patch(
        "/api/v1/units/mk-kt3",
        json={"name": "PX Khai thác 3", "parent": "mk-cd", "headcount": 410},
        headers=mk_admin,
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["parent"] == "mk-cd"
    moved = await units.get_by_slug("mk-kt3")
    assert (moved.name, moved.headcount) == ("PX Khai thác 3", 410)
    actions = [r["action"] for r in await t.AuditEntry.select(t.AuditEntry.action)]
    assert sorted(actions) == ["unit.headcount", "unit.move", "unit.rename"]
    audit = await client.get("/api/v1/audit", headers=world.auth("outsider"))
    assert audit.status_code == 403
    mine = await client.get("/api/v1/audit", headers=mk_admin)
    assert mine.json()["total"] == 3
