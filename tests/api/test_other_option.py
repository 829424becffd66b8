"""Help text and the "other (please specify)" option through the JSON API: definitions take
and return them strictly, and answers carry the text beside "other" as ``"<id>.other"``,
stored on that option's row; bad input is a 422 in the reader's language, nothing stored."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from polls import tables as t
from tests.conftest import SAMPLE_POLL, World, answer_as_new_device, create_open_poll, snapshot

QUESTIONS = [
    {
        "kind": "single",
        "text": "Bữa ăn có đủ no không?",
        "options": ["Đủ", "Chưa đủ"],
        "help": "Nghĩ đến tuần vừa qua.",
        "other": "Khác (ghi rõ)",
    },
    {
        "kind": "multi",
        "text": "Cần cải thiện gì?",
        "options": ["Khẩu phần", "Vệ sinh", "Giờ ăn"],
        "max_choices": 2,
        "other": "Khác (ghi rõ)",
        "required": False,
    },
    {"kind": "yes_no", "text": "Có nên họp tổ?", "required": False},
]


async def test_definitions_take_and_return_help_and_other(
    client: httpx.AsyncClient, world: World
) -> None:
    made = await client.post(
        "/api/v1/polls", json={**SAMPLE_POLL, "questions": QUESTIONS}, headers=world.auth("officer")
    )
    assert made.status_code == 201, made.text
    single, multi, yes_no = made.json()["questions"]
    assert single["help"] == "Nghĩ đến tuần vừa qua."
    assert [(o["label"], o["other"]) for o in single["options"]] == [
        ("Đủ", False),
        ("Chưa đủ", False),
        ("Khác (ghi rõ)", True),
    ]
    assert multi["options"][-1]["other"] is True
    assert yes_no["help"] == ""
    assert yes_no["options"] == []
    read = await client.get(f"/api/v1/polls/{made.json()['id']}", headers=world.auth("officer"))
    assert read.json()["questions"] == made.json()["questions"]
    schema = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    assert {"help", "other"} <= set(schema["QuestionIn"]["properties"])
    assert "other" in schema["OptionRead"]["properties"]


EN = {"Accept-Language": "en"}
VI = {"Accept-Language": "vi"}


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({**QUESTIONS[0], "help": "x" * 501}, "questions.0.help"),
        ({**QUESTIONS[0], "other": "x" * 301}, "questions.0.other"),
        (
            {"kind": "scale", "text": "Thang", "min": 1, "max": 5, "other": "Khác"},
            "questions.0.other",
        ),
        ({**QUESTIONS[0], "other": "chưa đủ"}, "questions.0.options"),
        ({**QUESTIONS[0], "help": "Nghĩ\x1bđến"}, "questions.0.help"),
        ({**QUESTIONS[0], "colour": "red"}, "questions.0.colour"),
        ({**QUESTIONS[0], "other": True}, "questions.0.other"),
    ],
)
async def test_bad_help_or_other_is_a_422_per_field(
    client: httpx.AsyncClient, world: World, question: dict[str, Any], field: str
) -> None:
    before = await snapshot()
    for language in (EN, VI):
        sent = await client.post(
            "/api/v1/polls",
            json={**SAMPLE_POLL, "questions": [question]},
            headers={**world.auth("officer"), **language},
        )
        assert sent.status_code == 422, sent.text
        body = sent.json()
        assert set(body["errors"]) == {field}, body
        assert body["detail"] == (
            "Some fields need correcting." if language is EN else "Một số mục cần sửa lại."
        )
    assert await snapshot() == before


async def other_rows(poll_id: int) -> list[tuple[str, bool, str | None]]:
    rows = await t.Answer.select(
        t.Answer.option.label, t.Answer.option.other, t.Answer.value_text
    ).where(t.Answer.poll == poll_id, t.Answer.option.is_not_null())
    return sorted(
        ((r["option.label"], bool(r["option.other"]), r["value_text"]) for r in rows),
        key=lambda row: (row[0], row[2] or ""),
    )


async def test_the_text_beside_other_is_stored_on_that_options_row(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world, questions=QUESTIONS)
    single, multi, _ = poll.questions
    other, other_multi = single["options"][-1]["id"], multi["options"][-1]["id"]
    sent = await answer_as_new_device(
        client,
        poll.code,
        {
            str(single["id"]): other,
            f"{single['id']}.other": "  Cơm nguội  ",
            str(multi["id"]): [multi["options"][0]["id"], other_multi],
            f"{multi['id']}.other": "Ghế ngồi",
        },
    )
    assert sent.status_code == 201, sent.text
    # text with nothing chosen chooses "other"; "other" without text is a plain choice
    sent = await answer_as_new_device(
        client,
        poll.code,
        {f"{single['id']}.other": "Thiếu canh", str(multi["id"]): [other_multi]},
    )
    assert sent.status_code == 201, sent.text
    # an empty text beside another choice is no text at all
    sent = await answer_as_new_device(
        client,
        poll.code,
        {str(single["id"]): single["options"][0]["id"], f"{single['id']}.other": " "},
    )
    assert sent.status_code == 201, sent.text
    assert await other_rows(poll.id) == [
        ("Khác (ghi rõ)", True, None),
        ("Khác (ghi rõ)", True, "Cơm nguội"),
        ("Khác (ghi rõ)", True, "Ghế ngồi"),
        ("Khác (ghi rõ)", True, "Thiếu canh"),
        ("Khẩu phần", False, None),
        ("Đủ", False, None),
    ]


@pytest.mark.parametrize(
    ("answers", "vi", "en"),
    [
        (  # text beside another single choice
            lambda s, m, y: {str(s["id"]): s["options"][0]["id"], f"{s['id']}.other": "x"},
            "Hãy chọn “Khác (ghi rõ)” để tự ghi câu trả lời",
            "Choose “Khác (ghi rõ)” to write your own answer",
        ),
        (  # a question with no "other" takes no ".other"
            lambda s, m, y: {str(s["id"]): s["options"][0]["id"], f"{y['id']}.other": "x"},
            "Câu hỏi này không thuộc khảo sát.",
            "This question is not part of the poll.",
        ),
        (
            lambda s, m, y: {f"{s['id']}.other": 5},
            None,
            "Write your answer as text.",
        ),
        (  # "other" on top of two choices goes beyond the limit of 2
            lambda s, m, y: {
                str(s["id"]): s["options"][0]["id"],
                str(m["id"]): [m["options"][0]["id"], m["options"][1]["id"]],
                f"{m['id']}.other": "thêm",
            },
            None,
            "Choose at most 2 options.",
        ),
        (
            lambda s, m, y: {f"{s['id']}.other": "x" * 5001},
            None,
            "Keep the answer under 5000 characters.",
        ),
    ],
)
async def test_bad_other_answers_are_refused_in_the_readers_language(
    client: httpx.AsyncClient, world: World, answers: Any, vi: str | None, en: str
) -> None:
    poll = await create_open_poll(client, world, questions=QUESTIONS)
    before = await snapshot()
    sent = answers(*poll.questions)
    for language, message in ((EN, en), (VI, vi)):
        client.cookies.clear()
        got = await client.post(
            f"/api/v1/forms/{poll.code}/responses", json={"answers": sent}, headers=language
        )
        assert got.status_code == 422, got.text
        if message:
            assert message in got.text
    assert await snapshot() == before
