"""The worker's form on the web, ``/p/{code}``: plain HTML, fields ``q{question_id}``, multi
values repeated, one response per valid POST, answers kept when something needs correcting."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.i18n import LOCALE_COOKIE
from polls.services import submission
from tests.conftest import (
    SECRET,
    Database,
    OpenPoll,
    World,
    add_placement,
    create_draft_poll,
    create_open_poll,
    stored_counts,
)


def form_data(poll: OpenPoll, **overrides: Any) -> dict[str, Any]:
    """The sample poll's answers as a browser sends them (``overrides`` by question index,
    ``None`` leaves the field out)."""
    q = poll.questions
    fields: dict[int, Any] = {
        0: str(q[0]["options"][1]["id"]),
        1: [str(q[1]["options"][0]["id"]), str(q[1]["options"][3]["id"])],
        2: "5",
        3: "no",
        4: "Cần thêm loa ở nhà ăn",
    }
    for index, value in overrides.items():
        fields[int(index.removeprefix("q"))] = value
    return {f"q{q[i]['id']}": value for i, value in fields.items() if value is not None}


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([a-z]+)"', page)
    assert found, "the page has no <html lang>"
    return found[1]


def checked(page: str, question_id: int, value: Any) -> bool:
    tag = re.search(rf'<input [^>]*name="q{question_id}" value="{value}"[^>]*>', page)
    assert tag, f"no input q{question_id}={value}"
    return " checked" in tag[0]


def error_of(page: str, question_id: int) -> str | None:
    found = re.search(rf'<p class="error" id="q{question_id}-err">([^<]*)</p>', page)
    return found[1] if found else None


async def test_the_form_renders_every_kind(client: httpx.AsyncClient, open_poll: OpenPoll) -> None:
    page = await client.get(f"/p/{open_poll.code}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    html = page.text
    single, multi, scale, yes_no, text = open_poll.questions
    for option in single["options"]:
        assert f'type="radio" id="q{single["id"]}-{option["id"]}" name="q{single["id"]}"' in html
        assert option["label"] in html
    for option in multi["options"]:
        assert f'type="checkbox" id="q{multi["id"]}-{option["id"]}" name="q{multi["id"]}"' in html
    for value in range(1, 6):
        assert f'name="q{scale["id"]}" value="{value}"' in html
    assert "Rất hài lòng" in html
    for value in ("yes", "no"):
        assert f'name="q{yes_no["id"]}" value="{value}"' in html
    assert f'<textarea id="q{text["id"]}-t" name="q{text["id"]}"' in html
    assert f'action="/p/{open_poll.code}"' in html
    assert all(not checked(html, single["id"], o["id"]) for o in single["options"])
    assert privacy.is_device_token(page.cookies.get(privacy.DEVICE_COOKIE), SECRET)


async def test_a_valid_post_stores_one_response_and_redirects_to_thanks(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    await client.get(f"/p/{open_poll.code}")
    sent = await client.post(f"/p/{open_poll.code}", data=form_data(open_poll))
    assert sent.status_code == 303, sent.text
    location = sent.headers["location"]
    assert location == f"/p/{open_poll.code}/thanks"  # nothing about the response in it
    assert await stored_counts() == {"response": 1, "answer": 6, "duplicate_key": 1}
    multi = open_poll.questions[1]
    chosen = await t.Answer.select(t.Answer.option).where(t.Answer.question == multi["id"])
    assert sorted(r["option"] for r in chosen) == [
        multi["options"][0]["id"],
        multi["options"][3]["id"],
    ]
    text = await t.Answer.select(t.Answer.value_text).where(t.Answer.value_text.is_not_null())
    assert text == [{"value_text": "Cần thêm loa ở nhà ăn"}]
    thanks = await client.get(location)
    assert thanks.status_code == 200
    assert "Receipt" not in thanks.text
    assert "Mã xác nhận" not in thanks.text


async def test_an_optional_question_may_stay_empty(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    sent = await client.post(f"/p/{open_poll.code}", data=form_data(open_poll, q4=""))
    assert sent.status_code == 303, sent.text
    assert await t.Answer.count().where(t.Answer.value_text.is_not_null()) == 0


async def test_an_invalid_post_keeps_the_answers_and_says_what_is_wrong(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    single, multi, scale, yes_no, text = open_poll.questions
    too_many = [str(o["id"]) for o in multi["options"][:3]]
    sent = await client.post(
        f"/p/{open_poll.code}",
        data=form_data(open_poll, q1=too_many, q2=None, q3="maybe", q4="Giữ lại <b>chữ</b> này"),
        headers={"Accept-Language": "en"},
    )
    assert sent.status_code == 422
    html = sent.text
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}
    # answers kept
    assert checked(html, single["id"], single["options"][1]["id"])
    assert not checked(html, single["id"], single["options"][0]["id"])
    for option in multi["options"]:
        assert checked(html, multi["id"], option["id"]) is (str(option["id"]) in too_many)
    assert "Giữ lại &lt;b&gt;chữ&lt;/b&gt; này</textarea>" in html
    # a message next to each wrong question, none next to the right ones
    assert error_of(html, multi["id"]) == "Choose at most 2 options."
    assert error_of(html, scale["id"]) == "This question needs an answer."
    assert error_of(html, yes_no["id"]) == "Answer yes or no."
    assert error_of(html, single["id"]) is None
    assert error_of(html, text["id"]) is None
    assert f'href="#q{multi["id"]}"' in html  # the summary links to each wrong question


async def test_unrelated_form_fields_are_ignored(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    data = {**form_data(open_poll), "ip": "1.2.3.4", "qx": "1", "csrf": "x"}
    sent = await client.post(f"/p/{open_poll.code}", data=data)
    assert sent.status_code == 303


@pytest.mark.parametrize("field", ["q999999", "q0"])
async def test_an_unknown_question_field_is_refused_without_a_500(
    client: httpx.AsyncClient, open_poll: OpenPoll, field: str
) -> None:
    sent = await client.post(f"/p/{open_poll.code}", data={**form_data(open_poll), field: "1"})
    assert sent.status_code == 422
    assert sent.headers["content-type"].startswith("text/html")
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}


async def test_without_javascript_a_database_outage_gives_the_form_back_filled_in(
    client: httpx.AsyncClient, open_poll: OpenPoll, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outage message says "your answers are kept": without the form's script only the
    page can keep them, so it comes back filled in, and sending it again stores it once."""
    outage = (
        sqlite3.OperationalError("database is locked")
        if db.backend == "sqlite"
        else asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    )

    async def database_away(*_: Any) -> Any:
        raise outage

    monkeypatch.setattr(submission, "_store", database_away)
    data = form_data(open_poll)
    q = open_poll.questions
    sent = await client.post(f"/p/{open_poll.code}", data=data, headers={"Accept-Language": "en"})
    assert sent.status_code == 503
    assert sent.headers["retry-after"] == "5"
    assert sent.headers["content-type"].startswith("text/html")
    assert "Your answers are kept; please try again shortly." in sent.text
    assert checked(sent.text, q[0]["id"], q[0]["options"][1]["id"])
    assert checked(sent.text, q[1]["id"], q[1]["options"][3]["id"])
    assert not checked(sent.text, q[1]["id"], q[1]["options"][1]["id"])
    assert checked(sent.text, q[2]["id"], 5)
    assert "Cần thêm loa ở nhà ăn</textarea>" in sent.text
    assert await stored_counts() == {"response": 0, "answer": 0, "duplicate_key": 0}

    monkeypatch.undo()
    again = await client.post(f"/p/{open_poll.code}", data=data)
    assert again.status_code == 303
    assert await t.Response.count() == 1


