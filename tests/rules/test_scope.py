"""Rule: every officer action is scoped to the officer's unit subtree, and what hangs off a
poll stays inside the poll's unit.

A placement's unit must lie inside the poll's unit, not only inside the officer's scope: a
poll of one workshop with a placement in the neighbouring workshop would mix that workshop's
answers into a poll its leadership never sees, and split its respondents into groups the
poll's breakdowns do not count together.
"""

from __future__ import annotations

import httpx

from polls import tables as t
from tests.conftest import World, create_draft_poll, snapshot


async def test_a_placement_outside_the_polls_unit_is_refused_even_inside_the_officers_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world, unit="mk-kt3")  # a workshop of Mạo Khê
    before = await snapshot()
    for language, message in (
        ("vi", None),
        ("en", "The placement's unit must belong to the poll's unit."),
    ):
        refused = await client.post(
            f"/api/v1/polls/{poll['id']}/placements",
            json={"label": "Nhà ăn Cơ điện", "kind": "canteen", "unit": "mk-cd"},  # its sibling
            headers={**world.auth("officer"), "Accept-Language": language},
        )
        assert refused.status_code == 422, refused.text
        errors = refused.json()["errors"]
        assert set(errors) == {"unit"}
        if message:
            assert errors["unit"] == message
        else:
            assert errors["unit"] != "The placement's unit must belong to the poll's unit."
            assert "đơn vị" in errors["unit"].lower()
    assert await snapshot() == before
    # the same officer, the poll's own unit: accepted
    made = await client.post(
        f"/api/v1/polls/{poll['id']}/placements",
        json={"label": "Nhà ăn KT3", "kind": "canteen", "unit": "mk-kt3"},
        headers=world.auth("officer"),
    )
    assert made.status_code == 201, made.text
    assert await t.Placement.count() == 1
