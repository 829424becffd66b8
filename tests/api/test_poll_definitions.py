"""Officer input: invalid poll definitions get 422 with per-field errors and store nothing;
state changes that clash with a poll's state get 409; markup in titles, labels and answers is
stored as given and escaped wherever it is rendered."""

from __future__ import annotations

from typing import Any

import httpx

from polls import tables as t
from tests.conftest import (
    SAMPLE_POLL,
    OpenPoll,
    World,
    answer,
    create_draft_poll,
    create_open_poll,
    snapshot,
)

EN = {"Accept-Language": "en"}


def _questions(*questions: dict[str, Any]) -> dict[str, Any]:
    return {"questions": list(questions)}


SINGLE = {"kind": "single", "text": "Chọn một", "options": ["A", "B"]}

INVALID_DEFINITIONS: list[tuple[str, dict[str, Any], set[str]]] = [
    ("no questions", _questions(), {"questions"}),
    (
        "single with one option",
        _questions({**SINGLE, "options": ["Chỉ một"]}),
        {"questions.0.options"},
    ),
    ("single with no options", _questions({**SINGLE, "options": []}), {"questions.0.options"}),
    (
        "multi with one option",
        _questions({**SINGLE, "kind": "multi", "options": ["A"]}),
        {"questions.0.options"},
    ),
    (
        "two options alike",
        _questions({**SINGLE, "options": ["Zalo", " zalo "]}),
        {"questions.0.options"},
    ),
    ("an empty option", _questions({**SINGLE, "options": ["A", "  "]}), {"questions.0.options"}),
    (
        "scale min equal to max",
        _questions({"kind": "scale", "text": "Thang", "min": 3, "max": 3}),
        {"questions.0.scale"},
    ),
    (
        "scale min above max",
        _questions({"kind": "scale", "text": "Thang", "min": 5, "max": 1}),
        {"questions.0.scale"},
    ),
    ("scale without bounds", _questions({"kind": "scale", "text": "Thang"}), {"questions.0.scale"}),
    (
        "scale beyond 10",
        _questions({"kind": "scale", "text": "Thang", "min": 1, "max": 11}),
        {"questions.0.max"},
    ),
    (
        "multi max_choices above its options",
        _questions({**SINGLE, "kind": "multi", "max_choices": 3}),
        {"questions.0.max_choices"},
    ),
    ("unknown kind", _questions({"kind": "ranking", "text": "Xếp hạng"}), {"questions.0.kind"}),
    ("blank question text", _questions({**SINGLE, "text": "   "}), {"questions.0.text"}),
    ("title too long", {"title": "T" * 301}, {"title"}),
    ("blank title", {"title": "   "}, {"title"}),
    ("min group size under 3", {"min_group_size": 2}, {"min_group_size"}),
    ("unknown duplicate policy", {"duplicate_policy": "ip"}, {"duplicate_policy"}),
    ("unknown language", {"language": "fr"}, {"language"}),
    (
        "closes before it opens",
        {"opens_at": "2030-01-02T00:00:00Z", "closes_at": "2030-01-01T00:00:00Z"},
        {"closes_at"},
    ),
    ("unknown field", {"colour": "red"}, {"colour"}),
    ("wrong type", {"min_group_size": "five"}, {"min_group_size"}),
    (
        "errors in two questions at once",
        _questions(
            SINGLE, {**SINGLE, "options": ["A"]}, {"kind": "scale", "text": "x", "min": 2, "max": 1}
        ),
        {"questions.1.options", "questions.2.scale"},
    ),
]


async def test_invalid_definitions_get_422_per_field(
    client: httpx.AsyncClient, world: World
) -> None:
    """Each invalid definition in turn: each is checked to change no table, so the next
    one meets the database as it was."""
    before = await snapshot()
    for name, change, fields in INVALID_DEFINITIONS:
        sent = await client.post(
            "/api/v1/polls",
            json={**SAMPLE_POLL, **change},
            headers={**world.auth("officer"), **EN},
        )
        assert sent.status_code == 422, (name, sent.text)
        body = sent.json()
        assert body["status_code"] == 422, name
        assert body["detail"] == "Some fields need correcting.", name
        assert set(body["errors"]) == fields, name
        for message in body["errors"].values():
            assert message, name
            assert "`" not in message, f"{name}: a parser's message leaked, not a human one"
        assert await snapshot() == before, name


async def test_invalid_questions_in_a_draft_patch_get_422(
    client: httpx.AsyncClient, world: World
) -> None:
    draft = await create_draft_poll(client, world)
    before = await snapshot()
    sent = await client.patch(
        f"/api/v1/polls/{draft['id']}",
        json=_questions({**SINGLE, "options": ["A"]}),
        headers=world.auth("officer"),
    )
    assert sent.status_code == 422, sent.text
    assert set(sent.json()["errors"]) == {"questions.0.options"}
    assert await snapshot() == before


