"""The question box's worker pages (issue 15, item 2): asking, the code shown once,
following up by code, bad input, rate limits, posts from other sites; and that nothing of
the asker is kept: no row and no log line holds the address, agent or device token, no page
sets a cookie but the sealed code's own (for one page, once), and no stored time is finer
than the hour. Asking is Post/Redirect/Get, and one form posted twice is one question."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from polls import privacy
from polls import tables as t
from tests.conftest import SECRET, World, frozen_minute
from tests.sharing.tools import decode, rasterize_svg
from tests.traces import every_stored_value, everything_logged

MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]
USER_AGENT = "Canary-Agent/7.7"
ADDRESS = "198.51.100.42"
QUESTION = "Bếp ca ba nấu cơm sống, đề nghị công đoàn kiểm tra nhà ăn số 2."
CODE = re.compile(r'data-code="([A-Z0-9-]+)"')


async def ask(
    client: httpx.AsyncClient, text: str = QUESTION, once: str | None = None, **headers: str
) -> httpx.Response:
    """Ask as a browser does: the post, then the page it redirects to (Post/Redirect/Get),
    with the cookie the post left; a refusal is the post's own answer."""
    data = {"topic": "meals", "text": text, **({"once": once} if once else {})}
    posted = await client.post("/hoi/mk-kt3", data=data, headers=headers)
    if posted.status_code != 303:
        return posted
    assert posted.headers["location"] == "/hoi/mk-kt3/da-gui"
    return await client.get(posted.headers["location"], headers=headers)


async def once_of(client: httpx.AsyncClient) -> str:
    form = await client.get("/hoi/mk-kt3")
    found = re.search(r'name="once" value="([^"]+)"', form.text)
    assert found, form.text[:500]
    return found.group(1)


def code_of(page: httpx.Response) -> str:
    found = CODE.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


async def test_ask_then_follow_up_by_code_and_read_the_reply(
    client: httpx.AsyncClient, world: World
) -> None:
    from polls.services import question_box as box

    form = await client.get("/hoi/mk-kt3")
    assert form.status_code == 200
    assert "Hỏi công đoàn" in form.text
    assert 'name="topic"' in form.text
    sent = await ask(client)
    assert sent.status_code == 200
    code = code_of(sent)
    assert f"/hoi/mk-kt3/theo-doi#{code}" in sent.text  # the code after '#' only
    assert "Hãy ghi lại mã này ngay" in sent.text
    [item] = await box.queue(world.principals["officer"], now=datetime.now(UTC))
    await box.reply(
        world.principals["officer"], item.id, "Đã yêu cầu bếp nấu lại.", now=datetime.now(UTC)
    )
    read = await client.post("/hoi/mk-kt3/theo-doi", data={"code": code.lower()})
    assert read.status_code == 200
    assert QUESTION in read.text
    assert "Đã yêu cầu bếp nấu lại." in read.text
    more = await client.post("/hoi/mk-kt3/theo-doi", data={"code": code, "text": "Cảm ơn."})
    assert more.status_code == 200
    assert "Cảm ơn." in more.text
    assert 'name="text"' not in more.text
    again = await client.post("/hoi/mk-kt3/theo-doi", data={"code": code, "text": "Nữa"})
    assert again.status_code == 409
    assert "Bạn đã gửi tin nhắn bổ sung rồi." in again.text
    assert await t.BoxMessage.count() == 3


