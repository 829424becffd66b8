"""Ballot stuffing, as a curious officer with a script would try it: answers without a
device token from a page the server served, forged tokens, another site's page making its
visitors answer, ``text/plain`` posts, and a spoofed ``X-Forwarded-For``. Every client here
is handed no device token by the test fixtures (``devices=False``): it has what it earns."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.messengers import telegram
from polls.web import forwarded_client
from tests.conftest import SECRET, OpenPoll, World, create_open_poll, frozen_minute, stored_counts

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]
EN = {"Accept-Language": "en"}
HIDDEN_DEVICE = re.compile(r'<input type="hidden" name="device" value="([^"]+)">')


@pytest.fixture
async def bare(make_client: MakeClient) -> httpx.AsyncClient:
    """A client that keeps cookies like a browser but was never handed a device token."""
    return await make_client(devices=False)


@pytest.fixture
async def poll(bare: httpx.AsyncClient, world: World) -> OpenPoll:
    return await create_open_poll(bare, world)


def _form(answers: dict[str, Any]) -> dict[str, Any]:
    """Answers the way the plain HTML form posts them."""
    fields: dict[str, Any] = {}
    for question, value in answers.items():
        if isinstance(value, bool):
            value = "yes" if value else "no"
        fields[f"q{question}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return fields


async def _post_json(
    client: httpx.AsyncClient, code: str, answers: dict[str, Any], **headers: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/forms/{code}/responses", json={"answers": answers}, headers={**EN, **headers}
    )


# --- the device token ----------------------------------------------------------------------


async def test_an_answer_without_a_device_token_gets_one_first_and_counts_with_it(
    bare: httpx.AsyncClient, poll: OpenPoll
) -> None:
    before = await stored_counts()
    refused = await _post_json(bare, poll.code, poll.answers())
    assert refused.status_code == 428, refused.text
    assert "not counted yet" in refused.json()["detail"]
    token = refused.json()["device_token"]
    assert privacy.is_device_token(token, SECRET)
    assert refused.headers["x-polls-device"] == token
    assert refused.cookies.get(privacy.DEVICE_COOKIE) == token
    assert await stored_counts() == before, "nothing is counted without a token"

    # an API client without cookies sends the handed-out token in the header
    bare.cookies.clear()
    sent = await _post_json(bare, poll.code, poll.answers(), **{"X-Polls-Device": token})
    assert sent.status_code == 201, sent.text
    assert await t.Response.count() == 1
    # and that token is now a phone that has answered, in the header or in the cookie
    bare.cookies.clear()
    again = await _post_json(bare, poll.code, poll.answers(), **{"X-Polls-Device": token})
    assert again.status_code == 409
    bare.cookies.set(privacy.DEVICE_COOKIE, token)
    assert (await _post_json(bare, poll.code, poll.answers())).status_code == 409
    assert await t.Response.count() == 1


async def test_the_form_page_hands_out_the_token_and_a_browser_answers_once(
    bare: httpx.AsyncClient, poll: OpenPoll
) -> None:
    page = await bare.get(f"/p/{poll.code}")
    token = page.cookies.get(privacy.DEVICE_COOKIE)
    assert privacy.is_device_token(token, SECRET)
    assert (await _post_json(bare, poll.code, poll.answers())).status_code == 201
    assert (await _post_json(bare, poll.code, poll.answers())).status_code == 409
    # the form page itself says so
    again = await bare.get(f"/p/{poll.code}", headers=EN)
    assert "You have already answered this poll." in again.text


@pytest.mark.parametrize(
    "forged",
    [
        "a" * 22,  # unsigned, as any script would make one up
        "a" * 22 + ".",
        "a" * 22 + "." + "A" * 22,  # a made-up MAC
        privacy.sign_device_token("another-secret-" + "y" * 20, "a" * 22),
        privacy.new_device_token(SECRET) + "x",
        "<script>." + privacy.new_device_token(SECRET).split(".")[1],
    ],
    ids=["unsigned", "empty-mac", "made-up-mac", "other-secret", "tampered", "garbage"],
)
async def test_a_forged_device_token_is_refused(
    bare: httpx.AsyncClient, poll: OpenPoll, forged: str
) -> None:
    for headers in ({"Cookie": f"{privacy.DEVICE_COOKIE}={forged}"}, {"X-Polls-Device": forged}):
        bare.cookies.clear()
        sent = await _post_json(bare, poll.code, poll.answers(), **headers)
        assert sent.status_code == 428, (headers, sent.text)
        assert sent.json()["device_token"] != forged
    assert await t.Response.count() == 0


async def test_a_script_cannot_make_each_answer_a_new_phone(
    bare: httpx.AsyncClient, poll: OpenPoll
) -> None:
    """Fifty cookie-less posts: every one refused, none counted."""
    statuses = set()
    for _ in range(50):
        bare.cookies.clear()
        statuses.add((await _post_json(bare, poll.code, poll.answers())).status_code)
    assert statuses == {428}
    assert await t.Response.count() == 0


async def test_the_plain_html_form_without_cookies_answers_on_the_second_post(
    bare: httpx.AsyncClient, poll: OpenPoll
) -> None:
    """A phone that keeps no cookies and runs no script: the 428 page is the form again, with
    the answers kept and the token in a hidden field, so pressing Send once more counts."""
    fields = _form(poll.answers("Ý kiến giữ lại"))
    refused = await bare.post(f"/p/{poll.code}", data=fields, headers=EN)
    assert refused.status_code == 428
    assert "not counted yet" in refused.text
    assert "Ý kiến giữ lại" in refused.text, "the worker's answers are kept in the form"
    found = HIDDEN_DEVICE.search(refused.text)
    assert found
    assert privacy.is_device_token(found[1], SECRET)
    assert await t.Response.count() == 0

    bare.cookies.clear()
    sent = await bare.post(f"/p/{poll.code}", data={**fields, "device": found[1]})
    assert sent.status_code == 303, sent.text
    assert await t.Response.count() == 1
    bare.cookies.clear()
    again = await bare.post(f"/p/{poll.code}", data={**fields, "device": found[1]}, headers=EN)
    assert "You have already answered this poll." in again.text
    assert await t.Response.count() == 1


async def test_a_cookie_of_an_earlier_version_keeps_its_phone(
    bare: httpx.AsyncClient, poll: OpenPoll
) -> None:
    """An unsigned token of before is signed when the page is served, as it is: the phone
    that answered with it is still the phone that answered."""
    legacy = "L" * 22
    await t.DuplicateKey.insert(
        t.DuplicateKey(key=privacy.duplicate_key(SECRET, poll.id, legacy), poll=poll.id)
    )
    bare.cookies.set(privacy.DEVICE_COOKIE, legacy)
    page = await bare.get(f"/p/{poll.code}", headers=EN)
    assert "You have already answered this poll." in page.text
    bare.cookies.clear()
    bare.cookies.set(privacy.DEVICE_COOKIE, legacy)
    fresh = await bare.get(f"/p/{poll.code}/thanks")  # any page but the form: no new cookie
    assert fresh.cookies.get(privacy.DEVICE_COOKIE) is None
    signed = privacy.sign_device_token(SECRET, legacy)
    bare.cookies.clear()
    assert (
        await _post_json(bare, poll.code, poll.answers(), **{"X-Polls-Device": signed})
    ).status_code == 409


async def test_a_closed_poll_says_closed_not_send_again(
    bare: httpx.AsyncClient, poll: OpenPoll, world: World
) -> None:
    closed = await bare.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    assert (await _post_json(bare, poll.code, poll.answers())).status_code == 410


async def test_polls_without_a_duplicate_policy_need_no_token(
    bare: httpx.AsyncClient, world: World
) -> None:
    open_to_all = await create_open_poll(bare, world, duplicate_policy="none")
    for _ in range(2):
        bare.cookies.clear()
        sent = await _post_json(bare, open_to_all.code, open_to_all.answers())
        assert sent.status_code == 201, sent.text


async def test_telegram_answers_are_vouched_by_telegram_and_need_no_device_token(
    make_client: MakeClient, world: World
) -> None:
    bot_token = "123456789:AAHtest-ONLY-not-a-real-bot-token_xyz"
    tg = await make_client(devices=False, telegram_bot_token=bot_token)
    poll = await create_open_poll(tg, world)
    launch = telegram.sign(
        {
            "user": json.dumps({"id": 5000000001, "first_name": "An"}),
            "auth_date": str(int(time.time())),
        },
        bot_token,
    )
    sent = await _post_json(tg, poll.code, poll.answers(), Authorization=f"tma {launch}")
    assert sent.status_code == 201, sent.text
    again = await _post_json(tg, poll.code, poll.answers(), Authorization=f"tma {launch}")
    assert again.status_code == 409


# --- encodings and origins -------------------------------------------------------------------


async def test_text_plain_is_refused_with_415(bare: httpx.AsyncClient, poll: OpenPoll) -> None:
    """The cross-site attack: ``text/plain`` is a "simple" request any page may send."""
    page = await bare.get(f"/p/{poll.code}")  # a real device: only the encoding is wrong
    assert page.status_code == 200
    body = json.dumps({"answers": poll.answers()})
    for path, content in (
        (f"/api/v1/forms/{poll.code}/responses", body),
        (f"/p/{poll.code}", "q1=1"),
    ):
        for media_type in ("text/plain", "text/plain;charset=UTF-8", "application/xml", None):
            headers = {**EN, **({"Content-Type": media_type} if media_type else {})}
            sent = await bare.post(path, content=content, headers=headers)
            assert sent.status_code == 415, (path, media_type, sent.text)
            assert "accepted only as JSON" in sent.text
    multipart = await bare.post(
        f"/p/{poll.code}", files={"q1": (None, "1")}, headers=EN
    )  # not the form's encoding either
    assert multipart.status_code == 415
    assert await t.Response.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver.local.evil.example"},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Referer": "https://evil.example/page"},
    ],
    ids=["origin", "lookalike", "sandboxed", "sibling-site", "referer"],
)
async def test_a_post_from_another_site_is_refused_with_403(
    bare: httpx.AsyncClient, poll: OpenPoll, headers: dict[str, str]
) -> None:
    await bare.get(f"/p/{poll.code}")  # the visitor's phone has a valid device cookie
    sent = await _post_json(bare, poll.code, poll.answers(), **headers)
    assert sent.status_code == 403, sent.text
    assert "only accepted from the poll's own page" in sent.json()["detail"]
    form = await bare.post(f"/p/{poll.code}", data=_form(poll.answers()), headers={**EN, **headers})
    assert form.status_code == 403
    assert "only accepted from the poll&#39;s own page" in form.text
    assert await t.Response.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://testserver.local"},
        {"Origin": "http://127.0.0.1:8000"},  # BASE_URL's origin
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},  # the form: no-referrer policy
        {"Sec-Fetch-Site": "none"},
        {"Referer": "http://testserver.local/p/x"},
        {},
    ],
    ids=["origin", "base-url", "null-same-origin", "typed", "referer", "no-browser"],
)
async def test_our_own_pages_and_non_browsers_may_post(
    bare: httpx.AsyncClient, poll: OpenPoll, headers: dict[str, str]
) -> None:
    await bare.get(f"/p/{poll.code}")
    sent = await _post_json(bare, poll.code, poll.answers(), **headers)
    assert sent.status_code == 201, sent.text


async def test_the_zalo_mini_apps_origin_may_post_when_named(
    make_client: MakeClient, world: World
) -> None:
    client = await make_client(zalo_mini_app_origins=("https://h5.zdn.vn",))
    poll = await create_open_poll(client, world)
    sent = await _post_json(client, poll.code, poll.answers(), Origin="https://h5.zdn.vn")
    assert sent.status_code == 201, sent.text


# --- the client's address ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        ([], 0, "10.0.0.1"),
        (["6.6.6.6"], 0, "10.0.0.1"),  # no proxy trusted: the header is the client's word
        (["203.0.113.7"], 1, "203.0.113.7"),
        (["6.6.6.6, 203.0.113.7"], 1, "203.0.113.7"),  # the spoofed left-most is skipped
        (["6.6.6.6", "203.0.113.7"], 1, "203.0.113.7"),  # the header given twice
        (["6.6.6.6, 203.0.113.7, 198.51.100.2"], 2, "203.0.113.7"),  # CDN, then our proxy
        ([" , 203.0.113.7 ,"], 1, "203.0.113.7"),
        ([], 1, "10.0.0.1"),  # a proxy that passes no header: the chain is its own address
        (["203.0.113.7"], 3, "203.0.113.7"),  # fewer hops than proxies: the left-most
    ],
)
def test_the_address_is_read_from_the_right(
    forwarded: list[str], proxies: int, expected: str
) -> None:
    assert forwarded_client(forwarded, "10.0.0.1", proxies) == expected


async def test_behind_one_proxy_a_spoofed_left_most_address_dodges_no_limit(
    make_client: MakeClient, world: World
) -> None:
    client = await make_client(
        clock=frozen_minute, rate_limit_per_device=0, rate_limit_per_ip=1, trusted_proxies=1
    )
    poll = await create_open_poll(client, world, duplicate_policy="none")
    statuses = [
        (
            await _post_json(
                client, poll.code, poll.answers(), **{"X-Forwarded-For": f"{spoof}, 203.0.113.7"}
            )
        ).status_code
        for spoof in ("6.6.6.1", "6.6.6.2", "6.6.6.3")
    ]
    assert statuses == [201, 429, 429], "the client-written left-most must not be trusted"
    other = await _post_json(
        client, poll.code, poll.answers(), **{"X-Forwarded-For": "6.6.6.1, 203.0.113.8"}
    )
    assert other.status_code == 201, "another client behind the same proxy has its own limit"
