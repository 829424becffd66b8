"""Who reads a unit's leaders' Zalo group (issue 15): only one who may change the unit's
settings (``units.may_change``: an admin whose subtree holds it), in the API's list of
units, its one-unit read and the console's unit page. Everyone else reading units, officers
and viewers, of the unit or above it or of another unit, gets the unit without the group
and without whether the bot was refused there (both null), or none at all out of scope.

Roles (``tests.conftest.world``, plus ``manager``, an admin of Mạo Khê, whose subtree holds
Khai thác 3 and not Hà Lầm, and ``ha_lam_admin``): ``admin`` and ``viewer`` at the national
root, ``officer`` and ``mk_viewer`` at Mạo Khê, ``outsider`` an officer of Hà Lầm."""

from __future__ import annotations

import httpx
import pytest

from polls.services import accounts, units
from tests.conftest import PASSWORD, World
from tests.console.conftest import login

KT3_LEADERS = "kt3.leaders-0001"
HL_LEADERS = "hl_leaders-0002"

SHOWN = {"mk-kt3": (KT3_LEADERS, True), "than-ha-lam": (HL_LEADERS, False)}


@pytest.fixture
async def groups(world: World) -> World:
    """Khai thác 3 and Hà Lầm with a leaders' group each, Khai thác 3's refusing the bot,
    and the two admins below the root, with their API tokens."""
    for username, unit in (("manager", "than-mao-khe"), ("ha-lam-admin", "than-ha-lam")):
        world.principals[username] = await accounts.create_officer(
            username, PASSWORD, unit_slug=unit, role="admin"
        )
        world.tokens[username] = await accounts.issue_token(username)
    admin = world.principals["admin"]
    await units.set_leaders_chat(admin, "mk-kt3", KT3_LEADERS)
    await units.set_leaders_chat(admin, "than-ha-lam", HL_LEADERS)
    await units.mark_leaders_chat((await units.get_by_slug("mk-kt3")).id, unreachable=True)
    return world


def _group(unit: dict) -> tuple[str | None, bool | None]:
    return unit["leaders_zalo_chat_id"], unit["leaders_chat_unreachable"]


# who, the units with a group in their list, and whether they may change those units
LISTS = [
    ("admin", {"mk-kt3", "than-ha-lam"}, True),
    ("manager", {"mk-kt3"}, True),
    ("ha-lam-admin", {"than-ha-lam"}, True),
    ("officer", {"mk-kt3"}, False),
    ("mk_viewer", {"mk-kt3"}, False),
    ("outsider", {"than-ha-lam"}, False),
    ("viewer", {"mk-kt3", "than-ha-lam"}, False),
]


@pytest.mark.parametrize(("who", "listed", "may_change"), LISTS)
async def test_the_list_of_units_shows_the_group_only_to_who_may_change_it(
    client: httpx.AsyncClient, groups: World, who: str, listed: set[str], may_change: bool
) -> None:
    reply = await client.get("/api/v1/units", headers=groups.auth(who))
    assert reply.status_code == 200, reply.text
    by_slug = {u["slug"]: u for u in reply.json()}
    assert set(by_slug) & set(SHOWN) == listed
    for slug, unit in by_slug.items():
        expected = SHOWN.get(slug, (None, False)) if may_change else (None, None)
        assert _group(unit) == expected, (who, slug)
    assert (KT3_LEADERS in reply.text) == (may_change and "mk-kt3" in listed)
    assert (HL_LEADERS in reply.text) == (may_change and "than-ha-lam" in listed)


# who, and what they read of Khai thác 3 (a status, or the group shown)
ONE_UNIT = [
    ("admin", (KT3_LEADERS, True)),
    ("manager", (KT3_LEADERS, True)),
    ("officer", (None, None)),
    ("mk_viewer", (None, None)),
    ("viewer", (None, None)),
    ("outsider", 404),
    ("ha-lam-admin", 404),
]


@pytest.mark.parametrize(("who", "seen"), ONE_UNIT)
async def test_one_unit_shows_the_group_only_to_who_may_change_it(
    client: httpx.AsyncClient, groups: World, who: str, seen: tuple | int
) -> None:
    client.headers["accept-language"] = "vi"
    reply = await client.get("/api/v1/units/mk-kt3", headers=groups.auth(who))
    assert KT3_LEADERS not in reply.text or seen == (KT3_LEADERS, True)
    if seen == 404:
        assert reply.status_code == 404
        assert reply.json()["detail"] == "Không có đơn vị mk-kt3."
        return
    assert reply.status_code == 200, reply.text
    assert reply.json()["slug"] == "mk-kt3"
    assert reply.json()["name"] == "Phân xưởng Khai thác 3"
    assert _group(reply.json()) == seen


async def test_one_unit_that_does_not_exist_is_a_404(
    client: httpx.AsyncClient, groups: World
) -> None:
    reply = await client.get("/api/v1/units/mk-kt9", headers=groups.auth("admin"))
    assert reply.status_code == 404


async def test_the_manager_sets_the_group_of_a_unit_below_and_not_of_another_subtree(
    client: httpx.AsyncClient, groups: World
) -> None:
    changed = await client.patch(
        "/api/v1/units/mk-cd",
        json={"leaders_zalo_chat_id": "cd-0003"},
        headers=groups.auth("manager"),
    )
    assert changed.status_code == 200, changed.text
    assert _group(changed.json()) == ("cd-0003", False)
    refused = await client.patch(
        "/api/v1/units/than-ha-lam",
        json={"leaders_zalo_chat_id": "cd-0003"},
        headers=groups.auth("manager"),
    )
    assert refused.status_code == 422
    assert (await units.get_by_slug("than-ha-lam")).leaders_zalo_chat_id == HL_LEADERS


# who, and the status of Khai thác 3's page in the console (the group on it when 200)
CONSOLE = [
    ("admin", 200),
    ("manager", 200),
    ("officer", 403),
    ("mk_viewer", 403),
    ("viewer", 403),
    ("outsider", 403),
    ("ha-lam-admin", 404),
]


@pytest.mark.parametrize(("who", "status"), CONSOLE)
async def test_the_consoles_unit_page_shows_the_group_only_to_who_may_change_it(
    client: httpx.AsyncClient, groups: World, who: str, status: int
) -> None:
    await login(client, who.replace("_", "-"))
    client.headers["accept-language"] = "vi"
    page = await client.get("/console/admin/units/mk-kt3")
    assert page.status_code == status
    assert (KT3_LEADERS in page.text) == (status == 200)
    assert ('id="leaders-chat-unreachable"' in page.text) == (status == 200)
    listing = await client.get("/console/admin/units")
    assert KT3_LEADERS not in listing.text
    assert HL_LEADERS not in listing.text