async def test_a_reload_or_a_re_post_stores_one_question_and_no_address_holds_the_code(
    client: httpx.AsyncClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    once = await once_of(client)
    first = await ask(client, once=once)
    assert first.status_code == 200
    code = code_of(first)
    assert await t.BoxItem.count() == 1
    # the browser reloads the page it was sent to: a GET, nothing posted; the code is gone
    reloaded = await client.get("/hoi/mk-kt3/da-gui")
    assert reloaded.status_code == 200
    assert "Câu hỏi của bạn đã được gửi" in reloaded.text
    assert code not in reloaded.text
    assert "Mã theo dõi chỉ hiện một lần" in reloaded.text
    # the same form posted again (a double tap, a retry after a lost answer): one question,
    # and its code again, shortly after the page was served
    again = await ask(client, once=once)
    assert again.status_code == 200
    assert code_of(again) == code
    assert "Bạn đã gửi câu hỏi này rồi" in again.text
    assert await t.BoxItem.count() == 1
    assert await t.BoxMessage.count() == 1
    # much later, the same form again: still one question, and no code
    old_once = privacy.new_box_once(SECRET, datetime.now(UTC) - timedelta(hours=1))
    asked_before = await ask(client, once=old_once)
    assert code_of(asked_before)  # a first post of an old page is still a question
    stale = await ask(client, once=old_once)
    assert stale.status_code == 200
    assert "Bạn đã gửi câu hỏi này rồi" in stale.text
    assert 'id="follow-code"' not in stale.text
    assert await t.BoxItem.count() == 2
    # a token this server did not make is no token: each post a question of its own
    forged = await ask(client, once="AAAAAAAAAAAAAAAAAAAAAA.1.BBBBBBBBBBBBBBBB")
    forged_again = await ask(client, once="AAAAAAAAAAAAAAAAAAAAAA.1.BBBBBBBBBBBBBBBB")
    assert code_of(forged) != code_of(forged_again)
    assert await t.BoxItem.count() == 4
    # the code travelled in no address and no log line
    logs = everything_logged(caplog, capsys)
    for response in (first, reloaded, again, stale):
        assert code not in str(response.url)
        assert code not in response.headers.get("location", "")
    assert code not in logs
    assert code.replace("-", "") not in logs


async def test_a_sealed_code_opens_only_for_its_box_and_its_ten_minutes() -> None:
    now = datetime.now(UTC)
    sealed = privacy.seal_box_code(SECRET, "mk-kt3", "ABCD-EFGH-JKMN", again=False, now=now)
    assert privacy.open_box_code(SECRET, "mk-kt3", sealed, now) == ("ABCD-EFGH-JKMN", False)
    assert privacy.open_box_code(SECRET, "than-mao-khe", sealed, now) is None
    assert privacy.open_box_code("another secret", "mk-kt3", sealed, now) is None
    late = now + timedelta(seconds=privacy.BOX_SENT_FOR + 1)
    assert privacy.open_box_code(SECRET, "mk-kt3", sealed, late) is None
    assert privacy.open_box_code(SECRET, "mk-kt3", sealed[:-2] + "AA", now) is None
    assert privacy.open_box_code(SECRET, "mk-kt3", "not base64 !", now) is None


async def test_the_english_page(client: httpx.AsyncClient, world: World) -> None:
    page = await client.get("/hoi/mk-kt3?lang=en")
    assert "Ask the union" in page.text
    assert "Wages and contract" in page.text


async def test_bad_input_is_a_vietnamese_4xx_and_stores_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    cases = [
        ({"topic": "meals", "text": "ngắn"}, 422, "Xin viết thêm một chút."),
        ({"topic": "weather", "text": QUESTION}, 422, "Hãy chọn một chủ đề."),
        ({"text": QUESTION}, 422, "Hãy chọn một chủ đề."),
        ({"topic": "meals", "text": "x" * 2001}, 422, ""),
        ({"topic": "meals", "text": "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c"}, 422, ""),
    ]
    for data, status, words in cases:
        sent = await client.post("/hoi/mk-kt3", data=data)
        assert sent.status_code == status, (data, sent.text[:300])
        assert words in sent.text
    assert (
        await client.post("/hoi/mk-kt3", data={"topic": "meals", "text": "a\x00b" * 9})
    ).status_code in (400, 422)
    assert (await client.get("/hoi/khong-co")).status_code == 404
    assert (
        await client.post("/hoi/khong-co", data={"topic": "meals", "text": QUESTION})
    ).status_code == 404
    plain = await client.post("/hoi/mk-kt3", content=b"x", headers={"content-type": "text/plain"})
    assert plain.status_code == 415
    assert "Câu hỏi chỉ được nhận" in plain.text  # the box's words, not a poll's
    assert await t.BoxItem.count() == 0


async def test_a_post_from_another_site_is_refused(client: httpx.AsyncClient, world: World) -> None:
    for path in ("/hoi/mk-kt3", "/hoi/mk-kt3/theo-doi"):
        sent = await client.post(
            path,
            data={"topic": "meals", "text": QUESTION, "code": "AAAA-AAAA-AAAA"},
            headers={"Origin": "https://evil.example"},
        )
        assert sent.status_code == 403
        assert "trang hộp thư hỏi đáp" in sent.text, sent.text  # not "the poll's own page"
    assert await t.BoxItem.count() == 0


async def test_a_wrong_code_gets_the_same_page_whether_it_could_exist_or_not(
    client: httpx.AsyncClient, world: World
) -> None:
    code = code_of(await ask(client))
    near = code[:-1] + ("A" if code[-1] != "A" else "B")
    pages = [
        await client.post("/hoi/mk-kt3/theo-doi", data={"code": typed})
        for typed in (near, "AAAA-AAAA-AAAA", "nonsense", "")
    ]
    assert {p.status_code for p in pages} == {422}
    bodies = {
        p.text.replace(typed, "")
        for p, typed in zip(pages, (near, "AAAA-AAAA-AAAA", "nonsense", ""), strict=True)
    }
    assert len(bodies) == 1


async def test_asking_is_rate_limited_per_device_and_per_address(
    make_client: MakeClient, world: World
) -> None:
    client = await make_client(trusted_proxies=1, clock=frozen_minute)
    device = privacy.new_device_token(SECRET)
    cookie = {"cookie": f"{privacy.DEVICE_COOKIE}={device}"}
    statuses = [(await ask(client, **cookie)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await ask(client, **cookie)
    assert "retry-after" in limited.headers
    assert "Bạn đã thử quá nhiều lần" in limited.text
    # another phone behind another address is not held back
    other = await ask(client, **{"x-forwarded-for": "192.0.2.9"})
    assert other.status_code == 200
    # one address, many phones without cookies: the address limit
    statuses = [
        (await ask(client, **{"x-forwarded-for": "192.0.2.10"})).status_code for _ in range(61)
    ]
    assert statuses.count(200) == 60
    assert statuses[-1] == 429
    assert await t.BoxItem.count() == 3 + 1 + 60


async def test_guessing_codes_is_rate_limited(make_client: MakeClient, world: World) -> None:
    client = await make_client(trusted_proxies=1, clock=frozen_minute)
    statuses = [
        (
            await client.post(
                "/hoi/mk-kt3/theo-doi",
                data={"code": privacy.new_box_code()},
                headers={"x-forwarded-for": "192.0.2.77"},
            )
        ).status_code
        for _ in range(31)
    ]
    assert statuses == [422] * 30 + [429]


async def test_no_row_no_log_line_and_no_cookie_holds_anything_of_the_asker(
    make_client: MakeClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    client = await make_client(trusted_proxies=1, debug=True)
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    device = privacy.new_device_token(SECRET)
    asker = {
        "User-Agent": USER_AGENT,
        "X-Forwarded-For": f"{ADDRESS}, 10.0.0.1",
        "cookie": f"{privacy.DEVICE_COOKIE}={device}",
    }
    pages = [await client.get("/hoi/mk-kt3", headers=asker)]
    once = re.search(r'name="once" value="([^"]+)"', pages[0].text)
    assert once
    posted = await client.post(
        "/hoi/mk-kt3",
        data={"topic": "meals", "text": QUESTION, "once": once.group(1)},
        headers=asker,
    )
    assert posted.status_code == 303
    # the one cookie these pages set: the code sealed, for the page that shows it only
    sealed = posted.cookies[privacy.BOX_SENT_COOKIE]
    assert "path=/hoi/mk-kt3/da-gui" in posted.headers["set-cookie"].lower()
    assert "httponly" in posted.headers["set-cookie"].lower()
    with_sealed = {**asker, "cookie": f"{asker['cookie']}; {privacy.BOX_SENT_COOKIE}={sealed}"}
    pages.append(await client.get(posted.headers["location"], headers=with_sealed))
    code = code_of(pages[-1])
    assert code not in sealed
    assert code.replace("-", "") not in sealed
    assert privacy.BOX_SENT_COOKIE in pages[-1].headers["set-cookie"]  # cleared
    assert "max-age=0" in pages[-1].headers["set-cookie"].lower()
    pages.append(await client.post("/hoi/mk-kt3", data={"topic": "x", "text": "y"}, headers=asker))
    pages.append(await client.get("/hoi/mk-kt3/theo-doi", headers=asker))
    pages.append(await client.post("/hoi/mk-kt3/theo-doi", data={"code": code}, headers=asker))
    pages.append(
        await client.post(
            "/hoi/mk-kt3/theo-doi", data={"code": code, "text": "Thêm một ý."}, headers=asker
        )
    )
    pages.append(await client.post("/hoi/mk-kt3/theo-doi", data={"code": "zz"}, headers=asker))
    assert [p.status_code for p in pages] == [200, 200, 422, 200, 200, 200, 422]
    for page in [pages[0], *pages[2:]]:
        assert "set-cookie" not in page.headers, page.request.url
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["referrer-policy"] == "no-referrer"
    canaries = {
        "user agent": USER_AGENT,
        "address": ADDRESS,
        "device token": device,
        "device nonce": privacy.device_subject(device),
        "follow-up code": code,
        "follow-up code, bare": code.replace("-", ""),
    }
    for table, column, value in await every_stored_value():
        for what, canary in canaries.items():
            assert canary not in value, f"{table}.{column} holds the {what}"
    logs = everything_logged(caplog, capsys)
    for what, canary in canaries.items():
        assert canary not in logs, f"a log line holds the {what}"
    for page in [*pages, posted]:
        for what, canary in canaries.items():
            assert canary not in str(page.url), f"an address holds the {what}"
            assert canary not in page.headers.get("location", ""), f"a redirect holds the {what}"
    for row in await t.BoxItem.select(t.BoxItem.arrived_hour):
        assert (row["arrived_hour"].minute, row["arrived_hour"].second) == (0, 0)
    for row in await t.BoxMessage.select(t.BoxMessage.at):
        stamp = row["at"]
        assert (stamp.minute, stamp.second, stamp.microsecond) == (0, 0, 0)
    assert await t.BoxEvent.count() == 0  # asking and following up leave no event with a time


async def test_a_polls_thank_you_page_links_to_the_units_box(
    client: httpx.AsyncClient, world: World
) -> None:
    from tests.conftest import create_open_poll

    poll = await create_open_poll(client, world)
    thanks = await client.get(f"/p/{poll.code}/thanks")
    assert 'href="/hoi/than-mao-khe"' in thanks.text
    assert (await client.get("/hoi/than-mao-khe")).status_code == 200


async def test_the_box_qr_code_decodes_to_its_link(make_client: MakeClient, world: World) -> None:
    client = await make_client(base_url="https://polls.example.vn")
    svg = await client.get("/hoi/mk-kt3/qr.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert decode(rasterize_svg(svg.text)) == ["https://polls.example.vn/hoi/mk-kt3"]


async def test_the_form_api_names_the_poll_units_box_the_same_for_every_visitor(
    make_client: MakeClient, world: World
) -> None:
    """What the Zalo Mini App links to: the poll's unit's box, with nothing of who asks."""
    from tests.conftest import create_open_poll

    client = await make_client(base_url="https://polls.example.vn")
    poll = await create_open_poll(client, world)
    seen = []
    for agent, address in (("Phone-A/1", "192.0.2.1"), ("Phone-B/2", "192.0.2.2")):
        client.cookies.clear()
        form = await client.get(
            f"/api/v1/forms/{poll.code}",
            headers={"User-Agent": agent, "X-Forwarded-For": address, "Accept-Language": "vi"},
        )
        assert form.status_code == 200
        body = form.json()
        assert body["box_url"] == "https://polls.example.vn/hoi/than-mao-khe"
        assert body["texts"]["ask_union"] == "Hỏi công đoàn"
        assert body["texts"]["box_intro"].startswith("Bạn có câu hỏi")
        seen.append(form.content)
    assert seen[0] == seen[1]
    english = await client.get(f"/api/v1/forms/{poll.code}", headers={"Accept-Language": "en"})
    assert english.json()["texts"]["ask_union"] == "Ask the union"
