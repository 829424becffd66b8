"""Issue 12, item 6: the notice is true. Each claim of a poll's ``/p/{code}/privacy`` page
carries ``data-claim``; after real submissions every claim is checked against the stored
data, and a claim the tests cannot check fails (so the notice says nothing more), as does a
check with no claim on the page (so it says nothing less)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.services import unlinking
from tests.api.test_codes import SLIP_CODE
from tests.api.test_telegram import BOT_TOKEN, fake_telegram, init_data, tma  # noqa: F401
from tests.conftest import SECRET, OpenPoll, World, create_open_poll
from tests.forms.test_pages import form_data
from tests.privacy.admin import marker
from tests.sharing.tools import pdf_text
from tests.traces import every_stored_value

CLAIM = re.compile(r'data-claim="([a-z0-9-]+)"')
RESPONSE_FIELDS = {"id", "poll", "placement", "unit", "channel", "submitted_hour", "fresh"}
ANSWER_FIELDS = {
    "id",
    "response",
    "question",
    "option",
    "value_int",
    "value_text",
    "poll",
    "placement",
    "unit",
    "channel",
}


@pytest.fixture
async def site(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]],
    fake_telegram: Any,  # noqa: F811
) -> httpx.AsyncClient:
    return await make_client(
        rate_limit_per_ip=0,
        telegram_bot_token=BOT_TOKEN,
        telegram_bot_username="congdoan_test_bot",
        telegram_app_name="phieu",
        telegram_api_base=fake_telegram.url,
    )


class Story:
    """The submissions behind one poll's notice, and what the checks need to know."""

    def __init__(self, poll: OpenPoll, policy: str) -> None:
        self.poll = poll
        self.policy = policy
        self.subjects: list[str] = []
        self.secrets_sent: list[str] = []
        self.submission_ids: list[str] = []
        self.thanks: list[str] = []
        self.printed: list[str] = []
        """The one-time codes printed for a poll of the policy ``code``."""


async def _print_codes(site: httpx.AsyncClient, story: Story, world: World, n: int) -> None:
    listed = await site.get(
        f"/api/v1/polls/{story.poll.id}/placements", headers=world.auth("officer")
    )
    sheet = await site.post(
        f"/api/v1/placements/{listed.json()[0]['id']}/codes.pdf",
        json={"count": n},
        headers=world.auth("officer"),
    )
    assert sheet.status_code == 201, sheet.text
    story.printed = [c.replace("-", "") for c in SLIP_CODE.findall(pdf_text(sheet.content))]
    assert len(story.printed) == n


async def _submit(site: httpx.AsyncClient, story: Story, n: int = 6) -> None:
    for i in range(n):
        submission_id = f"sub-{i}-{marker(i)}"
        headers = {"User-Agent": "Notice-Agent/1.0"}
        site.cookies.clear()
        if story.policy == "messenger":
            user_id = 7000000000 + i
            headers.update(tma(init_data(user_id)))
            story.subjects.append(f"telegram:{user_id}")
            story.secrets_sent.append(str(user_id))
        else:
            token = privacy.new_device_token(SECRET)
            site.cookies.set(privacy.DEVICE_COOKIE, token)
            story.subjects.append(privacy.device_subject(token))
            story.secrets_sent.append(token)
        body = {"answers": story.poll.answers(marker(i)), "submission_id": submission_id}
        if story.policy == "code":
            body["code"] = story.printed[i]
            story.subjects[-1] = f"code:{story.printed[i]}"
        sent = await site.post(
            f"/api/v1/forms/{story.poll.code}/responses", json=body, headers=headers
        )
        assert sent.status_code == 201, sent.text
        story.submission_ids.append(submission_id)
    site.cookies.clear()
    if story.policy != "messenger":  # and once through the plain form, to see where it leads
        token = privacy.new_device_token(SECRET)
        site.cookies.set(privacy.DEVICE_COOKIE, token)
        data = form_data(story.poll)
        if story.policy == "code":
            data["code"] = story.printed[n]
        form = await site.post(f"/p/{story.poll.code}", data=data)
        assert form.status_code == 303, form.text
        story.subjects.append(
            f"code:{story.printed[n]}" if story.policy == "code" else privacy.device_subject(token)
        )
        story.secrets_sent.append(token)
        story.thanks.append(form.headers["location"])
        site.cookies.clear()


async def _columns(table: type[t.Table]) -> set[str]:
    row = await table.select().first()
    assert row is not None
    return set(row)


