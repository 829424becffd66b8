"""Accounts through the API and the services: tokens that expire (the clock moved, never
slept) and can be revoked by their owner or an admin above them, password changes that end
every token, and deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from polls import tables as t
from polls.errors import InvalidInput, NotFound
from polls.services import accounts
from tests.conftest import PASSWORD, World, snapshot


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_token_works_until_it_expires(
    client: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.now(UTC)
    token = await accounts.issue_token("officer", "nightly export", days=7, at=start)
    assert await accounts.principal_for_token(token, start + timedelta(days=7, seconds=-1))
    assert await accounts.principal_for_token(token, start + timedelta(days=7)) is None
    monkeypatch.setattr(accounts, "now", lambda: start + timedelta(days=6))
    assert (await client.get("/api/v1/polls", headers=bearer(token))).status_code == 200
    monkeypatch.setattr(accounts, "now", lambda: start + timedelta(days=7, minutes=1))
    expired = await client.get("/api/v1/polls", headers=bearer(token))
    assert expired.status_code == 401
    assert expired.json()["status_code"] == 401
    listed = await client.get("/api/v1/tokens", headers=world.auth("officer"))
    (mine,) = [row for row in listed.json() if row["name"] == "nightly export"]
    assert mine["state"] == "expired"


async def test_tokens_last_ninety_days_unless_told(world: World) -> None:
    start = datetime.now(UTC)
    token = await accounts.issue_token("officer", at=start)
    assert await accounts.principal_for_token(token, start + timedelta(days=89))
    assert await accounts.principal_for_token(token, start + timedelta(days=90)) is None


@pytest.mark.parametrize("days", [0, -1, 3651])
async def test_a_token_life_out_of_range_is_refused(world: World, days: int) -> None:
    before = await snapshot()
    with pytest.raises(InvalidInput) as refused:
        await accounts.issue_token("officer", days=days)
    assert set(refused.value.errors) == {"days"}
    assert await snapshot() == before


async def test_an_officer_lists_and_revokes_their_own_tokens(
    client: httpx.AsyncClient, world: World
) -> None:
    spare = await accounts.issue_token("officer", "phone")
    listed = await client.get("/api/v1/tokens", headers=world.auth("officer"))
    assert listed.status_code == 200
    rows = listed.json()
    assert {row["officer"] for row in rows} == {"officer"}
    assert all(
        set(row) == {"id", "officer", "name", "state", "created_at", "expires_at", "revoked_at"}
        for row in rows
    )
    assert spare not in listed.text
    (phone,) = [row for row in rows if row["name"] == "phone"]
    revoked = await client.post(
        f"/api/v1/tokens/{phone['id']}/revoke", headers=world.auth("officer")
    )
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    assert (await client.get("/api/v1/polls", headers=bearer(spare))).status_code == 401
    assert (await client.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 200


async def test_an_admin_manages_tokens_only_in_their_subtree(
    client: httpx.AsyncClient, world: World
) -> None:
    spare = await accounts.issue_token("officer", "phone")
    token_id = (await accounts.tokens_of("officer"))[-1].id
    listed = await client.get("/api/v1/officers/officer/tokens", headers=world.auth("admin"))
    assert listed.status_code == 200
    assert {row["name"] for row in listed.json()} == {"", "phone"}
    # an officer of another subtree cannot see or revoke it: not found, not confirmed
    before = await snapshot()
    for who in ("outsider", "mk_viewer"):
        refused = await client.post(f"/api/v1/tokens/{token_id}/revoke", headers=world.auth(who))
        assert refused.status_code == 404
    assert await snapshot() == before
    done = await client.post(f"/api/v1/tokens/{token_id}/revoke", headers=world.auth("admin"))
    assert done.status_code == 200
    assert (await client.get("/api/v1/polls", headers=bearer(spare))).status_code == 401


async def test_the_api_changes_a_password_and_ends_every_token(
    client: httpx.AsyncClient, world: World
) -> None:
    other = await accounts.issue_token("officer", "laptop")
    wrong = await client.post(
        "/api/v1/me/password",
        json={"current_password": "not-the-password", "new_password": "a-new-password-1"},
        headers=world.auth("officer"),
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == {"current_password": "Mật khẩu hiện tại không đúng."}
    changed = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "a-new-password-1"},
        headers=world.auth("officer"),
    )
    assert changed.status_code == 204
    for token in (world.tokens["officer"], other):
        assert (await client.get("/api/v1/polls", headers=bearer(token))).status_code == 401
    signed = await accounts.authenticate("officer", "a-new-password-1")
    assert signed.principal.username == "officer"


async def test_a_short_new_password_is_refused_in_english_too(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await snapshot()
    refused = await client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "short"},
        headers={**world.auth("officer"), "Accept-Language": "en"},
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "new_password": "The password needs at least 10 characters."
    }
    assert await snapshot() == before


async def test_an_admin_deactivates_an_officer_of_their_subtree_but_not_themselves(
    client: httpx.AsyncClient, world: World
) -> None:
    outsider_admin = await accounts.create_officer(
        "halam-admin", PASSWORD, unit_slug="than-ha-lam", role="admin"
    )
    token = await accounts.issue_token(outsider_admin.username)
    before = await snapshot()
    refused = await client.post("/api/v1/officers/officer/deactivate", headers=bearer(token))
    assert refused.status_code == 404
    own = await client.post("/api/v1/officers/admin/deactivate", headers=world.auth("admin"))
    assert own.status_code == 409
    assert await snapshot() == before
    done = await client.post("/api/v1/officers/officer/deactivate", headers=world.auth("admin"))
    assert done.status_code == 204
    row = await t.Officer.select(t.Officer.active).where(t.Officer.username == "officer").first()
    assert row == {"active": False}
    assert (await client.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    listed = await client.get("/api/v1/officers/officer/tokens", headers=world.auth("admin"))
    assert {row["state"] for row in listed.json()} == {"revoked"}
    with pytest.raises(NotFound) as refused:  # a deactivated officer is no officer to issue to
        await accounts.issue_token("officer")
    assert refused.value.message == "There is no officer %(username)s."


@pytest.mark.parametrize("name", ["Trần\x1b[31m Hùng", "Lê\u0085Văn", "x" * 201])
async def test_a_display_name_with_control_characters_or_too_long_is_refused(
    client: httpx.AsyncClient, world: World, name: str
) -> None:
    """A name with a terminal escape or a C1 control would reach the console, the PDF report
    ("entered by") and the CLI's listing: refused in the admin's language, nothing created."""
    before = await snapshot()
    refused = await client.post(
        "/api/v1/officers",
        json={
            "username": "tran.hung",
            "password": PASSWORD,
            "unit": "than-mao-khe",
            "role": "officer",
            "display_name": name,
        },
        headers=world.auth("admin"),
    )
    assert refused.status_code in (400, 422)
    assert "display_name" in str(refused.json())
    assert await snapshot() == before
    with pytest.raises(InvalidInput) as caught:
        await accounts.create_officer(
            "tran.hung", PASSWORD, unit_slug="than-mao-khe", role="officer", display_name=name
        )
    assert caught.value.errors == {
        "display_name": "Use at most 200 characters for the name, with no control characters."
    }
    kept = await accounts.create_officer(
        "tran.hung",
        PASSWORD,
        unit_slug="than-mao-khe",
        role="officer",
        display_name="  Trần Văn Hùng ",
    )
    assert kept.display_name == "Trần Văn Hùng"
