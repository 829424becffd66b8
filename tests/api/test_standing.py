"""Standing placements: one poster for every wave of a series. Its code leads to wave 1,
then to a page saying when the next wave opens, then to wave 2, with the same QR code;
answers are counted per wave and placement; placements of one poll work as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from polls import tables as t
from polls.sharing import links
from tests.conftest import (
    SAMPLE_POLL,
    OpenPoll,
    World,
    answer_as_new_device,
    create_open_poll,
    snapshot,
)
from tests.sharing.tools import decode, pdf_pages, pdf_text

BASE = "http://127.0.0.1:8000"


async def _standing(client: httpx.AsyncClient, world: World, poll_id: int, **body: Any) -> dict:
    made = await client.post(
        f"/api/v1/polls/{poll_id}/standing-placements",
        json={"label": "Nhà ăn trung tâm", "kind": "canteen", **body},
        headers=world.auth("officer"),
    )
    assert made.status_code == 201, made.text
    return made.json()


async def _answers_of(client: httpx.AsyncClient, world: World, poll_id: int) -> dict[str, Any]:
    read = await client.get(f"/api/v1/polls/{poll_id}", headers=world.auth("officer"))
    return OpenPoll(poll_id, "", read.json()["questions"]).answers()


async def _wave_placement(client: httpx.AsyncClient, world: World, poll_id: int, sid: int) -> dict:
    listed = await client.get(f"/api/v1/polls/{poll_id}/placements", headers=world.auth("officer"))
    (mine,) = [p for p in listed.json() if p["standing"] == sid]
    return mine


async def _poster_link(client: httpx.AsyncClient, world: World, placement_id: int) -> list[str]:
    poster = await client.get(
        f"/api/v1/placements/{placement_id}/poster.pdf", headers=world.auth("officer")
    )
    assert poster.status_code == 200
    (page,) = pdf_pages(poster.content)
    return decode(page)


async def test_one_code_leads_to_wave_1_then_the_next_wave_page_then_wave_2(
    client: httpx.AsyncClient, world: World
) -> None:
    wave1 = await create_open_poll(client, world, publish_results=True)
    standing = await _standing(client, world, wave1.id)
    code = standing["code"]
    assert standing["url"] == f"{BASE}/p/{code}"
    first = await _wave_placement(client, world, wave1.id, standing["id"])
    assert first["code"] == code
    assert first["url"] == standing["url"]

    page = await client.get(f"/p/{code}")
    assert page.status_code == 200
    assert f'data-poll="{wave1.id}"' in page.text
    stored = await answer_as_new_device(client, code, await _answers_of(client, world, wave1.id))
    assert stored.status_code in (200, 201), stored.text

    closed = await client.post(f"/api/v1/polls/{wave1.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    between = await client.get(f"/p/{code}")
    assert between.status_code == 200
    assert "Hiện chưa có khảo sát nào đang mở tại đây." in between.text
    assert "Khảo sát gần nhất: " + SAMPLE_POLL["title"] in between.text  # published results
    refused = await answer_as_new_device(client, code, {"1": True})
    assert refused.status_code == 410
    assert refused.json()["detail"] == "Hiện chưa có khảo sát nào mở tại đây. Mời bạn quay lại sau."

    made = await client.post(f"/api/v1/polls/{wave1.id}/duplicate", headers=world.auth("officer"))
    assert made.status_code == 201, made.text
    wave2 = made.json()["id"]
    second = await _wave_placement(client, world, wave2, standing["id"])
    assert second["code"] == code
    assert second["id"] != first["id"]
    opens = datetime.now(UTC) + timedelta(days=30)
    await client.patch(
        f"/api/v1/polls/{wave2}",
        json={"opens_at": opens.isoformat()},
        headers=world.auth("officer"),
    )
    coming = await client.get(f"/p/{code}")
    assert "Khảo sát tiếp theo mở lúc" in coming.text
    await client.patch(
        f"/api/v1/polls/{wave2}", json={"opens_at": None}, headers=world.auth("officer")
    )
    opened = await client.post(f"/api/v1/polls/{wave2}/open", headers=world.auth("officer"))
    assert opened.status_code == 200, opened.text

    page = await client.get(f"/p/{code}")
    assert f'data-poll="{wave2}"' in page.text
    stored = await answer_as_new_device(client, code, await _answers_of(client, world, wave2))
    assert stored.status_code in (200, 201), stored.text

    rows = await t.Response.select(t.Response.poll, t.Response.placement)
    assert sorted((r["poll"], r["placement"]) for r in rows) == sorted(
        [(wave1.id, first["id"]), (wave2, second["id"])]
    )
    # the poster of either wave carries the same link: nothing to reprint
    expected = [links.qr_link(BASE, code)]
    assert await _poster_link(client, world, first["id"]) == expected
    assert await _poster_link(client, world, second["id"]) == expected
    # the placement of one poll made with wave 1 still leads to wave 1, now closed
    old = await client.get(f"/p/{wave1.code}")
    assert "Khảo sát này đã đóng." in old.text


async def test_an_existing_placement_kept_for_every_wave_keeps_its_printed_code(
    client: httpx.AsyncClient, world: World
) -> None:
    wave1 = await create_open_poll(client, world)
    listed = await client.get(f"/api/v1/polls/{wave1.id}/placements", headers=world.auth("officer"))
    placement = listed.json()[0]
    # read first, so this process has just looked the code up as no standing one
    before = await client.get(f"/p/{wave1.code}")
    assert f'data-poll="{wave1.id}"' in before.text
    kept = await client.post(
        f"/api/v1/placements/{placement['id']}/standing", headers=world.auth("officer")
    )
    assert kept.status_code == 201, kept.text
    assert kept.json()["code"] == wave1.code
    again = await client.post(
        f"/api/v1/placements/{placement['id']}/standing", headers=world.auth("officer")
    )
    assert again.status_code == 409
    await client.post(f"/api/v1/polls/{wave1.id}/close", headers=world.auth("officer"))
    wave2 = (
        await client.post(f"/api/v1/polls/{wave1.id}/duplicate", headers=world.auth("officer"))
    ).json()["id"]
    await client.post(f"/api/v1/polls/{wave2}/open", headers=world.auth("officer"))
    page = await client.get(f"/p/{wave1.code}")
    assert f'data-poll="{wave2}"' in page.text

    stopped = await client.post(
        f"/api/v1/standing-placements/{kept.json()['id']}/stop", headers=world.auth("officer")
    )
    assert stopped.status_code == 200
    assert stopped.json()["stopped_at"]
    # stopped: the code is the first wave's own placement again, and no later wave gets it
    assert "Khảo sát này đã đóng." in (await client.get(f"/p/{wave1.code}")).text
    twice = await client.post(
        f"/api/v1/standing-placements/{kept.json()['id']}/stop", headers=world.auth("officer")
    )
    assert twice.status_code == 409
    wave3 = (
        await client.post(f"/api/v1/polls/{wave2}/duplicate", headers=world.auth("officer"))
    ).json()["id"]
    third = await client.get(f"/api/v1/polls/{wave3}/placements", headers=world.auth("officer"))
    assert third.json() == []


async def test_a_stopped_standing_code_says_the_poster_is_no_longer_used(
    client: httpx.AsyncClient, world: World
) -> None:
    wave1 = await create_open_poll(client, world)
    standing = await _standing(client, world, wave1.id)
    await client.post(
        f"/api/v1/standing-placements/{standing['id']}/stop", headers=world.auth("officer")
    )
    page = await client.get(f"/p/{standing['code']}")
    assert page.status_code == 404
    assert "Áp phích này không còn được dùng." in page.text


async def test_bad_input_is_a_4xx_in_the_officers_language_and_writes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    wave1 = await create_open_poll(client, world)
    before = await snapshot()
    url = f"/api/v1/polls/{wave1.id}/standing-placements"
    meeting = await client.post(
        url, json={"label": "Họp", "kind": "meeting"}, headers=world.auth("officer")
    )
    assert meeting.status_code == 422
    assert meeting.json()["errors"]["kind"].startswith("Một buổi họp hay một lần đếm tay")
    blank = await client.post(
        url,
        json={"label": "  ", "kind": "canteen"},
        headers={**world.auth("officer"), "Accept-Language": "en"},
    )
    assert blank.status_code == 422
    assert blank.json()["errors"]["label"] == "Give a label of up to 200 characters."
    unknown = await client.post(
        url, json={"label": "x", "kind": "rocket"}, headers=world.auth("officer")
    )
    assert unknown.status_code == 422  # msgspec refuses the kind, in the API's words
    elsewhere = await client.post(
        url, json={"label": "x", "unit": "than-ha-lam"}, headers=world.auth("officer")
    )
    assert elsewhere.status_code == 422
    bad_id = await client.post(
        "/api/v1/standing-placements/abc/stop", headers=world.auth("officer")
    )
    assert bad_id.status_code in (400, 404)
    assert await snapshot() == before


async def test_between_waves_a_visit_writes_nothing_and_every_phone_sees_the_same_page(
    client: httpx.AsyncClient, world: World
) -> None:
    """The curious admin reads the database after visits between waves: nothing moved.
    The officer compares two phones' pages: the same bytes, no cookie, no identifier."""
    wave1 = await create_open_poll(client, world)
    standing = await _standing(client, world, wave1.id)
    await client.post(f"/api/v1/polls/{wave1.id}/close", headers=world.auth("officer"))
    before = await snapshot()
    seen = []
    for agent in ("Zalo Android", "Chrome iPhone"):
        client.cookies.clear()
        page = await client.get(f"/p/{standing['code']}", headers={"User-Agent": agent})
        assert page.status_code == 200
        assert "set-cookie" not in page.headers
        assert page.headers["referrer-policy"] == "no-referrer"
        seen.append(page.text)
    assert seen[0] == seen[1]
    assert await snapshot() == before