async def check_response_fields(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert await _columns(t.Response) == RESPONSE_FIELDS
    assert await _columns(t.Answer) == ANSWER_FIELDS
    for row in await t.Response.select(t.Response.submitted_hour):
        moment = row["submitted_hour"]
        assert (moment.minute, moment.second, moment.microsecond) == (0, 0, 0)


async def check_no_device_id_stored(story: Story, site: httpx.AsyncClient, world: World) -> None:
    stored = " ".join(value for _, _, value in await every_stored_value())
    for sent in [*story.secrets_sent, *story.submission_ids, "Notice-Agent", "127.0.0.1"]:
        assert sent not in stored, sent


async def _keys_are_per_poll_hashes(story: Story) -> None:
    keys = {
        r["key"] for r in await t.DuplicateKey.select().where(t.DuplicateKey.poll == story.poll.id)
    }
    assert keys == {privacy.duplicate_key(SECRET, story.poll.id, s) for s in story.subjects}
    other_poll = story.poll.id + 1
    assert not keys & {privacy.duplicate_key(SECRET, other_poll, s) for s in story.subjects}
    assert await _columns(t.DuplicateKey) == {"key", "poll"}


async def check_device_key_per_poll(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert story.policy == "device"
    await _keys_are_per_poll_hashes(story)


async def check_account_key_per_poll(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert story.policy == "messenger"
    await _keys_are_per_poll_hashes(story)


async def check_code_key_per_poll(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert story.policy == "code"
    await _keys_are_per_poll_hashes(story)  # the used codes' duplicate keys
    printed = {r["key"] for r in await t.PrintedCode.select()}
    assert printed == {privacy.printed_code_key(SECRET, story.poll.id, c) for c in story.printed}
    assert not printed & {r["key"] for r in await t.DuplicateKey.select()}  # they do not join
    assert await _columns(t.PrintedCode) == {"key", "poll"}
    stored = " ".join(value for _, _, value in await every_stored_value())
    assert not [code for code in story.printed if code in stored]


async def check_no_key_stored(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert story.policy == "none"
    assert await t.DuplicateKey.count() == 0


async def check_submission_key_per_poll(
    story: Story, site: httpx.AsyncClient, world: World
) -> None:
    keys = {r["key"] for r in await t.IdempotencyKey.select()}
    assert keys == {privacy.idempotency_key(SECRET, story.poll.id, s) for s in story.submission_ids}
    assert await _columns(t.IdempotencyKey) == {"key", "poll"}


async def check_links_removed_hourly(story: Story, site: httpx.AsyncClient, world: World) -> None:
    before = {r["id"] for r in await t.Response.select(t.Response.id)}
    # the hour ends (the step that the hourly task, a form read or close would run)
    done = await unlinking.unlink_ended_hours(unlinking.next_hour())
    assert done.responses == len(before)
    after = await t.Response.select(t.Response.id, t.Response.fresh)
    assert not before & {r["id"] for r in after}
    assert not any(r["fresh"] for r in after)


async def check_keys_deleted_at_close(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert await t.IdempotencyKey.count() > 0
    closed = await site.post(f"/api/v1/polls/{story.poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    assert await t.DuplicateKey.count() == 0
    assert await t.IdempotencyKey.count() == 0
    assert await t.PrintedCode.count() == 0
    form = await site.get(f"/p/{story.poll.code}")
    assert "đã đóng" in form.text or "closed" in form.text


async def check_no_receipt(story: Story, site: httpx.AsyncClient, world: World) -> None:
    assert "receipt" not in await _columns(t.Response)
    if story.policy != "messenger":
        assert story.thanks == [f"/p/{story.poll.code}/thanks"]
        page = await site.get(story.thanks[0])
        assert page.status_code == 200


async def check_results_min_k(story: Story, site: httpx.AsyncClient, world: World) -> None:
    poll = await t.Poll.select(t.Poll.min_group_size).where(t.Poll.id == story.poll.id).first()
    assert poll is not None
    assert story.k == poll["min_group_size"]  # type: ignore[attr-defined]


CHECKS = {
    "response-fields": check_response_fields,
    "no-device-id-stored": check_no_device_id_stored,
    "device-key-per-poll": check_device_key_per_poll,
    "account-key-per-poll": check_account_key_per_poll,
    "no-key-stored": check_no_key_stored,
    "code-key-per-poll": check_code_key_per_poll,
    "submission-key-per-poll": check_submission_key_per_poll,
    "links-removed-hourly": check_links_removed_hourly,
    "no-receipt": check_no_receipt,
    "results-min-k": check_results_min_k,
    "keys-deleted-at-close": check_keys_deleted_at_close,  # last: it closes the poll
}


@pytest.mark.parametrize("policy", ["device", "messenger", "none", "code"])
async def test_every_claim_of_the_notice_holds_for_the_stored_data(
    site: httpx.AsyncClient, world: World, policy: str
) -> None:
    poll = await create_open_poll(site, world, duplicate_policy=policy, min_group_size=7)
    story = Story(poll, policy)
    if policy == "code":
        await _print_codes(site, story, world, 7)
    await _submit(site, story)

    notice = await site.get(f"/p/{poll.code}/privacy", headers={"Accept-Language": "vi"})
    assert notice.status_code == 200
    claims = CLAIM.findall(notice.text)
    assert len(claims) == len(set(claims))
    assert set(claims) <= set(CHECKS), set(claims) - set(CHECKS)  # nothing unchecked
    k = re.search(r'data-claim="results-min-k" data-k="(\d+)"', notice.text)
    assert k is not None
    story.k = int(k.group(1))  # type: ignore[attr-defined]
    assert story.k == 7  # type: ignore[attr-defined]
    policy_claims = {
        "device-key-per-poll",
        "account-key-per-poll",
        "no-key-stored",
        "code-key-per-poll",
    }
    assert set(CHECKS) - set(claims) == policy_claims - set(claims)  # nothing left out
    assert len(policy_claims & set(claims)) == 1
    for claim in sorted(claims, key=list(CHECKS).index):
        await CHECKS[claim](story, site, world)


async def test_the_form_links_its_own_notice(site: httpx.AsyncClient, world: World) -> None:
    poll = await create_open_poll(site, world)
    form = await site.get(f"/p/{poll.code}")
    assert f'href="/p/{poll.code}/privacy"' in form.text
    general = await site.get("/privacy")
    assert general.status_code == 200
    assert set(CLAIM.findall(general.text)) <= set(CHECKS)
