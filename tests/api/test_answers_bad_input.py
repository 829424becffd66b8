"""Bad answers through the public JSON API: each gets its documented 4xx with a JSON body
``{"status_code", "detail", "errors"?}`` in the request's language, and nothing is stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from polls import privacy
from polls import tables as t
from tests.conftest import (
    SECRET,
    OpenPoll,
    World,
    add_placement,
    answer,
    answer_as_new_device,
    create_draft_poll,
    create_open_poll,
    snapshot,
    stored_counts,
)

EN = {"Accept-Language": "en"}

Answers = dict[str, Any]


def _with(poll: OpenPoll, index: int, value: Any) -> Answers:
    answers = poll.answers()
    answers[str(poll.questions[index]["id"])] = value
    return answers


def _without(poll: OpenPoll, *indexes: int) -> Answers:
    answers = poll.answers()
    for index in indexes:
        del answers[str(poll.questions[index]["id"])]
    return answers


def _option(poll: OpenPoll, question: int, option: int) -> int:
    return poll.questions[question]["options"][option]["id"]


# (name, answers for the sample poll, indexes of the questions the errors are keyed by)
# Questions: 0 single, 1 multi (max 2 of 4), 2 scale 1-5, 3 yes_no, 4 text (optional).
BAD_ANSWERS: list[tuple[str, Callable[[OpenPoll], Answers], tuple[int, ...]]] = [
    ("unknown option id", lambda p: _with(p, 0, 999_999), (0,)),
    ("option of another question", lambda p: _with(p, 0, _option(p, 1, 1)), (0,)),
    ("string for an option id", lambda p: _with(p, 0, "Zalo"), (0,)),
    ("bool for an option id", lambda p: _with(p, 0, True), (0,)),
    (
        "two options for a single choice",
        lambda p: _with(p, 0, [_option(p, 0, 0), _option(p, 0, 1)]),
        (0,),
    ),
    (
        "multi over max_choices",
        lambda p: _with(p, 1, [_option(p, 1, 0), _option(p, 1, 1), _option(p, 1, 2)]),
        (1,),
    ),
    (
        "multi with an option twice",
        lambda p: _with(p, 1, [_option(p, 1, 0), _option(p, 1, 0)]),
        (1,),
    ),
    ("multi with an unknown option", lambda p: _with(p, 1, [_option(p, 1, 0), 999_999]), (1,)),
    ("scale above its range", lambda p: _with(p, 2, 6), (2,)),
    ("scale below its range", lambda p: _with(p, 2, 0), (2,)),
    ("bool for a scale", lambda p: _with(p, 2, True), (2,)),
    ("text for a scale", lambda p: _with(p, 2, "four"), (2,)),
    ("number for yes/no", lambda p: _with(p, 3, 1), (3,)),
    ("maybe for yes/no", lambda p: _with(p, 3, "maybe"), (3,)),
    ("number for a text answer", lambda p: _with(p, 4, 5), (4,)),
    ("list of numbers for a text answer", lambda p: _with(p, 4, [1, 2]), (4,)),
    ("text over 5,000 characters", lambda p: _with(p, 4, "x" * 5001), (4,)),
    ("missing required answers", lambda p: _without(p, 0, 3), (0, 3)),
    ("empty answers", lambda p: {}, (0, 1, 2, 3)),
    ("required answer null", lambda p: _with(p, 2, None), (2,)),
    ("required answer blank", lambda p: _with(p, 0, ""), (0,)),
]


async def test_bad_answers_are_422_per_question_and_store_nothing(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    """Each bad answer in turn on the same poll, each from a new device: each is checked to
    change no table at all, so the next one meets the poll as it was."""
    before = await snapshot()
    counts = await stored_counts()
    for name, answers, wrong in BAD_ANSWERS:
        client.cookies.clear()
        sent = await client.post(
            f"/api/v1/forms/{open_poll.code}/responses",
            json={"answers": answers(open_poll)},
            headers=EN,
        )
        assert sent.status_code == 422, (name, sent.text)
        body = sent.json()
        assert body["status_code"] == 422, name
        assert body["detail"] == "Some answers need correcting.", name
        assert set(body["errors"]) == {str(open_poll.questions[i]["id"]) for i in wrong}, name
        assert all(isinstance(m, str) and m for m in body["errors"].values()), name
        assert await stored_counts() == counts, name
        assert await snapshot() == before, name


async def test_a_nul_anywhere_in_the_answers_is_a_clear_400_and_stores_nothing(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    before = await stored_counts()
    for answers in (
        _with(open_poll, 4, "a\x00b"),
        {**open_poll.answers(), "1\x00": 1},
    ):
        sent = await client.post(
            f"/api/v1/forms/{open_poll.code}/responses", json={"answers": answers}, headers=EN
        )
        assert sent.status_code == 400, sent.text
        assert "cannot be stored" in sent.json()["detail"]
    text_id = str(open_poll.questions[4]["id"]).encode()
    others = {k: v for k, v in open_poll.answers().items() if k != text_id.decode()}
    for escaped, refusal in (
        (b"a\\u0000b", "cannot be stored"),  # a NUL as the JSON escape a script sends
        (b"\\ud800", "not valid JSON"),  # a lone surrogate: malformed JSON to msgspec
    ):
        body = json.dumps({"answers": others}).encode()[:-2]
        sent = await client.post(
            f"/api/v1/forms/{open_poll.code}/responses",
            content=body + b', "' + text_id + b'": "' + escaped + b'"}}',
            headers={**EN, "Content-Type": "application/json"},
        )
        assert sent.status_code == 400, (escaped, sent.text)
        assert refusal in sent.json()["detail"]
    assert await stored_counts() == before


async def test_control_characters_a_keyboard_cannot_type_are_dropped_from_free_text(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    sent = await answer(
        client, open_poll.code, _with(open_poll, 4, "Ca\x1b[31m ba\x07\r\nca\u0085 ")
    )
    assert sent.status_code == 201, sent.text
    stored = await t.Answer.select(t.Answer.value_text).where(t.Answer.value_text.is_not_null())
    assert [row["value_text"] for row in stored] == ["Ca[31m ba\nca"]


async def test_unknown_question_id_is_keyed_by_that_id(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    other = await create_open_poll(client, world)
    before = await stored_counts()
    for stray in ("999999", str(other.questions[0]["id"]), "abc"):
        answers = {**open_poll.answers(), stray: 1}
        sent = await answer(client, open_poll.code, answers)
        assert sent.status_code == 422, sent.text
        assert set(sent.json()["errors"]) == {stray}
    assert await stored_counts() == before


@pytest.mark.parametrize(
    ("body", "status", "errors"),
    [
        (b"{not json", 400, None),
        (b'{"answers": {"1": 1}', 400, None),
        (b'{"answers": {}} trailing', 400, None),
        (b"", 400, None),
        (b"[]", 422, {"body"}),
        (b"{}", 422, {"answers"}),
        (b'{"answers": [1, 2]}', 422, {"answers"}),
        (b'{"answers": {"1": {"nested": true}}}', 422, {"answers"}),
        (b'{"answers": {}, "submission_id": ""}', 422, {"submission_id"}),
        (b'{"answers": {}, "submission_id": 7}', 422, {"submission_id"}),
        (b'{"answers": {}, "ip": "1.2.3.4"}', 422, {"ip"}),
    ],
    ids=[
        "malformed",
        "truncated",
        "trailing characters",
        "empty",
        "array body",
        "no answers",
        "answers as list",
        "answer as object",
        "empty submission id",
        "numeric submission id",
        "unknown field",
    ],
)
async def test_malformed_bodies_get_a_clear_4xx(
    client: httpx.AsyncClient,
    open_poll: OpenPoll,
    body: bytes,
    status: int,
    errors: set[str] | None,
) -> None:
    before = await stored_counts()
    sent = await client.post(
        f"/api/v1/forms/{open_poll.code}/responses",
        content=body,
        headers={"Content-Type": "application/json", **EN},
    )
    assert sent.status_code == status, sent.text
    reply = sent.json()
    assert reply["status_code"] == status
    if status == 400:
        assert reply["detail"] == "The request body is not valid JSON."
        assert "errors" not in reply
    else:
        assert reply["detail"] == "Some fields need correcting."
        assert set(reply["errors"]) == errors
        for message in reply["errors"].values():
            assert "`" not in message, "a parser's message leaked instead of a human one"
    assert await stored_counts() == before


async def test_a_1_mb_answer_is_413(client: httpx.AsyncClient, open_poll: OpenPoll) -> None:
    before = await stored_counts()
    sent = await answer(client, open_poll.code, _with(open_poll, 4, "x" * 1_000_000))
    assert sent.status_code == 413
    assert sent.json()["status_code"] == 413
    assert sent.json()["detail"]
    assert await stored_counts() == before


@pytest.mark.parametrize(
    "language",
    [
        {"headers": EN},
        {"params": {"lang": "en"}},
        {"headers": {"Accept-Language": "en-GB,en;q=0.8"}},
    ],
    ids=["accept-language", "query", "weighted accept-language"],
)
async def test_error_detail_follows_the_request_language(
    client: httpx.AsyncClient, open_poll: OpenPoll, language: dict[str, Any]
) -> None:
    sent = await client.post(
        f"/api/v1/forms/{open_poll.code}/responses", json={"answers": {}}, **language
    )
    assert sent.status_code == 422
    assert sent.json()["detail"] == "Some answers need correcting."
    first = str(open_poll.questions[0]["id"])
    assert sent.json()["errors"][first] == "This question needs an answer."


# --- the poll's state and the duplicate policy --------------------------------------------


async def test_answering_a_closed_poll_is_410(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    closed = await client.post(f"/api/v1/polls/{open_poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    before = await stored_counts()
    sent = await answer(client, open_poll.code, open_poll.answers())
    assert sent.status_code == 410, sent.text
    assert sent.json()["status_code"] == 410
    assert await stored_counts() == before


async def test_answering_a_draft_poll_is_410(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_draft_poll(client, world)
    placement = await add_placement(client, world, draft["id"])
    poll = OpenPoll(draft["id"], placement["code"], draft["questions"])
    before = await stored_counts()
    sent = await answer(client, poll.code, poll.answers())
    assert sent.status_code == 410, sent.text
    assert await stored_counts() == before


@pytest.mark.parametrize(
    ("window", "later"),
    [("opens_at", timedelta(0)), ("closes_at", timedelta(hours=2))],
    ids=["not yet open", "past its closing time"],
)
async def test_answering_outside_the_polls_window_is_410(
    client: httpx.AsyncClient,
    world: World,
    window: str,
    later: timedelta,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    poll = await create_open_poll(client, world, **{window: in_an_hour})
    moment = datetime.now(UTC) + later  # a closing time passes without waiting for it
    monkeypatch.setattr("polls.services.submission.now", lambda: moment)
    before = await stored_counts()
    sent = await answer(client, poll.code, poll.answers())
    assert sent.status_code == 410, sent.text
    assert await stored_counts() == before


async def test_a_second_answer_from_the_same_device_is_409(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    first = await answer(client, open_poll.code, open_poll.answers())
    assert first.status_code == 201
    token = client.cookies.get(privacy.DEVICE_COOKIE)
    assert privacy.is_device_token(token, SECRET)
    before = await stored_counts()
    second = await answer(client, open_poll.code, open_poll.answers("Lần hai"))
    assert second.status_code == 409, second.text
    assert second.json()["status_code"] == 409
    assert await stored_counts() == before
    other_device = await answer_as_new_device(client, open_poll.code, open_poll.answers())
    assert other_device.status_code == 201


async def test_a_retried_submission_says_replayed_and_counts_once(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    first = await answer(client, open_poll.code, open_poll.answers(), submission_id="7f9c-retry-1")
    assert first.status_code == 201
    after_first = await stored_counts()
    again = await answer(client, open_poll.code, open_poll.answers(), submission_id="7f9c-retry-1")
    assert again.status_code == 200, again.text
    assert first.json() == {"stored": True, "replayed": False}
    assert again.json() == {"stored": True, "replayed": True}
    from_a_fresh_cookie_jar = await answer_as_new_device(
        client, open_poll.code, open_poll.answers(), submission_id="7f9c-retry-1"
    )
    assert from_a_fresh_cookie_jar.status_code == 200
    assert from_a_fresh_cookie_jar.json()["replayed"] is True
    assert await stored_counts() == after_first
    assert await t.Response.count() == 1


async def test_concurrent_retries_from_one_phone_all_succeed_and_count_once(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    # The phone's script sent its answers and, the connection lost, sent them again with the
    # same cookie and submission id, all while the first try was in flight.
    await client.get(f"/p/{open_poll.code}")  # the form page gives the phone its cookie
    sent = await asyncio.gather(
        *(
            answer(client, open_poll.code, open_poll.answers(), submission_id="lost-signal-1")
            for _ in range(6)
        )
    )
    assert sorted(r.status_code for r in sent) == [200] * 5 + [201], [r.text for r in sent]
    assert sorted(r.json()["replayed"] for r in sent) == [False] + [True] * 5
    assert await stored_counts() == {"response": 1, "answer": 6, "duplicate_key": 1}


async def test_submission_ids_are_per_poll(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    other = await create_open_poll(client, world)
    first = await answer_as_new_device(
        client, open_poll.code, open_poll.answers(), submission_id="same-id"
    )
    second = await answer_as_new_device(
        client, other.code, other.answers(), submission_id="same-id"
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert not second.json()["replayed"]
    assert await t.Response.count() == 2


async def test_duplicate_policy_none_accepts_two_answers_from_one_device(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world, duplicate_policy="none")
    first = await answer(client, poll.code, poll.answers())
    second = await answer(client, poll.code, poll.answers())
    assert (first.status_code, second.status_code) == (201, 201)
    assert await t.Response.count() == 2
    assert await t.DuplicateKey.count() == 0


@pytest.mark.parametrize("code", ["NOSUCH1", "x", "A" * 40, "%3Cscript%3E"])
async def test_unknown_placement_code_is_404(
    client: httpx.AsyncClient, open_poll: OpenPoll, code: str
) -> None:
    before = await stored_counts()
    shown = await client.get(f"/api/v1/forms/{code}", headers=EN)
    sent = await client.post(
        f"/api/v1/forms/{code}/responses", json={"answers": open_poll.answers()}, headers=EN
    )
    for reply in (shown, sent):
        assert reply.status_code == 404, reply.text
        assert reply.json()["status_code"] == 404
        assert "<" not in reply.json()["detail"]
    assert await stored_counts() == before


async def test_the_public_form_json_carries_no_internal_counts(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    shown = await client.get(f"/api/v1/forms/{open_poll.code}")
    assert shown.status_code == 200
    form = shown.json()
    assert form["status"] == "open"
    assert [q["id"] for q in form["questions"]] == [q["id"] for q in open_poll.questions]
    assert "responses" not in form
    assert "min_group_size" not in form