async def test_each_officer_lists_only_the_standing_placements_of_their_subtree(
    client: httpx.AsyncClient, world: World
) -> None:
    wave1 = await create_open_poll(client, world)
    standing = await _standing(client, world, wave1.id)
    seen = {}
    for who in ("officer", "mk_viewer", "viewer", "outsider"):
        listed = await client.get("/api/v1/standing-placements", headers=world.auth(who))
        assert listed.status_code == 200
        seen[who] = [s["code"] for s in listed.json()]
    assert seen == {
        "officer": [standing["code"]],
        "mk_viewer": [standing["code"]],
        "viewer": [standing["code"]],
        "outsider": [],
    }
    # the outsider cannot stop it nor keep another subtree's placement: 404, nothing changes
    before = await snapshot()
    stop = await client.post(
        f"/api/v1/standing-placements/{standing['id']}/stop", headers=world.auth("outsider")
    )
    assert stop.status_code == 404
    assert await snapshot() == before


async def test_a_standing_poster_names_the_series_never_one_wave(
    client: httpx.AsyncClient, world: World
) -> None:
    closes = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    wave1 = await create_open_poll(client, world, title="Bữa ăn giữa ca tháng 11", closes_at=closes)
    standing = await _standing(client, world, wave1.id)
    first = await _wave_placement(client, world, wave1.id, standing["id"])
    made = await client.post(f"/api/v1/polls/{wave1.id}/duplicate", headers=world.auth("officer"))
    wave2 = made.json()["id"]
    renamed = await client.patch(
        f"/api/v1/polls/{wave2}",
        json={"title": "Bữa ăn giữa ca tháng 12"},
        headers=world.auth("officer"),
    )
    assert renamed.status_code == 200, renamed.text
    second = await _wave_placement(client, world, wave2, standing["id"])

    texts = []
    for placement in (first, second):
        for kind in ("poster", "cards"):
            got = await client.get(
                f"/api/v1/placements/{placement['id']}/{kind}.pdf", headers=world.auth("officer")
            )
            assert got.status_code == 200, got.text
            texts.append(" ".join(pdf_text(got.content).split()))
    for text in texts:
        assert "Khảo sát ý kiến người lao động" in text
        assert "tháng 11" not in text
        assert "tháng 12" not in text
        assert "Hạn trả lời" not in text  # one wave's deadline is not the poster's
        assert "Nhà ăn trung tâm" in text
        assert standing["code"] in text
    assert texts[0] == texts[2]  # either wave prints the same poster

    # the poll's own placement still prints the wave's title and deadline
    own = await client.get(
        f"/api/v1/placements/{(await _own_placement(client, world, wave1.id))['id']}/poster.pdf",
        headers=world.auth("officer"),
    )
    own_text = " ".join(pdf_text(own.content).split())
    assert "Bữa ăn giữa ca tháng 11" in own_text
    assert "Hạn trả lời" in own_text


async def _own_placement(client: httpx.AsyncClient, world: World, poll_id: int) -> dict:
    listed = await client.get(f"/api/v1/polls/{poll_id}/placements", headers=world.auth("officer"))
    return next(p for p in listed.json() if p["standing"] is None)
