"""The preview of a poll: the worker's own form in a frame, both languages, every state, and
answers that are checked like real ones but never stored (every table stays as it was)."""

from __future__ import annotations

import httpx

from polls import tables as t
from tests.conftest import SAMPLE_POLL, World, add_placement, create_draft_poll, snapshot
from tests.console.conftest import csrf_token, login


def answers_for(poll: dict) -> dict[str, object]:
    q = poll["questions"]
    return {
        f"q{q[0]['id']}": str(q[0]["options"][0]["id"]),
        f"q{q[1]['id']}": [str(q[1]["options"][0]["id"]), str(q[1]["options"][1]["id"])],
        f"q{q[2]['id']}": "4",
        f"q{q[3]['id']}": "yes",
        f"q{q[4]['id']}": "Bữa ăn ngon hơn",
    }


async def test_the_preview_page_frames_the_form_phone_sized_and_full(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world)
    await login(client, "officer")
    phone = await client.get(f"/console/polls/{poll['id']}/preview")
    assert phone.status_code == 200
    assert phone.text.count("<h1") == 1
    assert 'class="preview-frame phone"' in phone.text
    assert f'src="/console/polls/{poll["id"]}/preview/form?locale=vi&amp;view=form"' in phone.text
    full = await client.get(f"/console/polls/{poll['id']}/preview?size=full&locale=en")
    assert 'class="preview-frame full"' in full.text
    assert "locale=en" in full.text
    poll_page = await client.get(f"/console/polls/{poll['id']}")
    assert f'href="/console/polls/{poll["id"]}/preview"' in poll_page.text


async def test_the_framed_form_is_the_worker_form_in_either_language(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world)
    await login(client, "officer")
    frame = f"/console/polls/{poll['id']}/preview/form"
    vi = await client.get(frame, params={"locale": "vi"})
    assert vi.status_code == 200
    assert "frame-ancestors 'self'" in vi.headers["content-security-policy"]
    assert '<html lang="vi">' in vi.text
    assert "Gửi câu trả lời" in vi.text or "Gửi ý kiến" in vi.text
    for question in SAMPLE_POLL["questions"]:
        assert question["text"] in vi.text
    assert "<script>" not in vi.text  # the offline queue would keep answers in the browser
    en = await client.get(frame, params={"locale": "en"})
    assert '<html lang="en">' in en.text
    assert "Send my answers" in en.text
    # switching the previewed language leaves the console's own language alone
    assert "polls_lang" not in en.headers.get("set-cookie", "")
    errors = await client.get(frame, params={"locale": "en", "view": "error"})
    assert errors.text.count("This question needs an answer.") == 4  # the text one is optional
    thanks = await client.get(frame, params={"locale": "vi", "view": "thanks"})
    assert "Cảm ơn" in thanks.text


async def test_answers_given_in_a_preview_are_never_stored(
    client: httpx.AsyncClient, world: World
) -> None:
    """An open poll with a placement, previewed and answered: no response, answer, duplicate
    or idempotency key, visit or release is written; every row of every table is unchanged."""
    poll = await create_draft_poll(client, world)
    await add_placement(client, world, poll["id"], "Nhà ăn PX3", kind="canteen")
    opened = await client.post(f"/api/v1/polls/{poll['id']}/open", headers=world.auth("officer"))
    assert opened.status_code == 200
    await login(client, "officer")
    frame = f"/console/polls/{poll['id']}/preview/form?locale=vi"
    page = await client.get(frame)
    before = await snapshot()
    sent = await client.post(frame, data={**answers_for(poll), "_csrf_token": csrf_token(page)})
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("view=thanks")
    wrong = await client.post(
        frame, data={f"q{poll['questions'][2]['id']}": "9", "_csrf_token": csrf_token(page)}
    )
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text
    assert await snapshot() == before
    for table in (t.Response, t.Answer, t.DuplicateKey, t.IdempotencyKey, t.PlacementVisit):
        assert await table.count() == 0, table._meta.tablename


async def test_a_preview_answer_with_errors_comes_back_with_the_form_own_messages(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world)
    await login(client, "officer")
    frame = f"/console/polls/{poll['id']}/preview/form?locale=en"
    page = await client.get(frame)
    answers = answers_for(poll)
    del answers[f"q{poll['questions'][0]['id']}"]
    sent = await client.post(frame, data={**answers, "_csrf_token": csrf_token(page)})
    assert sent.status_code == 422
    assert sent.text.count("This question needs an answer.") == 1
    assert "Bữa ăn ngon hơn" in sent.text  # what was typed is kept


async def test_preview_is_scoped_and_csrf_protected(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_draft_poll(client, world)
    frame = f"/console/polls/{poll['id']}/preview/form"
    anonymous = await client.get(f"/console/polls/{poll['id']}/preview")
    assert anonymous.status_code in (302, 303, 401)
    await login(client, "outsider")
    assert (await client.get(f"/console/polls/{poll['id']}/preview")).status_code == 404
    assert (await client.get(frame)).status_code == 404
    await client.post(
        "/console/logout", data={"_csrf_token": csrf_token(await client.get("/console"))}
    )
    await login(client, "officer")
    no_token = await client.post(frame, data=answers_for(poll))
    assert no_token.status_code == 403
    await login(client, "mk_viewer".replace("_", "-"))
    assert (await client.get(f"/console/polls/{poll['id']}/preview")).status_code == 200