async def test_the_same_device_sees_already_answered(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    assert (await client.post(f"/p/{open_poll.code}", data=form_data(open_poll))).status_code == 303
    page = await client.get(f"/p/{open_poll.code}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "You have already answered this poll." in page.text
    assert "<form" not in page.text
    again = await client.post(
        f"/p/{open_poll.code}", data=form_data(open_poll), headers={"Accept-Language": "en"}
    )
    assert again.status_code in (200, 409)
    assert "You have already answered this poll." in again.text
    assert await t.Response.count() == 1


async def test_a_draft_shows_a_clear_page(client: httpx.AsyncClient, world: World) -> None:
    draft = await create_draft_poll(client, world)
    placement = await add_placement(client, world, draft["id"])
    page = await client.get(f"/p/{placement['code']}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "This poll is not open yet." in page.text
    assert "<form" not in page.text
    posted = await client.post(
        f"/p/{placement['code']}", data={}, headers={"Accept-Language": "en"}
    )
    assert posted.status_code == 410
    assert "This poll is not open yet." in posted.text


async def test_a_poll_not_open_yet_says_when_it_opens(
    client: httpx.AsyncClient, world: World
) -> None:
    opens = datetime.now(UTC) + timedelta(days=2)
    poll = await create_open_poll(client, world, opens_at=opens.isoformat())
    page = await client.get(f"/p/{poll.code}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "This poll is not open yet." in page.text
    assert "It opens on" in page.text
    assert "<form" not in page.text


async def test_a_closed_poll_shows_a_clear_page(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await client.post(f"/api/v1/polls/{open_poll.id}/close", headers=world.auth("officer"))
    page = await client.get(f"/p/{open_poll.code}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "This poll has closed." in page.text
    assert "<form" not in page.text
    posted = await client.post(f"/p/{open_poll.code}", data=form_data(open_poll))
    assert posted.status_code == 410
    assert await t.Response.count() == 0


async def test_an_unknown_code_is_a_404_page(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/NOSUCH1", headers={"Accept-Language": "en"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "This link does not lead to a poll." in page.text


async def test_visits_are_counted_per_placement_without_anyone(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    for _ in range(3):
        await client.get(f"/p/{open_poll.code}")
    listed = await client.get(
        f"/api/v1/polls/{open_poll.id}/placements", headers=world.auth("officer")
    )
    assert listed.json()[0]["visits"] is None  # released only from 10 openings
    assert [v["opens"] for v in await t.PlacementVisit.select(t.PlacementVisit.opens)] == [3]
    assert set(await t.PlacementVisit.select().first()) == {"id", "placement", "day", "opens"}  # type: ignore[arg-type]


# --- language ----------------------------------------------------------------------------


async def test_vietnamese_is_the_default(client: httpx.AsyncClient, open_poll: OpenPoll) -> None:
    page = await client.get(f"/p/{open_poll.code}")
    assert html_lang(page.text) == "vi"
    assert LOCALE_COOKIE not in page.cookies


async def test_accept_language_switches_to_english(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    page = await client.get(
        f"/p/{open_poll.code}", headers={"Accept-Language": "en-US,en;q=0.9,vi;q=0.5"}
    )
    assert html_lang(page.text) == "en"
    assert "Send my answers" in page.text


async def test_lang_query_switches_and_is_remembered(
    client: httpx.AsyncClient, open_poll: OpenPoll
) -> None:
    chosen = await client.get(f"/p/{open_poll.code}", params={"lang": "en"})
    assert html_lang(chosen.text) == "en"
    assert chosen.cookies.get(LOCALE_COOKIE) == "en"
    # the next page, with no ?lang= and a Vietnamese browser, stays in English
    later = await client.get(f"/p/{open_poll.code}", headers={"Accept-Language": "vi"})
    assert html_lang(later.text) == "en"
    invalid = await client.post(f"/p/{open_poll.code}", data={})
    assert invalid.status_code == 422
    assert html_lang(invalid.text) == "en"
    back = await client.get(f"/p/{open_poll.code}", params={"lang": "vi"})
    assert html_lang(back.text) == "vi"
    assert client.cookies.get(LOCALE_COOKIE) == "vi"


async def test_an_unknown_lang_is_ignored(client: httpx.AsyncClient, open_poll: OpenPoll) -> None:
    page = await client.get(f"/p/{open_poll.code}", params={"lang": "fr"})
    assert page.status_code == 200
    assert html_lang(page.text) == "vi"
    assert LOCALE_COOKIE not in page.cookies


async def test_error_pages_speak_the_chosen_language(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/NOSUCH1", params={"lang": "en"})
    assert page.status_code == 404
    assert html_lang(page.text) == "en"
    client.cookies.clear()
    default = await client.get("/p/NOSUCH2")
    assert html_lang(default.text) == "vi"


async def test_a_first_visit_gets_a_signed_device_cookie_with_its_attributes(
    make_client: Any, open_poll: OpenPoll
) -> None:
    for secure in (False, True):
        phone = await make_client(devices=False, secure_cookies=secure)
        page = await phone.get(f"/p/{open_poll.code}")
        assert page.status_code == 200
        cookies = page.headers.get_list("set-cookie")
        assert len(cookies) == 1, cookies
        name, _, rest = cookies[0].partition("=")
        token, *attributes = [part.strip() for part in rest.split(";")]
        assert name == privacy.DEVICE_COOKIE
        assert privacy.is_device_token(token, SECRET)
        expected = {"HttpOnly", "Path=/", "SameSite=lax", f"Max-Age={2 * 365 * 24 * 3600}"}
        assert set(attributes) == expected | ({"Secure"} if secure else set())
        if secure:
            continue  # not sent back over the test's plain http
        # the phone keeps it: the next page sets nothing; another phone gets another token
        again = await phone.get(f"/p/{open_poll.code}")
        assert "set-cookie" not in again.headers
        phone.cookies.clear()
        other = await phone.get(f"/p/{open_poll.code}")
        assert other.headers["set-cookie"].split(";")[0] != cookies[0].split(";")[0]


async def test_a_first_visit_looks_nothing_up_a_returning_phone_does(
    make_client: Any, open_poll: OpenPoll, monkeypatch: pytest.MonkeyPatch
) -> None:
    from polls.forms import pages

    asked: list[str | None] = []
    has_answered = pages.has_answered

    async def counting(poll: Any, subject: str | None, *, secret: str) -> bool:
        asked.append(subject)
        return await has_answered(poll, subject, secret=secret)

    monkeypatch.setattr(pages, "has_answered", counting)
    phone = await make_client(devices=False)
    first = await phone.get(f"/p/{open_poll.code}", headers={"Accept-Language": "en"})
    assert "<form" in first.text
    assert asked == []  # a token made for this page has answered nothing
    sent = await phone.post(f"/p/{open_poll.code}", data=form_data(open_poll))
    assert sent.status_code == 303, sent.text
    back = await phone.get(f"/p/{open_poll.code}", headers={"Accept-Language": "en"})
    assert "You have already answered this poll." in back.text
    assert asked == [privacy.device_subject(phone.cookies[privacy.DEVICE_COOKIE])]


async def test_the_thanks_page_is_the_same_bytes_for_everyone_and_compressed(
    make_client: Any, open_poll: OpenPoll
) -> None:
    import gzip

    phone = await make_client(devices=False)
    plain = await phone.get(f"/p/{open_poll.code}/thanks", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "Cảm ơn" in plain.text
    assert "set-cookie" not in plain.headers
    assert plain.headers["cache-control"] == "no-store"
    assert plain.headers["referrer-policy"] == "no-referrer"
    packed = await phone.get(f"/p/{open_poll.code}/thanks", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # httpx has decompressed it
    english = await phone.get(f"/p/{open_poll.code}/thanks", headers={"Accept-Language": "en"})
    assert "Thank you for taking part in the poll!" in english.text
    assert html_lang(english.text) == "en"
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content
