"""The poll editor, console and API, read strictly: numbers that are not plain decimal
digits, dates outside the years 2000-2100 and text with control characters are field errors
in the officer's language, and nothing is stored; a date stored before these rules cannot
break a page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from polls import tables as t
from tests.conftest import SAMPLE_POLL, OpenPoll, World, snapshot
from tests.console.conftest import login, post_form
from tests.console.test_polls import ALL_KINDS, editor_form

EN = {"Accept-Language": "en"}


NOT_PLAIN: list[tuple[dict[str, str], dict[str, str], str]] = [
    ({"min_group_size": "--5"}, {}, "min_group_size"),
    ({"min_group_size": "\u00b9\u2070"}, {}, "min_group_size"),  # superscript 10
    ({"min_group_size": "\u0661\u0660"}, {}, "min_group_size"),  # Arabic-Indic 10
    ({"min_group_size": "1_0"}, {}, "min_group_size"),
    ({"min_group_size": "9" * 40}, {}, "min_group_size"),
    ({}, {"max_choices": "²"}, "q1.max_choices"),
    ({}, {"max_choices": "--2"}, "q1.max_choices"),
    ({"opens_at": "0001-01-01T00:00"}, {}, "opens_at"),
    ({"closes_at": "9999-12-31T23:59"}, {}, "closes_at"),
    ({"closes_at": "1999-12-31T23:59"}, {}, "closes_at"),
    ({"closes_at": "\u0662\u0660\u0662\u0667-01-01T00:00"}, {}, "closes_at"),
    ({"title": "Ý kiến\x1b[31m"}, {}, "title"),
    ({"title": "Ý kiến\x07"}, {}, "title"),
    ({"description": "Dòng 1\x0bDòng 2"}, {}, "description"),
    ({}, {"options": "Zalo\nBảng\x1btin\nLoa"}, "q1.options"),
    ({}, {"text": "Câu\x85hỏi"}, "q1.text"),
]


async def test_the_console_editor_refuses_what_is_not_plain(
    client: httpx.AsyncClient, world: World
) -> None:
    """Each case in turn, signed in once: each is checked to change no table, so the next
    one meets the database as it was."""
    await login(client, "officer")
    before = await snapshot()
    polls = await t.Poll.count()
    for fields, block, field in NOT_PLAIN:
        case = (fields, block)
        blocks = [ALL_KINDS[0], {**ALL_KINDS[1], **block}]
        got = await post_form(client, "/console/polls/new", editor_form(*blocks, **fields))
        assert got.status_code == 422, (case, got.text[:300])
        assert f'id="{field.replace(".", "-")}-err"' in got.text, case
        assert await t.Poll.count() == polls, case
        assert await snapshot() == before, case


async def test_odd_block_counts_are_no_server_error(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    for count in ("²", "--1", "٣", "99999999999999999999"):
        form = {**editor_form(ALL_KINDS[0]), "blocks": count}
        got = await post_form(client, "/console/polls/new", form)
        assert got.status_code < 500, (count, got.status_code)


async def test_a_multi_line_description_keeps_its_lines(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    form = editor_form(ALL_KINDS[0], description="Dòng 1\r\n\tDòng 2")
    got = await post_form(client, "/console/polls/new", form)
    assert got.status_code == 303, got.text[:300]
    assert [r["description"] for r in await t.Poll.select(t.Poll.description)] == [
        "Dòng 1\n\tDòng 2"
    ]


API_NOT_PLAIN: list[tuple[dict[str, Any], str | None]] = [
    ({"opens_at": "0001-01-01T00:00:00Z"}, "opens_at"),
    ({"closes_at": "9999-12-31T23:59:59+07:00"}, "closes_at"),
    ({"title": "Khảo sát\x00"}, None),  # NUL: the whole request, before any query
    ({"title": "Khảo sát\x1b"}, "title"),
    ({"description": "a\x7fb"}, "description"),
]


async def test_the_api_editor_refuses_the_same(client: httpx.AsyncClient, world: World) -> None:
    """Each case in turn: each is checked to change no table."""
    before = await snapshot()
    polls = await t.Poll.count()
    for changes, field in API_NOT_PLAIN:
        got = await client.post(
            "/api/v1/polls",
            json={**SAMPLE_POLL, **changes},
            headers={**world.auth("officer"), **EN},
        )
        if field is None:
            assert got.status_code == 400, (changes, got.text)
            assert "cannot be stored" in got.json()["detail"], changes
        else:
            assert got.status_code == 422, (changes, got.text)
            assert field in got.json()["errors"], (changes, got.text)
        assert await t.Poll.count() == polls, changes
        assert await snapshot() == before, changes


async def test_a_far_date_stored_before_the_rules_breaks_no_page(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    far = datetime(9999, 12, 31, 23, 30, tzinfo=UTC)
    await t.Poll.update({t.Poll.closes_at: far}).where(t.Poll.id == open_poll.id)
    form = await client.get(f"/p/{open_poll.code}")
    assert form.status_code == 200, form.text[:300]
    assert "9999" in form.text
    api = await client.get(f"/api/v1/polls/{open_poll.id}", headers=world.auth("officer"))
    assert api.status_code == 200
    await login(client, "officer")
    for path in (
        f"/console/polls/{open_poll.id}",
        "/console",
        f"/console/polls/{open_poll.id}/results",
    ):
        page = await client.get(path)
        assert page.status_code == 200, (path, page.status_code)


async def test_the_sign_in_form_refuses_a_nul_before_any_query(client: httpx.AsyncClient) -> None:
    await client.get("/console/login")  # the CSRF cookie
    for username in ("admin\x00", "\x00", "a\x00' OR 1=1 --"):
        got = await client.post(
            "/console/login",
            content=f"username={username.replace(chr(0), '%00')}&password=x".encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", **EN},
        )
        assert got.status_code == 400, got.text[:300]
        assert "cannot be stored" in got.text


async def test_placement_labels_and_unit_names_refuse_control_characters(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    headers = {**world.auth("officer"), **EN}
    placed = await client.post(
        f"/api/v1/polls/{open_poll.id}/placements", json={"label": "Nhà ăn\x1b"}, headers=headers
    )
    assert placed.status_code == 422, placed.text
    assert "label" in placed.json()["errors"]
    unit = await client.post(
        "/api/v1/units",
        json={"slug": "mk-new", "name": "Tổ\x08 mới", "kind": "workshop", "parent": "than-mao-khe"},
        headers={**world.auth("admin"), **EN},
    )
    assert unit.status_code == 422, unit.text
    assert "name" in unit.json()["errors"]
