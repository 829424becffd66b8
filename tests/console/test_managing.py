"""An open poll's safe edits, close with confirmation, reopen once, delete and archive, and
a placement's label and kind, through the console; as the honest officer, and as the
curious one (a reopen must not hand out a release of fewer than k new people, a refusal to
delete must not tell whether anyone answered)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from polls import tables as t
from polls.services import amending, polls, releases, trends, unlinking
from polls.services.cache import forget_poll
from polls.services.polls import now
from tests.conftest import (
    SAMPLE_POLL,
    OpenPoll,
    World,
    add_placement,
    answer_as_new_device,
    create_draft_poll,
    create_open_poll,
    snapshot,
)
from tests.console.conftest import csrf_token, login, post_form


async def poll_row(poll_id: int) -> dict[str, Any]:
    row = await t.Poll.select().where(t.Poll.id == poll_id).first()
    assert row is not None
    return row


def amend_form(open_poll: OpenPoll, **fields: str) -> dict[str, str]:
    """What the safe-edit form posts, unchanged unless told."""
    data = {
        "title": SAMPLE_POLL["title"],
        "description": SAMPLE_POLL["description"],
        "closes_at": "",
        "min_group_size": "5",
    }
    for q in open_poll.questions:
        data[f"t{q['id']}"] = q["text"]
        for o in q["options"]:
            data[f"o{o['id']}"] = o["label"]
    return {**data, **fields}


async def test_an_open_poll_takes_safe_edits_recorded_in_its_history(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await answer_as_new_device(client, open_poll.code, open_poll.answers())
    await login(client, "officer")
    form = await client.get(f"/console/polls/{open_poll.id}/edit")
    assert form.status_code == 200
    assert form.text.count("<h1") == 1
    single = open_poll.questions[0]
    option = single["options"][1]  # "Bảng tin"
    data = amend_form(
        open_poll,
        title="Bạn nhận thông tin công đoàn qua những kênh nào?",
        min_group_size="7",
        publish_results="on",
        **{f"t{single['id']}": "Kênh nào nhanh nhất?", f"o{option['id']}": "Bảng tin."},
    )
    saved = await client.post(
        f"/console/polls/{open_poll.id}/edit", data={**data, "_csrf_token": csrf_token(form)}
    )
    assert saved.status_code == 303, saved.text
    poll = await polls.get(world.principals["officer"], open_poll.id)
    assert poll.title == "Bạn nhận thông tin công đoàn qua những kênh nào?"
    assert poll.min_group_size == 7
    assert poll.publish_results
    assert poll.questions[0].text == "Kênh nào nhanh nhất?"
    assert poll.questions[0].options[1].label == "Bảng tin."
    # the same rows, renamed: answers given before still point at them
    assert poll.questions[0].id == single["id"]
    assert poll.questions[0].options[1].id == option["id"]
    assert await t.Answer.count().where(t.Answer.question == single["id"]) == 1
    (edit,) = await amending.history(open_poll.id)
    assert set(edit.fields) >= {"title", "min_group_size", "publish_results", "questions.0.text"}
    assert "questions.0.options" in edit.fields
    for path in ("", "/results"):
        page = await client.get(f"/console/polls/{open_poll.id}{path}?lang=vi")
        assert "Sửa lúc" in page.text, path
        page = await client.get(f"/console/polls/{open_poll.id}{path}?lang=en")
        assert "Edited at" in page.text, path


async def test_changes_beyond_a_typo_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await login(client, "officer")
    form = await client.get(f"/console/polls/{open_poll.id}/edit?lang=vi")
    yes_no = open_poll.questions[3]
    single = open_poll.questions[0]
    before = await snapshot()
    for changes, status, message in (
        ({f"t{yes_no['id']}": "Không muốn nhận tin qua Zalo?"}, 422, "nhiều hơn một lỗi gõ"),
        ({f"o{single['options'][0]['id']}": "Facebook"}, 422, "nhiều hơn một lỗi gõ"),
        ({"min_group_size": "3"}, 409, "không thể giảm"),
        ({"closes_at": "2020-01-01T08:00"}, 422, None),
        ({"title": ""}, 422, None),
        ({"min_group_size": "٧"}, 422, None),
    ):
        sent = await client.post(
            f"/console/polls/{open_poll.id}/edit",
            data={**amend_form(open_poll, **changes), "_csrf_token": csrf_token(form)},
        )
        assert sent.status_code == status, (changes, sent.text[:300])
        assert "Không có gì được lưu" in sent.text
        if message:
            assert message in sent.text, changes
    assert await snapshot() == before


async def test_typo_rule() -> None:
    assert amending.is_typo_fix("Bảng tín", "Bảng tin")
    assert amending.is_typo_fix("Kênh nhanh nhất?", "Kênh nào nhanh nhất?")
    assert not amending.is_typo_fix("Có", "Không")
    assert not amending.is_typo_fix("Rất hài lòng", "Rất không hài lòng")
    assert amending.edit_distance("kitten", "sitting") == 3


async def test_close_asks_for_confirmation_first(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    await login(client, "officer")
    page = await client.get(f"/console/polls/{open_poll.id}")
    assert f'href="/console/polls/{open_poll.id}/close"' in page.text
    unconfirmed = await post_form(client, f"/console/polls/{open_poll.id}/close")
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"] == f"/console/polls/{open_poll.id}/close"
    assert (await poll_row(open_poll.id))["status"] == "open"
    confirm = await client.get(f"/console/polls/{open_poll.id}/close?lang=vi")
    assert confirm.status_code == 200
    assert confirm.text.count("<h1") == 1
    assert "mở lại một lần" in confirm.text
    closed = await client.post(
        f"/console/polls/{open_poll.id}/close",
        data={"confirm": "close", "_csrf_token": csrf_token(confirm)},
    )
    assert closed.status_code == 303
    row = await poll_row(open_poll.id)
    assert row["status"] == "closed"
    assert row["keys_destroyed"]


async def test_reopen_once_keeps_answers_and_starts_a_fresh_key_set(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """Before the close, one device answers; after the reopen that device can answer again
    (the console said so), but twice within the reopened time it cannot."""
    client.cookies.clear()
    first = await client.post(
        f"/api/v1/forms/{open_poll.code}/responses", json={"answers": open_poll.answers()}
    )
    assert first.status_code == 201
    device = dict(client.cookies)
    await login(client, "officer")
    await post_form(client, f"/console/polls/{open_poll.id}/close", {"confirm": "close"})
    assert await t.DuplicateKey.count() == 0
    page = await client.get(f"/console/polls/{open_poll.id}?lang=vi")
    assert f'href="/console/polls/{open_poll.id}/reopen"' in page.text
    confirm = await client.get(f"/console/polls/{open_poll.id}/reopen?lang=vi")
    assert "trả lời thêm một lần" in confirm.text
    reopened = await client.post(
        f"/console/polls/{open_poll.id}/reopen", data={"_csrf_token": csrf_token(confirm)}
    )
    assert reopened.status_code == 303
    row = await poll_row(open_poll.id)
    assert row["status"] == "open"
    assert not row["keys_destroyed"]
    assert row["reopened_at"]
    assert await t.Response.count() == 1  # kept
    page = await client.get(f"/console/polls/{open_poll.id}?lang=en")
    assert "cannot be checked" in page.text
    # the same phone, after the reopen: once more, then no more
    async with httpx.AsyncClient(transport=client._transport, base_url=client.base_url) as phone:
        phone.cookies.update(device)
        again = await phone.post(
            f"/api/v1/forms/{open_poll.code}/responses", json={"answers": open_poll.answers()}
        )
        assert again.status_code == 201, again.text
        twice = await phone.post(
            f"/api/v1/forms/{open_poll.code}/responses", json={"answers": open_poll.answers()}
        )
        assert twice.status_code == 409
    # a process that read the poll closed before the reopen must not take the new keys
    assert not await unlinking.destroy_keys(open_poll.id)
    assert await t.DuplicateKey.count() == 1
    await post_form(client, f"/console/polls/{open_poll.id}/close", {"confirm": "close"})
    assert await t.DuplicateKey.count() == 0
    once_more = await post_form(client, f"/console/polls/{open_poll.id}/reopen")
    assert once_more.status_code == 409
    assert (
        "chỉ mở lại được"
        in (await client.get(f"/console/polls/{open_poll.id}/reopen?lang=vi")).text
        or "không thể mở lại"
        in (await client.get(f"/console/polls/{open_poll.id}/reopen?lang=vi")).text
    )


async def test_no_reopen_once_the_closing_time_has_passed(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    await login(client, "officer")
    await post_form(client, f"/console/polls/{poll.id}/close", {"confirm": "close"})
    await t.Poll.update({t.Poll.closes_at: now() - timedelta(minutes=1)}).where(
        t.Poll.id == poll.id
    )
    forget_poll(poll.id)
    refused = await post_form(client, f"/console/polls/{poll.id}/reopen")
    assert refused.status_code == 409
    assert (await poll_row(poll.id))["status"] == "closed"


async def test_releases_hold_across_a_reopen(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """k = 5: five answers, a close (released: 5), a reopen, three more, a second close. A
    release of 8 would tell the three apart from the five: it is never made."""
    for _ in range(5):
        assert (
            await answer_as_new_device(client, open_poll.code, open_poll.answers())
        ).status_code == 201
    await login(client, "officer")
    await post_form(client, f"/console/polls/{open_poll.id}/close", {"confirm": "close"})
    poll = await polls.load(open_poll.id)
    assert (await releases.current(poll)).respondents == 5
    await post_form(client, f"/console/polls/{open_poll.id}/reopen")
    for _ in range(3):
        assert (
            await answer_as_new_device(client, open_poll.code, open_poll.answers())
        ).status_code == 201
    await login(client, "officer")
    assert (await releases.current(await polls.load(open_poll.id))).respondents == 5
    await post_form(client, f"/console/polls/{open_poll.id}/close", {"confirm": "close"})
    closed = await polls.load(open_poll.id)
    assert (await releases.current(closed)).respondents == 5
    results = await client.get(
        f"/api/v1/polls/{open_poll.id}/results", headers=world.auth("officer")
    )
    assert results.json()["responses"] == 5


async def test_a_draft_is_deleted_a_poll_that_was_open_is_archived(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    draft = await create_draft_poll(client, world, title="Bản nháp thử")
    await add_placement(client, world, draft["id"], "Nhà ăn thử")
    await login(client, "officer")
    confirm = await client.get(f"/console/polls/{draft['id']}/delete")
    assert confirm.status_code == 200
    deleted = await client.post(
        f"/console/polls/{draft['id']}/delete", data={"_csrf_token": csrf_token(confirm)}
    )
    assert deleted.status_code == 303
    assert await t.Poll.count() == 1
    assert await t.Placement.count() == 1
    assert await t.Question.count().where(t.Question.poll == draft["id"]) == 0
    # an open poll is never deleted, whether or not anyone answered
    refused = await post_form(client, f"/console/polls/{open_poll.id}/delete")
    assert refused.status_code == 409
    # archive: only once it is not running
    assert (await post_form(client, f"/console/polls/{open_poll.id}/archive")).status_code == 409
    await post_form(client, f"/console/polls/{open_poll.id}/close", {"confirm": "close"})
    assert (await post_form(client, f"/console/polls/{open_poll.id}/archive")).status_code == 303
    listing = await client.get("/console")
    assert f'href="/console/polls/{open_poll.id}"' not in listing.text
    archived = await client.get("/console?archived=true")
    assert f'href="/console/polls/{open_poll.id}"' in archived.text
    assert (await client.get(f"/console/polls/{open_poll.id}/results")).status_code == 200
    archived_poll = await polls.load(open_poll.id)
    in_series = await trends.series_polls(world.principals["officer"], archived_poll.series)
    assert [p.id for p in in_series] == [open_poll.id]  # kept for trends
    assert (await post_form(client, f"/console/polls/{open_poll.id}/unarchive")).status_code == 303
    assert f'href="/console/polls/{open_poll.id}"' in (await client.get("/console")).text
    assert await t.Poll.count() == 1


async def test_placements_renamed_and_deleted_only_in_a_draft(
    client: httpx.AsyncClient, world: World
) -> None:
    """Refusing to delete an open poll's placement says the same whether or not someone
    answered through it: a link made for one person tells nothing about him."""
    answered = await create_open_poll(client, world)
    unanswered = await add_placement(client, world, answered.id, "Bảng tin PX3")
    await answer_as_new_device(client, answered.code, answered.answers())
    await login(client, "officer")
    placement_id = (
        await t.Placement.select(t.Placement.id).where(t.Placement.code == answered.code).first()
    )["id"]
    edit = await client.get(f"/console/placements/{placement_id}/edit")
    assert edit.status_code == 200
    renamed = await client.post(
        f"/console/placements/{placement_id}/edit",
        data={"label": "Nhà ăn PX3", "kind": "notice_board", "_csrf_token": csrf_token(edit)},
    )
    assert renamed.status_code == 303
    row = await t.Placement.select().where(t.Placement.id == placement_id).first()
    assert (row["label"], row["kind"], row["code"]) == ("Nhà ăn PX3", "notice_board", answered.code)
    bad = await client.post(
        f"/console/placements/{placement_id}/edit",
        data={"label": " ", "kind": "rocket", "_csrf_token": csrf_token(edit)},
    )
    assert bad.status_code == 422
    messages = []
    for pid in (placement_id, unanswered["id"]):
        before = await snapshot()
        refused = await post_form(client, f"/console/placements/{pid}/delete")
        assert refused.status_code == 303
        assert await snapshot() == before
        page = await client.get(f"/console/polls/{answered.id}")
        messages.append(page.text.split('class="flash error"', 1)[1].split("</p>", 1)[0])
    assert messages[0] == messages[1]
    draft = await create_draft_poll(client, world)
    extra = await add_placement(client, world, draft["id"], "Nhầm")
    assert (await post_form(client, f"/console/placements/{extra['id']}/delete")).status_code == 303
    assert not await t.Placement.exists().where(t.Placement.id == extra["id"])


async def test_a_rename_keeps_a_zalo_group_and_a_hand_count_keeps_its_kind(
    client: httpx.AsyncClient, world: World
) -> None:
    """Renaming the Zalo placement must not forget the group the bot posts to; a canteen
    link with answers must not become a hand count (nor a hand count a link)."""
    poll = await create_open_poll(client, world)
    zalo = await add_placement(client, world, poll.id, "Nhóm Zalo PX3", kind="zalo")
    await t.Placement.update({t.Placement.chat_id: "8512247740385372104"}).where(
        t.Placement.id == zalo["id"]
    )
    paper = await add_placement(client, world, poll.id, "Họp tổ", kind="paper")
    await login(client, "officer")
    edit = await client.get(f"/console/placements/{zalo['id']}/edit")
    renamed = await client.post(
        f"/console/placements/{zalo['id']}/edit",
        data={"label": "Nhóm Zalo Khai thác 3", "kind": "zalo", "_csrf_token": csrf_token(edit)},
    )
    assert renamed.status_code == 303
    row = await t.Placement.select().where(t.Placement.id == zalo["id"]).first()
    assert (row["label"], row["chat_id"]) == ("Nhóm Zalo Khai thác 3", "8512247740385372104")
    canteen = (
        await t.Placement.select(t.Placement.id).where(t.Placement.code == poll.code).first()
    )["id"]
    for pid, kind in ((canteen, "paper"), (paper["id"], "canteen")):
        before = await snapshot()
        refused = await client.post(
            f"/console/placements/{pid}/edit",
            data={"label": "Đổi", "kind": kind, "_csrf_token": csrf_token(edit)},
        )
        assert refused.status_code == 422
        assert "đếm tay" in refused.text.lower()
        assert await snapshot() == before


async def test_new_pages_are_scoped_role_checked_and_csrf_protected(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    draft = await create_draft_poll(client, world)
    placement_id = (await t.Placement.select(t.Placement.id).first())["id"]
    posts = (
        (f"/console/polls/{open_poll.id}/edit", amend_form(open_poll, title="X")),
        (f"/console/polls/{open_poll.id}/close", {"confirm": "close"}),
        (f"/console/polls/{open_poll.id}/reopen", {}),
        (f"/console/polls/{draft['id']}/delete", {}),
        (f"/console/polls/{open_poll.id}/archive", {}),
        (f"/console/polls/{open_poll.id}/unarchive", {}),
        (f"/console/placements/{placement_id}/edit", {"label": "X", "kind": "link"}),
        (f"/console/placements/{placement_id}/delete", {}),
    )
    gets = (
        f"/console/polls/{open_poll.id}/close",
        f"/console/polls/{open_poll.id}/reopen",
        f"/console/polls/{draft['id']}/delete",
        f"/console/placements/{placement_id}/edit",
    )
    before = await snapshot()
    for who, status in (("outsider", 404), ("mk-viewer", 403)):
        await login(client, who)
        for path in gets:
            assert (await client.get(path)).status_code == status, (who, path)
        for path, data in posts:
            assert (await post_form(client, path, data)).status_code == status, (who, path)
    await login(client, "officer")
    for path, data in posts:
        assert (await client.post(path, data=data)).status_code == 403, path
    client.cookies.clear()
    for path in gets:
        assert (await client.get(path)).status_code in (302, 303, 401), path
    assert await snapshot() == before


async def test_an_api_edit_of_an_open_poll_is_in_its_history_too(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    patched = await client.patch(
        f"/api/v1/polls/{open_poll.id}",
        json={"title": "Kênh thông tin công đoàn"},
        headers=world.auth("officer"),
    )
    assert patched.status_code == 200
    (edit,) = await amending.history(open_poll.id)
    assert edit.fields == ("title",)
    draft = await create_draft_poll(client, world)
    await client.patch(
        f"/api/v1/polls/{draft['id']}", json={"title": "Nháp"}, headers=world.auth("officer")
    )
    assert await amending.history(draft["id"]) == []  # a draft has no history to keep