async def test_a_draft_can_change_its_questions(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_draft_poll(client, world)
    sent = await client.patch(
        f"/api/v1/polls/{draft['id']}",
        json={"title": "Mới", **_questions(SINGLE)},
        headers=world.auth("officer"),
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["title"] == "Mới"
    assert [q["text"] for q in sent.json()["questions"]] == ["Chọn một"]
    assert await t.Question.count().where(t.Question.poll == draft["id"]) == 1


# --- state changes that clash with the poll's state ---------------------------------------


CLASHES: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("questions", "PATCH", "", _questions(SINGLE)),
    ("lower min_group_size", "PATCH", "", {"min_group_size": 4}),
    ("looser duplicate policy", "PATCH", "", {"duplicate_policy": "none"}),
    ("unit", "PATCH", "", {"unit": "mk-kt3"}),
    ("open twice", "POST", "/open", None),
]


async def test_changes_that_clash_with_an_open_poll_are_409(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """Each clash in turn: each is checked to change no table, so the next one meets the
    open poll as it was."""
    before = await snapshot()
    for name, method, path, body in CLASHES:
        sent = await client.request(
            method, f"/api/v1/polls/{open_poll.id}{path}", json=body, headers=world.auth("officer")
        )
        assert sent.status_code == 409, (name, sent.text)
        assert sent.json()["status_code"] == 409, name
        assert sent.json()["detail"], name
        assert await snapshot() == before, name


async def test_an_open_poll_can_become_stricter_and_retitled(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    sent = await client.patch(
        f"/api/v1/polls/{open_poll.id}",
        json={"min_group_size": 8, "title": "Tiêu đề sửa"},
        headers=world.auth("officer"),
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["min_group_size"] == 8
    assert sent.json()["title"] == "Tiêu đề sửa"
    stored = await t.Poll.select(t.Poll.min_group_size).where(t.Poll.id == open_poll.id).first()
    assert stored == {"min_group_size": 8}


async def test_closing_a_draft_is_409(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_draft_poll(client, world)
    before = await snapshot()
    sent = await client.post(f"/api/v1/polls/{draft['id']}/close", headers=world.auth("officer"))
    assert sent.status_code == 409, sent.text
    assert await snapshot() == before


async def test_a_closed_poll_is_final(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    closed = await client.post(f"/api/v1/polls/{open_poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    before = await snapshot()
    for method, path, body in [
        ("POST", "/close", None),
        ("POST", "/open", None),
        ("PATCH", "", {"title": "Sửa"}),
        ("POST", "/placements", {"label": "Muộn"}),
    ]:
        sent = await client.request(
            method, f"/api/v1/polls/{open_poll.id}{path}", json=body, headers=world.auth("officer")
        )
        assert sent.status_code == 409, (method, path, sent.text)
    assert await snapshot() == before


async def test_duplicate_makes_a_draft_in_the_same_series(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    original = (
        await client.get(f"/api/v1/polls/{open_poll.id}", headers=world.auth("officer"))
    ).json()
    copy = await client.post(
        f"/api/v1/polls/{open_poll.id}/duplicate", headers=world.auth("officer")
    )
    assert copy.status_code == 201
    made = copy.json()
    assert made["status"] == "draft"
    assert made["series"] == original["series"]
    assert made["id"] != open_poll.id
    assert [q["text"] for q in made["questions"]] == [q["text"] for q in original["questions"]]


# --- markup is data, never markup ----------------------------------------------------------

SCRIPT = "<script>alert('x')</script>"
BOLD = "<b onmouseover=alert(1)>đậm</b>"


async def test_markup_is_stored_as_given_and_escaped_on_the_form(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(
        client,
        world,
        title=f"Tiêu đề {SCRIPT}",
        description=f"Mô tả {BOLD}",
        questions=[
            {"kind": "single", "text": f"Câu {SCRIPT}", "options": [f"Lựa chọn {BOLD}", "Khác"]},
            {
                "kind": "scale",
                "text": "Thang",
                "min": 1,
                "max": 5,
                "min_label": SCRIPT,
                "max_label": "Tốt",
            },
            {"kind": "text", "text": "Góp ý", "required": False},
        ],
    )
    stored = (await client.get(f"/api/v1/polls/{poll.id}", headers=world.auth("officer"))).json()
    assert stored["title"] == f"Tiêu đề {SCRIPT}"
    assert stored["questions"][0]["options"][0]["label"] == f"Lựa chọn {BOLD}"
    assert stored["questions"][1]["min_label"] == SCRIPT

    page = await client.get(f"/p/{poll.code}")
    assert page.status_code == 200
    _assert_escaped(page.text)
    assert "&lt;script&gt;" in page.text

    # re-rendered after a wrong answer, with the worker's own markup kept in the text box
    text_id = poll.questions[2]["id"]
    rerendered = await client.post(f"/p/{poll.code}", data={f"q{text_id}": f"Ý kiến {SCRIPT}"})
    assert rerendered.status_code == 422
    _assert_escaped(rerendered.text)
    assert "Ý kiến &lt;script&gt;" in rerendered.text


async def test_markup_in_answers_is_stored_as_given_and_json_stays_json(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world, min_group_size=3, duplicate_policy="none")
    for _ in range(10):  # free text is released from 10 answers to the question
        assert (await answer(client, poll.code, poll.answers(SCRIPT))).status_code == 201
    stored = await t.Answer.select(t.Answer.value_text).where(t.Answer.value_text.is_not_null())
    assert [row["value_text"] for row in stored] == [SCRIPT] * 10
    results = await client.get(f"/api/v1/polls/{poll.id}/results", headers=world.auth("officer"))
    assert results.headers["content-type"].startswith("application/json")
    texts = next(q for q in results.json()["questions"] if q["kind"] == "text")["texts"]
    assert texts == [SCRIPT] * 10


async def test_error_pages_escape_what_the_request_carried(client: httpx.AsyncClient) -> None:
    for path in ["/p/%3Cscript%3Ealert(1)%3C%2Fscript%3E", "/%3Cscript%3Ealert(1)%3C%2Fscript%3E"]:
        page = await client.get(path)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        _assert_escaped(page.text)


def _assert_escaped(html: str) -> None:
    # the form's own script is allowed by its hash; no script from user text may appear
    scripts = html.split("<script>")[1:]
    assert all(not body.startswith("alert(") for body in scripts)
    assert "<script>alert" not in html
    assert "<b onmouseover" not in html
