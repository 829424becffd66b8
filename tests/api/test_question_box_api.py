"""The question box's JSON API (issue 15), end to end over HTTP: a worker asks, follows up
by code and adds the one further message; officers assign, reply, mark handled, escalate,
hide and publish, each within their roles and subtree. Refusals are asserted by status and
message, in the caller's language, with nothing stored; asking and looking codes up are
rate limited as on the web form (``tests/forms/test_question_box.py``). The service's own
rules are tested in ``tests/services/test_question_box.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.ratelimit import WINDOW
from polls.services import accounts
from tests.conftest import PASSWORD, SECRET, World, frozen_minute, snapshot

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]
VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}
ARRIVAL = datetime(2026, 12, 4, 7, 35, tzinfo=UTC)
ARRIVAL_HOUR = datetime(2026, 12, 4, 7, tzinfo=UTC)
QUESTION = "Ca ba ở lò chợ 5 không có nước uống, đề nghị công đoàn kiểm tra."
RETRY_AFTER = str(WINDOW - int(frozen_minute()) % WINDOW)
"""The seconds left of the minute the rate limits' frozen clock stands in."""
REPLY = "Đã làm việc với phân xưởng, từ mai có bình nước ở lò chợ."


class Clock:
    """The API's clock (``polls.services.polls.now`` as the controller calls it), moved by
    the test: nothing sleeps."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock(ARRIVAL)
    monkeypatch.setattr("polls.api.controllers.question_box.now", moved)
    return moved


async def ask(
    client: httpx.AsyncClient,
    text: str = QUESTION,
    topic: str = "safety",
    slug: str = "mk-kt3",
    **headers: str,
) -> httpx.Response:
    return await client.post(
        f"/api/v1/box/{slug}/questions", json={"topic": topic, "text": text}, headers=headers
    )


async def follow(client: httpx.AsyncClient, code: str, **headers: str) -> httpx.Response:
    return await client.post("/api/v1/box/follow-up", json={"code": code}, headers=headers)


async def box_rows() -> dict[str, int]:
    return {
        table._meta.tablename: await table.count()
        for table in (t.BoxItem, t.BoxMessage, t.BoxEvent, t.BoxPublished)
    }


# --- 1. ask, follow up, the reply, the one further message --------------------------------


async def test_ask_follow_up_read_the_reply_and_add_one_message(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    asked = await ask(client)
    assert asked.status_code == 201, asked.text
    code = asked.json()["code"]
    assert asked.json() == {"code": code, "follow_path": "/hoi/mk-kt3/theo-doi"}
    assert privacy.normal_box_code(code) == code
    # stored: the unit, topic, text and the hour; the code only as its keyed hash
    [item] = await t.BoxItem.select()
    assert item["arrived_hour"] == ARRIVAL_HOUR
    assert item["topic"] == "safety"
    assert item["follow_key"] == privacy.box_follow_key(SECRET, code)
    assert code not in repr(item)
    assert code.replace("-", "") not in repr(item)
    [message] = await t.BoxMessage.select()
    assert (message["body"], message["author"], message["at"]) == (QUESTION, "worker", ARRIVAL_HOUR)
    assert code not in repr(message)

    # the code as a worker types it: lower case, spaces for dashes
    read = await follow(client, "  " + code.lower().replace("-", " ") + " ")
    assert read.status_code == 200, read.text
    thread = read.json()
    assert (thread["unit"], thread["topic"], thread["status"]) == ("mk-kt3", "safety", "open")
    assert [(m["author"], m["body"]) for m in thread["messages"]] == [("worker", QUESTION)]
    assert thread["messages"][0]["at"].startswith("2026-12-04T07:00:00")
    assert thread["may_add"] is True

    [queued] = (await client.get("/api/v1/box/items/", headers=world.auth("officer"))).json()
    clock.at = ARRIVAL + timedelta(hours=3)
    replied = await client.post(
        f"/api/v1/box/items/{queued['id']}/reply",
        json={"text": REPLY},
        headers=world.auth("officer"),
    )
    assert replied.status_code == 200, replied.text
    assert replied.json()["clock"] == {"state": "answered", "hours": 3}

    thread = (await follow(client, code)).json()
    assert [(m["author"], m["body"]) for m in thread["messages"]] == [
        ("worker", QUESTION),
        ("officer", REPLY),
    ]
    assert thread["messages"][1]["officer_name"]

    clock.at = ARRIVAL + timedelta(hours=4, minutes=10)
    added = await client.post(
        "/api/v1/box/follow-up/messages", json={"code": code, "text": "Cảm ơn công đoàn."}
    )
    assert added.status_code == 201, added.text
    assert added.json()["may_add"] is False
    assert [m["body"] for m in added.json()["messages"]][-1] == "Cảm ơn công đoàn."
    assert added.json()["messages"][-1]["at"].startswith("2026-12-04T11:00:00")  # the hour
    for headers, words in (
        (VI, "Bạn đã gửi tin nhắn bổ sung rồi."),
        (EN, "You have already added your one further message."),
    ):
        again = await client.post(
            "/api/v1/box/follow-up/messages",
            json={"code": code, "text": "Lại nữa."},
            headers=headers,
        )
        assert again.status_code == 409, again.text
        assert again.json()["detail"] == words
    assert await t.BoxMessage.count() == 3
    assert (await follow(client, code)).json()["may_add"] is False


# --- 2. bad input --------------------------------------------------------------------------


TOO_LONG = ("Nội dung quá dài.", "This text is too long.")
BOX_MEDIA = (
    "Câu hỏi chỉ được nhận dưới dạng JSON",
    "Questions are accepted only as JSON",
)
ASK_BAD: list[tuple[str, dict[str, Any], int, str, tuple[str, str]]] = [
    # (name, request, status, field, (vi, en)); the field "" is the detail
    ("unknown topic", {"json": {"topic": "weather", "text": QUESTION}}, 422, "topic",
     ("Hãy chọn một chủ đề.", "Choose a topic.")),
    ("topic not a string", {"json": {"topic": 3, "text": QUESTION}}, 422, "topic",
     ("Giá trị này sai kiểu dữ liệu.", "This value has the wrong type.")),
    ("no topic", {"json": {"text": QUESTION}}, 422, "topic",
     ("Mục này là bắt buộc.", "This field is required.")),
    ("empty text", {"json": {"topic": "meals", "text": ""}}, 422, "text",
     ("Xin viết thêm một chút.", "Write a little more, please.")),
    ("blank text", {"json": {"topic": "meals", "text": " \n\t "}}, 422, "text",
     ("Xin viết thêm một chút.", "Write a little more, please.")),
    ("text over the question's limit", {"json": {"topic": "meals", "text": "x" * 2001}}, 422,
     "text", TOO_LONG),
    ("text over the schema's limit", {"json": {"topic": "meals", "text": "x" * 8001}}, 422,
     "text", TOO_LONG),
    ("an extra field", {"json": {"topic": "meals", "text": QUESTION, "name": "Nguyễn Văn A"}},
     422, "name", ("Mục này không được dùng ở đây.", "This field is not expected here.")),
    ("not JSON", {"content": b'{"topic": "meals", "text": ', "headers": {
        "content-type": "application/json"}}, 400, "",
     ("Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON.")),
    ("a JSON list", {"json": [QUESTION]}, 422, "body",
     ("Giá trị này sai kiểu dữ liệu.", "This value has the wrong type.")),
    ("an empty body", {"content": b"", "headers": {"content-type": "application/json"}}, 400,
     "", ("Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON.")),
    # the 415 is the shared guard's (polls/forms/guards.py), in the question box's words
    ("plain text", {"content": QUESTION.encode(), "headers": {"content-type": "text/plain"}},
     415, "", BOX_MEDIA),
    ("the form's encoding", {"data": {"topic": "meals", "text": QUESTION}}, 415, "",
     BOX_MEDIA),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sent", "status", "field", "words"),
    [case[1:] for case in ASK_BAD],
    ids=[case[0] for case in ASK_BAD],
)
async def test_a_bad_question_is_a_4xx_in_the_callers_language_and_stores_nothing(
    client: httpx.AsyncClient,
    world: World,
    sent: dict[str, Any],
    status: int,
    field: str,
    words: tuple[str, str],
) -> None:
    before = await snapshot()
    for language, expected in zip((VI, EN), words, strict=True):
        request = {**sent, "headers": {**sent.get("headers", {}), **language}}
        refused = await client.post("/api/v1/box/mk-kt3/questions", **request)
        assert refused.status_code == status, refused.text
        body = refused.json()
        assert body["status_code"] == status
        said = body["errors"][field] if field else body["detail"]
        assert said.startswith(expected), (language, body)
    assert await snapshot() == before


async def test_an_unknown_box_is_a_404_in_the_callers_language(
    client: httpx.AsyncClient, world: World
) -> None:
    before = await snapshot()
    for slug in ("khong-co", "MK-KT3", "mk_kt3"):
        for language, words in (
            (VI, "Không có hộp thư hỏi đáp ở địa chỉ này."),
            (EN, "There is no question box at this address."),
        ):
            asked = await ask(client, slug=slug, **language)
            assert asked.status_code == 404, (slug, asked.text)
            assert asked.json()["detail"] == words
            answers = await client.get(f"/api/v1/box/{slug}/answers", headers=language)
            assert answers.status_code == 404
            assert answers.json()["detail"] == words
    assert await snapshot() == before


async def test_bad_follow_ups_are_refused_in_the_callers_language_and_store_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    code = (await ask(client)).json()["code"]
    before = await snapshot()
    wrong = ("Không có câu hỏi nào ứng với mã này.", "No question matches this code.")
    cases: list[tuple[str, dict[str, Any], int, str, tuple[str, str]]] = [
        ("/follow-up", {"json": {"code": "AAAA-AAAA-AAAA"}}, 422, "code", wrong),
        ("/follow-up", {"json": {"code": ""}}, 422, "code", wrong),
        ("/follow-up", {"json": {"code": "A" * 41}}, 422, "code", TOO_LONG),
        ("/follow-up", {"json": {"code": code, "text": "x"}}, 422, "text",
         ("Mục này không được dùng ở đây.", "This field is not expected here.")),
        ("/follow-up", {"data": {"code": code}}, 415, "",
         BOX_MEDIA),
        ("/follow-up/messages", {"json": {"code": code, "text": ""}}, 422, "text",
         ("Hãy viết nội dung.", "Write your message.")),
        ("/follow-up/messages", {"json": {"code": code, "text": "x" * 2001}}, 422, "text",
         TOO_LONG),
        ("/follow-up/messages", {"json": {"code": code}}, 422, "text",
         ("Mục này là bắt buộc.", "This field is required.")),
        ("/follow-up/messages", {"json": {"code": "AAAA-AAAA-AAAA", "text": "Thêm."}}, 422,
         "code", wrong),
        ("/follow-up/messages", {"content": b"{", "headers": {
            "content-type": "application/json"}}, 400, "",
         ("Nội dung yêu cầu không phải JSON hợp lệ.", "The request body is not valid JSON.")),
    ]  # fmt: skip
    for path, sent, status, field, words in cases:
        for language, expected in zip((VI, EN), words, strict=True):
            request = {**sent, "headers": {**sent.get("headers", {}), **language}}
            refused = await client.post(f"/api/v1/box{path}", **request)
            assert refused.status_code == status, (path, sent, refused.text)
            body = refused.json()
            said = body["errors"][field] if field else body["detail"]
            assert said.startswith(expected), (path, sent, language, body)
    assert await snapshot() == before
    assert (await follow(client, code)).json()["may_add"] is True


# --- 3. the rate limit on asking ----------------------------------------------------------


async def test_asking_is_rate_limited_per_device_and_per_address(
    make_client: MakeClient, world: World
) -> None:
    client = await make_client(trusted_proxies=1, clock=frozen_minute)
    device = {"x-polls-device": privacy.new_device_token(SECRET), "x-forwarded-for": "192.0.2.5"}
    statuses = [(await ask(client, **device)).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    before = await snapshot()
    for language, words in (
        (VI, "Bạn đã thử quá nhiều lần. Vui lòng đợi một phút rồi thử lại."),
        (EN, "Too many attempts. Please wait a minute and try again."),
    ):
        limited = await ask(client, **device, **language)
        assert limited.status_code == 429, limited.text
        assert limited.headers["retry-after"] == RETRY_AFTER
        assert limited.json()["detail"] == words
    assert await snapshot() == before
    # the same phone's cookie is the same device
    cookie = {"cookie": f"{privacy.DEVICE_COOKIE}={device['x-polls-device']}"}
    assert (await ask(client, **cookie, **{"x-forwarded-for": "192.0.2.6"})).status_code == 429
    # another phone behind another address is not held back
    assert (await ask(client, **{"x-forwarded-for": "192.0.2.9"})).status_code == 201
    # one address, many phones without a device token: the address's limit
    statuses = [
        (await ask(client, **{"x-forwarded-for": "192.0.2.10"})).status_code for _ in range(61)
    ]
    assert statuses == [201] * 60 + [429]
    assert await t.BoxItem.count() == 3 + 1 + 60
    assert await t.BoxMessage.count() == 3 + 1 + 60


# --- 4. officers' actions ------------------------------------------------------------------


async def workshop_officer() -> dict[str, str]:
    """An officer of the workshop KT3 itself, whose subtree is its own box only."""
    await accounts.create_officer("kt3-officer", PASSWORD, unit_slug="mk-kt3", role="officer")
    return {"Authorization": f"Bearer {await accounts.issue_token('kt3-officer')}"}


async def asked_item(client: httpx.AsyncClient, world: World) -> int:
    assert (await ask(client)).status_code == 201
    [queued] = (await client.get("/api/v1/box/items/", headers=world.auth("officer"))).json()
    return int(queued["id"])


ACTIONS: list[tuple[str, dict[str, Any] | None]] = [
    ("assign", {"assignee": "Ban Nữ công"}),
    ("reply", {"text": REPLY}),
    ("handle", None),
    ("escalate", None),
    ("hide", {"position": 0, "reason": "Nêu tên một người"}),
    ("publish", {"question": "Nước uống ở lò chợ?", "answer": "Đã có.", "consent": True}),
]


async def test_viewers_and_officers_of_other_units_change_nothing(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    item_id = await asked_item(client, world)
    await client.post(
        f"/api/v1/box/items/{item_id}/reply", json={"text": REPLY}, headers=world.auth("officer")
    )  # so that publishing is refused for the role, not for the missing reply
    before = await snapshot()
    refusals = {
        "viewer": (403, "Lãnh đạo xem được hộp thư hỏi đáp nhưng không trả lời trong đó."),
        "mk_viewer": (403, "Lãnh đạo xem được hộp thư hỏi đáp nhưng không trả lời trong đó."),
        "outsider": (404, "Không có câu hỏi này."),
    }
    for who, (status, words) in refusals.items():
        for action, body in ACTIONS:
            refused = await client.post(
                f"/api/v1/box/items/{item_id}/{action}",
                **({"json": body} if body is not None else {}),
                headers={**world.auth(who), **VI},
            )
            assert refused.status_code == status, (who, action, refused.text)
            assert refused.json()["detail"] == words, (who, action)
    english = await client.post(
        f"/api/v1/box/items/{item_id}/handle", headers={**world.auth("viewer"), **EN}
    )
    assert english.json()["detail"] == "Viewers can read the question box but not answer it."
    # the outsider cannot read it either, nor tell it from an item that does not exist
    for path in (str(item_id), str(item_id + 1), "abc"):
        read = await client.get(f"/api/v1/box/items/{path}", headers=world.auth("outsider"))
        assert read.status_code == 404
        assert read.json()["detail"] == "Không có câu hỏi này."
    assert (await client.get("/api/v1/box/items/", headers=world.auth("outsider"))).json() == []
    # viewers read it
    for who in ("viewer", "mk_viewer"):
        read = await client.get(f"/api/v1/box/items/{item_id}", headers=world.auth(who))
        assert read.status_code == 200
        assert read.json()["messages"][0]["body"] == QUESTION
    assert await snapshot() == before


async def test_assign_handle_and_hide(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    item_id = await asked_item(client, world)
    officer = world.auth("officer")
    item = f"/api/v1/box/items/{item_id}"
    assigned = await client.post(
        f"{item}/assign", json={"assignee": "Ban Nữ công"}, headers=officer
    )
    assert assigned.status_code == 200, assigned.text
    shown = (await client.get(item, headers=officer)).json()
    assert shown["assignee"] == "Ban Nữ công"
    assert [(e["action"], e["detail"]) for e in shown["events"]] == [("assign", "Ban Nữ công")]
    [queued] = (await client.get("/api/v1/box/items/", headers=officer)).json()
    assert queued["assignee"] == "Ban Nữ công"
    blank = await client.post(f"{item}/assign", json={"assignee": " "}, headers={**officer, **VI})
    assert blank.status_code == 422
    assert blank.json()["errors"]["assignee"] == "Hãy viết nội dung."
    assert (await client.get(item, headers=officer)).json()["assignee"] == "Ban Nữ công"

    handled = await client.post(f"{item}/handle", headers=officer)
    assert handled.status_code == 200, handled.text
    assert handled.json()["status"] == "handled"
    assert handled.json()["clock"]["state"] == "handled"
    again = await client.post(f"{item}/handle", headers={**officer, **VI})
    assert again.status_code == 409
    assert again.json()["detail"] == "Câu hỏi này đã được đánh dấu đã xử lý."

    before = await snapshot()
    short = await client.post(
        f"{item}/hide", json={"position": 0, "reason": "x"}, headers={**officer, **EN}
    )
    assert short.status_code == 422
    assert short.json()["errors"]["reason"] == "Write a little more, please."
    missing = await client.post(
        f"{item}/hide", json={"position": 7, "reason": "Nêu tên một người"}, headers=officer
    )
    assert missing.status_code == 422
    assert missing.json()["errors"]["position"] == "Không có tin nhắn này."
    assert await snapshot() == before
    hidden = await client.post(
        f"{item}/hide", json={"position": 0, "reason": "Nêu tên một người"}, headers=officer
    )
    assert hidden.status_code == 200, hidden.text
    [message] = hidden.json()["messages"]
    assert (message["hidden"], message["hidden_reason"]) == (True, "Nêu tên một người")
    assert message["body"] == QUESTION  # kept
    [queued] = (await client.get("/api/v1/box/items/", headers=officer)).json()
    assert queued["hidden"] is True
    [row] = await t.BoxMessage.select()
    assert (row["body"], row["hidden"]) == (QUESTION, True)


async def test_escalation_leaves_the_workshops_scope_and_keeps_the_clock(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    kt3 = await workshop_officer()
    item_id = await asked_item(client, world)
    item = f"/api/v1/box/items/{item_id}"
    assert (await client.get(item, headers=kt3)).json()["unit"] == "mk-kt3"
    clock.at = ARRIVAL_HOUR + timedelta(hours=25, minutes=20)
    escalated = await client.post(f"{item}/escalate", headers=kt3)
    assert escalated.status_code == 200, escalated.text
    shown = escalated.json()
    assert (shown["unit"], shown["origin"], shown["escalations"]) == ("than-mao-khe", "mk-kt3", 1)
    assert shown["clock"] == {"state": "due", "hours": 25}
    assert shown["events"][-1]["action"] == "escalate"
    # out of the workshop officer's scope: not on his queue, not his to read or change
    assert (await client.get("/api/v1/box/items/", headers=kt3)).json() == []
    before = await snapshot()
    assert (await client.get(item, headers=kt3)).status_code == 404
    for action, body in ACTIONS:
        refused = await client.post(
            f"{item}/{action}", **({"json": body} if body is not None else {}), headers=kt3
        )
        assert refused.status_code == 404, (action, refused.text)
    assert await snapshot() == before
    # the company's officer holds it now, and its clock counts on from the arrival hour
    clock.at = ARRIVAL_HOUR + timedelta(hours=49)
    held = (await client.get(item, headers=world.auth("officer"))).json()
    assert held["clock"] == {"state": "overdue", "hours": 49}
    [queued] = (await client.get("/api/v1/box/items/", headers=world.auth("officer"))).json()
    assert (queued["id"], queued["clock"]["state"]) == (item_id, "overdue")
    # up once more, to the national union; there is no level above it
    up = await client.post(f"{item}/escalate", headers=world.auth("officer"))
    assert (up.status_code, up.json()["unit"], up.json()["escalations"]) == (200, "cdtkv", 2)
    assert (await client.get(item, headers=world.auth("officer"))).status_code == 404
    top = await client.post(f"{item}/escalate", headers={**world.auth("admin"), **VI})
    assert top.status_code == 409
    assert top.json()["detail"] == "Đơn vị này không có cấp trên để chuyển câu hỏi."


async def test_publication_after_a_reply_and_with_consent_keeps_the_original_private(
    client: httpx.AsyncClient, world: World, clock: Clock
) -> None:
    item_id = await asked_item(client, world)
    officer = world.auth("officer")
    item = f"/api/v1/box/items/{item_id}"
    edited = {"question": "Nước uống ở lò chợ?", "answer": "Đã bổ sung bình nước cho ca ba."}
    before = await snapshot()
    early = await client.post(
        f"{item}/publish", json={**edited, "consent": True}, headers={**officer, **VI}
    )
    assert early.status_code == 409, early.text
    assert early.json()["detail"] == "Hãy trả lời câu hỏi trước khi công khai câu trả lời."
    assert await snapshot() == before
    await client.post(f"{item}/reply", json={"text": REPLY}, headers=officer)
    before = await snapshot()
    for body, field, words in (
        ({**edited, "consent": False}, "consent", "Hãy xác nhận bạn đã xoá tên"),
        (edited, "consent", "Mục này là bắt buộc."),
        ({**edited, "consent": "yes"}, "consent", "Giá trị này sai kiểu dữ liệu."),
        ({**edited, "question": "", "consent": True}, "question", "Hãy viết nội dung."),
    ):
        refused = await client.post(f"{item}/publish", json=body, headers={**officer, **VI})
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][field].startswith(words), (body, refused.json())
    assert await snapshot() == before
    assert (await client.get("/api/v1/box/mk-kt3/answers")).json() == []

    clock.at = ARRIVAL + timedelta(hours=5)
    published = await client.post(
        f"{item}/publish", json={**edited, "consent": True}, headers=officer
    )
    assert published.status_code == 200, published.text
    assert published.json()["published"]["question"] == edited["question"]
    assert published.json()["published"]["reply"] == edited["answer"]
    [shown] = (await client.get("/api/v1/box/mk-kt3/answers")).json()
    assert (shown["topic"], shown["question"], shown["reply"]) == (
        "safety",
        edited["question"],
        edited["answer"],
    )
    assert shown["published_at"].startswith("2026-12-04T12:35:00")
    public = (await client.get("/api/v1/box/mk-kt3/answers")).text
    assert QUESTION not in public  # the original thread stays private
    assert REPLY not in public
    assert (await client.get("/api/v1/box/mk-cd/answers")).json() == []
    bodies = [r["body"] for r in await t.BoxMessage.select().order_by(t.BoxMessage.position)]
    assert bodies == [QUESTION, REPLY]
    twice = await client.post(
        f"{item}/publish", json={**edited, "consent": True}, headers={**officer, **EN}
    )
    assert twice.status_code == 409
    assert twice.json()["detail"] == "This answer is published already."
    assert await t.BoxPublished.count() == 1


# --- 5. guessing codes ---------------------------------------------------------------------


async def test_guessing_codes_is_rate_limited_per_address_and_per_device(
    make_client: MakeClient, world: World
) -> None:
    client = await make_client(trusted_proxies=1, clock=frozen_minute)
    code = (await ask(client, **{"x-forwarded-for": "192.0.2.1"})).json()["code"]
    address = {"x-forwarded-for": "192.0.2.77"}
    statuses = [
        (await follow(client, privacy.new_box_code(), **address)).status_code for _ in range(30)
    ]
    assert statuses == [422] * 30
    # past the limit even the right code is refused, and so is adding a message
    for language, words in (
        (VI, "Bạn đã thử quá nhiều lần. Vui lòng đợi một phút rồi thử lại."),
        (EN, "Too many attempts. Please wait a minute and try again."),
    ):
        limited = await follow(client, code, **address, **language)
        assert limited.status_code == 429, limited.text
        assert limited.headers["retry-after"] == RETRY_AFTER
        assert limited.json()["detail"] == words
    before = await snapshot()
    added = await client.post(
        "/api/v1/box/follow-up/messages", json={"code": code, "text": "Thêm."}, headers=address
    )
    assert added.status_code == 429
    assert await snapshot() == before
    # one phone moving between addresses: the device's limit, shared by both paths
    device = privacy.new_device_token(SECRET)
    statuses = []
    for n in range(11):
        headers = {"x-polls-device": device, "x-forwarded-for": f"192.0.2.{100 + n}"}
        statuses.append((await follow(client, privacy.new_box_code(), **headers)).status_code)
    assert statuses == [422] * 10 + [429]
    # another phone elsewhere reads its thread
    assert (await follow(client, code, **{"x-forwarded-for": "192.0.2.200"})).status_code == 200
