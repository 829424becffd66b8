import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from polls import tables as t
from polls.services import polls
from tests.conftest import SAMPLE_POLL, OpenPoll, World
from tests.console.conftest import csrf_token, login, post_form

EMPTY_BLOCK = {
    "kind": "single",
    "text": "",
    "options": "",
    "max_choices": "",
    "min": "1",
    "max": "5",
}


def editor_form(*blocks: dict[str, Any], **fields: str) -> dict[str, Any]:
    """What the editor posts: the poll's fields, then one ``qN.*`` group per block."""
    data: dict[str, Any] = {
        "unit": "than-mao-khe",
        "title": "Ý kiến về bữa ăn giữa ca",
        "description": "Khảo sát ngắn",
        "language": "vi",
        "opens_at": "",
        "closes_at": "",
        "min_group_size": "5",
        "duplicate_policy": "device",
        **fields,
    }
    blocks = (*blocks, EMPTY_BLOCK, EMPTY_BLOCK)
    data["blocks"] = str(len(blocks))
    for i, block in enumerate(blocks):
        for name, value in {**EMPTY_BLOCK, **block}.items():
            data[f"q{i}.{name}"] = value
    return data


ALL_KINDS = (
    {
        "kind": "single",
        "text": "Kênh nhanh nhất?",
        "options": "Zalo\r\nBảng tin\r\n\r\nLoa\r\n",
        "required": "1",
    },
    {
        "kind": "multi",
        "text": "Các kênh bạn dùng?",
        "options": "Zalo\nFacebook\nHọp tổ",
        "max_choices": "2",
        "required": "1",
    },
    {
        "kind": "scale",
        "text": "Mức hài lòng?",
        "min": "1",
        "max": "5",
        "min_label": "Rất không hài lòng",
        "max_label": "Rất hài lòng",
        "required": "1",
    },
    {"kind": "yes_no", "text": "Muốn nhận tin qua Zalo?", "required": "1"},
    {"kind": "text", "text": "Góp ý"},
)


async def create_draft(client: httpx.AsyncClient, world: World, **changes: Any) -> int:
    created = await client.post(
        "/api/v1/polls", json={**SAMPLE_POLL, **changes}, headers=world.auth("officer")
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]


async def status_of(poll_id: int) -> str:
    row = await t.Poll.select(t.Poll.status).where(t.Poll.id == poll_id).first()
    return row["status"]


