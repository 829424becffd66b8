"""The console's standing placements: add one, see it on every wave's page, keep an
existing placement for every wave, stop one; a refused input comes back on the page in the
officer's language and writes nothing."""

from __future__ import annotations

import httpx

from polls import tables as t
from tests.conftest import World, create_open_poll, snapshot
from tests.console.conftest import login, post_form


async def test_add_see_in_the_next_wave_and_stop(client: httpx.AsyncClient, world: World) -> None:
    wave1 = await create_open_poll(client, world)
    await login(client, "officer")
    page = f"/console/polls/{wave1.id}"
    made = await post_form(
        client,
        f"/console/polls/{wave1.id}/standing",
        {"label": "Bảng tin cổng mỏ", "kind": "notice_board", "unit": "mk-kt3"},
        from_page=page,
    )
    assert made.status_code == 303
    assert made.headers["location"] == f"/console/polls/{wave1.id}#standing"
    shown = await client.get(page)
    assert "Bảng tin cổng mỏ giờ dùng một áp phích cho mọi đợt khảo sát." in shown.text
    (row,) = await t.StandingPlacement.select()
    assert f"/p/{row['code']}" in shown.text
    assert shown.text.count("Một áp phích cho mọi đợt") == 1  # the wave's own placement

    copied = await post_form(client, f"/console/polls/{wave1.id}/duplicate", from_page=page)
    wave2 = int(copied.headers["location"].split("/")[3])  # /console/polls/{id}/edit
    (linked,) = await t.Placement.select().where(t.Placement.poll == wave2)
    assert linked["standing"] == row["id"]
    assert linked["label"] == "Bảng tin cổng mỏ"
    assert f"/p/{row['code']}" in (await client.get(f"/console/polls/{wave2}")).text

    stopped = await post_form(
        client,
        f"/console/standing/{row['id']}/stop",
        {"poll": str(wave2)},
        from_page=f"/console/polls/{wave2}",
    )
    assert stopped.headers["location"] == f"/console/polls/{wave2}#standing"
    after = await client.get(f"/console/polls/{wave2}")
    assert "Bảng tin cổng mỏ đã dừng" in after.text
    assert "Chưa có điểm đăng cố định nào." in after.text


async def test_keep_an_existing_placement_and_refusals_in_the_officers_language(
    client: httpx.AsyncClient, world: World, english: httpx.AsyncClient
) -> None:
    wave1 = await create_open_poll(client, world)
    await login(client, "officer")
    page = f"/console/polls/{wave1.id}"
    (placement,) = await t.Placement.select().where(t.Placement.poll == wave1.id)
    kept = await post_form(
        client, f"/console/placements/{placement['id']}/standing", from_page=page
    )
    assert kept.status_code == 303
    (row,) = await t.StandingPlacement.select()
    assert row["code"] == wave1.code
    before = await snapshot()
    again = await post_form(
        client, f"/console/placements/{placement['id']}/standing", from_page=page
    )
    assert again.status_code == 303
    assert "This placement already serves every wave." in (await client.get(page)).text
    meeting = await post_form(
        client,
        f"/console/polls/{wave1.id}/standing",
        {"label": "Họp tổ", "kind": "meeting"},
        from_page=page,
    )
    assert meeting.status_code == 303
    assert "A meeting or a hand count belongs to one poll" in (await client.get(page)).text
    assert await snapshot() == before