async def test_the_list_shows_polls_of_my_subtree_with_counts(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await create_draft(client, world, title="Bản nháp Mạo Khê")
    await login(client, "officer")
    page = await client.get("/console")
    assert page.status_code == 200
    assert SAMPLE_POLL["title"] in page.text
    assert "Bản nháp Mạo Khê" in page.text
    assert f'href="/console/polls/{open_poll.id}"' in page.text
    assert 'href="/console/polls/new"' in page.text


async def test_an_officer_of_another_subtree_does_not_see_the_poll(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await login(client, "outsider")
    page = await client.get("/console")
    assert SAMPLE_POLL["title"] not in page.text
    for path in ("", "/results", "/edit", "/results?by=unit"):
        assert (await client.get(f"/console/polls/{open_poll.id}{path}")).status_code == 404, path
    for action in ("close", "duplicate", "placements"):
        response = await post_form(
            client, f"/console/polls/{open_poll.id}/{action}", {"label": "x", "kind": "link"}
        )
        assert response.status_code == 404, action
    assert await status_of(open_poll.id) == "open"
    assert await t.Poll.count() == 1
    assert await t.Placement.count() == 1


async def test_create_a_draft_with_all_five_kinds_through_the_form(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    new = await client.get("/console/polls/new")
    assert new.status_code == 200
    for kind in ("single", "multi", "scale", "yes_no", "text"):
        assert f'value="{kind}"' in new.text
    created = await client.post(
        "/console/polls/new",
        data={**editor_form(*ALL_KINDS, unit="mk-kt3"), "_csrf_token": csrf_token(new)},
    )
    assert created.status_code == 303, created.text
    poll_id = int(created.headers["location"].rsplit("/", 1)[1])
    poll = await polls.get(world.principals["officer"], poll_id)
    assert poll.status == "draft"
    assert poll.unit_slug == "mk-kt3"
    assert poll.title == "Ý kiến về bữa ăn giữa ca"
    assert [q.kind for q in poll.questions] == ["single", "multi", "scale", "yes_no", "text"]
    single, multi, scale, yes_no, text = poll.questions
    assert [o.label for o in single.options] == ["Zalo", "Bảng tin", "Loa"]
    assert multi.max_choices == 2
    assert [o.label for o in multi.options] == ["Zalo", "Facebook", "Họp tổ"]
    assert (scale.scale_min, scale.scale_max, scale.min_label, scale.max_label) == (
        1,
        5,
        "Rất không hài lòng",
        "Rất hài lòng",
    )
    assert yes_no.required
    assert not text.required
    shown = await client.get(f"/console/polls/{poll_id}")
    assert shown.status_code == 200
    assert "Kênh nhanh nhất?" in shown.text
    assert "Rất hài lòng" in shown.text
    api = await client.get(f"/api/v1/polls/{poll_id}", headers=world.auth("admin"))
    assert api.json()["questions"][1]["max_choices"] == 2


@pytest.mark.usefixtures("english")
async def test_a_form_with_errors_comes_back_as_typed(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    form = editor_form(
        {"kind": "single", "text": "Câu hỏi <giữ nguyên>", "options": "Chỉ một phương án"},
        {"kind": "scale", "text": "Thang điểm", "min": "5", "max": "abc"},
        title="",
        closes_at="ngày mai",
    )
    response = await post_form(client, "/console/polls/new", form)
    assert response.status_code == 422
    assert "Some fields need correcting." in response.text
    assert "Give a title of up to 300 characters." in response.text
    assert "Give at least two options." in response.text
    assert "Give a whole number." in response.text
    assert "Give a date and time like" in response.text
    assert 'value="Câu hỏi &lt;giữ nguyên&gt;"' in response.text
    assert "Chỉ một phương án</textarea>" in response.text
    assert 'value="abc"' in response.text
    assert await t.Poll.count() == 0


@pytest.mark.usefixtures("english")
async def test_a_form_without_questions_says_so(client: httpx.AsyncClient, world: World) -> None:
    await login(client, "officer")
    response = await post_form(client, "/console/polls/new", editor_form())
    assert response.status_code == 422
    assert "A poll has 1 to 50 questions." in response.text


@pytest.mark.usefixtures("english")
async def test_a_unit_outside_my_subtree_is_refused_in_the_form(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    response = await post_form(
        client, "/console/polls/new", editor_form(*ALL_KINDS, unit="than-ha-lam")
    )
    assert response.status_code == 422
    assert "There is no such unit." in response.text
    assert await t.Poll.count() == 0


async def test_more_blocks_keeps_what_was_typed(client: httpx.AsyncClient, world: World) -> None:
    await login(client, "officer")
    form = editor_form({"kind": "yes_no", "text": "Đã có trước"}, title="Giữ tiêu đề")
    response = await post_form(client, "/console/polls/new", {**form, "more": "1"})
    assert response.status_code == 200
    assert 'value="Giữ tiêu đề"' in response.text
    assert 'value="Đã có trước"' in response.text
    assert 'name="blocks" value="4"' in response.text
    assert await t.Poll.count() == 0


async def test_edit_a_draft(client: httpx.AsyncClient, world: World) -> None:
    poll_id = await create_draft(client, world)
    await login(client, "officer")
    page = await client.get(f"/console/polls/{poll_id}/edit")
    assert page.status_code == 200
    assert 'value="Kênh nhanh nhất?"' in page.text
    assert "Zalo\nBảng tin\nLoa</textarea>" in page.text
    form = editor_form(
        {"kind": "yes_no", "text": "Câu mới đầu tiên", "required": "1"},
        {"kind": "single", "text": "Kênh nhanh nhất?", "options": "Zalo\nLoa"},
        title="Tiêu đề mới",
    )
    saved = await client.post(
        f"/console/polls/{poll_id}/edit", data={**form, "_csrf_token": csrf_token(page)}
    )
    assert saved.status_code == 303, saved.text
    poll = await polls.get(world.principals["officer"], poll_id)
    assert poll.title == "Tiêu đề mới"
    assert [q.text for q in poll.questions] == ["Câu mới đầu tiên", "Kênh nhanh nhất?"]
    assert [o.label for o in poll.questions[1].options] == ["Zalo", "Loa"]


async def test_an_open_poll_cannot_change_its_questions(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """The draft editor's form sent to an open poll is refused (its safe edits have a form of
    their own: tests/console/test_managing.py)."""
    await login(client, "officer")
    response = await post_form(
        client, f"/console/polls/{open_poll.id}/edit", editor_form(*ALL_KINDS)
    )
    assert response.status_code == 409
    poll = await polls.get(world.principals["officer"], open_poll.id)
    assert poll.title == SAMPLE_POLL["title"]


async def test_open_then_close(client: httpx.AsyncClient, world: World) -> None:
    poll_id = await create_draft(client, world)
    await login(client, "officer")
    page = await client.get(f"/console/polls/{poll_id}")
    assert f'action="/console/polls/{poll_id}/open"' in page.text
    opened = await post_form(client, f"/console/polls/{poll_id}/open")
    assert opened.status_code == 303
    assert await status_of(poll_id) == "open"
    page = await client.get(f"/console/polls/{poll_id}")
    assert f'href="/console/polls/{poll_id}/close"' in page.text
    assert f'action="/console/polls/{poll_id}/open"' not in page.text
    again = await post_form(client, f"/console/polls/{poll_id}/open")
    assert again.status_code == 409
    closed = await post_form(client, f"/console/polls/{poll_id}/close", {"confirm": "close"})
    assert closed.status_code == 303
    assert await status_of(poll_id) == "closed"


async def test_duplicate_makes_a_new_draft(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await login(client, "officer")
    response = await post_form(client, f"/console/polls/{open_poll.id}/duplicate")
    assert response.status_code == 303
    copy_id = int(response.headers["location"].split("/")[3])
    assert copy_id != open_poll.id
    assert await status_of(copy_id) == "draft"
    assert (await client.get(response.headers["location"])).status_code == 200


async def test_add_a_placement_and_see_its_link(client: httpx.AsyncClient, world: World) -> None:
    poll_id = await create_draft(client, world)
    await login(client, "officer")
    added = await post_form(
        client,
        f"/console/polls/{poll_id}/placements",
        {"label": "Bảng tin Cơ điện", "kind": "notice_board", "unit": "mk-cd"},
    )
    assert added.status_code == 303
    placement = await t.Placement.select().where(t.Placement.poll == poll_id).first()
    assert placement["label"] == "Bảng tin Cơ điện"
    assert placement["kind"] == "notice_board"
    page = await client.get(f"/console/polls/{poll_id}")
    assert f'value="http://127.0.0.1:8000/p/{placement["code"]}"' in page.text
    assert "readonly" in page.text
    assert "Phân xưởng Cơ điện" in page.text


@pytest.mark.usefixtures("english")
async def test_a_placement_without_label_is_refused_with_a_message(
    client: httpx.AsyncClient, world: World
) -> None:
    poll_id = await create_draft(client, world)
    await login(client, "officer")
    refused = await post_form(
        client, f"/console/polls/{poll_id}/placements", {"label": " ", "kind": "canteen"}
    )
    assert refused.status_code == 422
    assert "Give a label of up to 200 characters." in refused.text
    bad_unit = await post_form(
        client,
        f"/console/polls/{poll_id}/placements",
        {"label": "Nhà ăn", "kind": "canteen", "unit": "than-ha-lam"},
    )
    assert bad_unit.status_code == 422
    assert 'value="Nhà ăn"' in bad_unit.text
    assert await t.Placement.count() == 0


async def test_a_post_without_csrf_token_changes_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    poll_id = await create_draft(client, world)
    await login(client, "officer")
    await client.get("/console")
    for path, data in (
        (f"/console/polls/{poll_id}/open", {}),
        (f"/console/polls/{poll_id}/placements", {"label": "Nhà ăn", "kind": "canteen"}),
        ("/console/polls/new", editor_form(*ALL_KINDS)),
    ):
        response = await client.post(path, data=data)
        assert response.status_code == 403, path
        forged = await client.post(path, data={**data, "_csrf_token": "forged"})
        assert forged.status_code == 403, path
    assert await status_of(poll_id) == "draft"
    assert await t.Placement.count() == 0
    assert await t.Poll.count() == 1


async def test_a_viewer_reads_but_cannot_change(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    draft_id = await create_draft(client, world, title="Bản nháp")
    await login(client, "viewer")
    listing = await client.get("/console")
    assert listing.status_code == 200
    assert SAMPLE_POLL["title"] in listing.text
    assert "/console/polls/new" not in listing.text
    page = await client.get(f"/console/polls/{draft_id}")
    assert page.status_code == 200
    assert "/open" not in page.text
    assert "/placements" not in page.text
    assert "/edit" not in page.text
    assert (await client.get(f"/console/polls/{open_poll.id}/results")).status_code == 200
    assert (await client.get("/console/polls/new")).status_code == 403
    assert (await client.get(f"/console/polls/{draft_id}/edit")).status_code == 403
    for path, data in (
        ("/console/polls/new", editor_form(*ALL_KINDS)),
        (f"/console/polls/{draft_id}/open", {}),
        (f"/console/polls/{draft_id}/edit", editor_form(*ALL_KINDS)),
        (f"/console/polls/{open_poll.id}/close", {}),
        (f"/console/polls/{open_poll.id}/duplicate", {}),
        (f"/console/polls/{open_poll.id}/placements", {"label": "Nhà ăn", "kind": "canteen"}),
    ):
        response = await post_form(client, path, data)
        assert response.status_code == 403, path
        assert "<html" in response.text
    assert await status_of(draft_id) == "draft"
    assert await status_of(open_poll.id) == "open"
    assert await t.Poll.count() == 2
    assert await t.Placement.count() == 1


async def test_html_in_user_text_is_escaped_on_every_page(
    client: httpx.AsyncClient, world: World
) -> None:
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    questions = [
        {"kind": "single", "text": evil, "options": [evil, "b"]},
        {"kind": "scale", "text": "s", "min": 1, "max": 5, "min_label": evil, "max_label": evil},
    ]
    created = await client.post(
        "/api/v1/polls",
        json={**SAMPLE_POLL, "title": evil, "description": evil, "questions": questions},
        headers=world.auth("officer"),
    )
    poll_id = created.json()["id"]
    await client.post(
        f"/api/v1/polls/{poll_id}/placements",
        json={"label": evil, "kind": "canteen"},
        headers=world.auth("officer"),
    )
    await login(client, "officer")
    draft_pages = ["/console", f"/console/polls/{poll_id}", f"/console/polls/{poll_id}/edit"]
    open_pages = [
        f"/console/polls/{poll_id}/results",
        f"/console/polls/{poll_id}/results?by=placement",
    ]
    for path in draft_pages:
        await check_escaped(client, path)
    assert (await post_form(client, f"/console/polls/{poll_id}/open")).status_code == 303
    for path in open_pages:
        await check_escaped(client, path)


async def check_escaped(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200, path
    assert "<script>" not in page.text, path
    assert "<img src=x" not in page.text, path
    assert "&lt;script&gt;" in page.text, path


async def test_a_bad_breakdown_is_a_4xx(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await login(client, "officer")
    response = await client.get(f"/console/polls/{open_poll.id}/results?by=<day>")
    assert response.status_code == 422
    assert "<day>" not in response.text


async def test_an_unknown_poll_is_not_found(client: httpx.AsyncClient, world: World) -> None:
    await login(client, "admin")
    assert (await client.get("/console/polls/999999")).status_code == 404
    assert (await client.get("/console/polls/abc")).status_code == 404
    assert (await post_form(client, "/console/polls/999999/open")).status_code == 404


def test_block_keys_map_back_to_the_form() -> None:
    from polls.console.drafting import form_errors

    errors = form_errors({"title": "t", "questions.1.options": "o", "questions": "q"}, (0, 3))
    assert errors == {"title": "t", "q3.options": "o", "questions": "q"}
    assert re.match(r"q\d+\.options", next(iter(k for k in errors if k.startswith("q3"))))


@pytest.mark.usefixtures("english")
async def test_times_are_read_and_shown_in_vietnam_time(
    client: httpx.AsyncClient, world: World
) -> None:
    await login(client, "officer")
    form = editor_form(*ALL_KINDS, opens_at="2030-01-02T07:30", closes_at="2030-01-09T17:00:00")
    created = await post_form(client, "/console/polls/new", form)
    assert created.status_code == 303, created.text
    poll_id = int(created.headers["location"].rsplit("/", 1)[1])
    poll = await polls.get(world.principals["officer"], poll_id)
    assert poll.opens_at is not None
    assert poll.closes_at is not None
    assert poll.opens_at.astimezone(UTC) == datetime(2030, 1, 2, 0, 30, tzinfo=UTC)
    assert poll.closes_at.astimezone(UTC) == datetime(2030, 1, 9, 10, 0, tzinfo=UTC)
    page = await client.get(f"/console/polls/{poll_id}/edit")
    assert 'value="2030-01-02T07:30"' in page.text
    assert 'value="2030-01-09T17:00"' in page.text
    reversed_times = editor_form(
        *ALL_KINDS, opens_at="2030-01-09T07:30", closes_at="2030-01-02T07:30"
    )
    refused = await post_form(client, f"/console/polls/{poll_id}/edit", reversed_times)
    assert refused.status_code == 422
    assert "The closing time must come after the opening time." in refused.text
