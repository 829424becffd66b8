"""Results posters ("Bạn nói – Công đoàn làm", issue 15): drafted by the poll's officer,
approved by the unit's leadership, printed and shown behind a public link only once
approved, and never showing more than the released results.

Roles, scope and CSRF of every console route of the poster are rows of
``tests/rules/test_routes.py``'s grid; the API's rows are in ``tests/api/test_authorization.py``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from polls.i18n import percent, using_locale
from polls.services import polls as poll_service
from polls.services.results import results_for
from polls.settings import Settings
from tests.conftest import World, add_placement, create_open_poll, snapshot
from tests.console.conftest import answer, csrf_token, login
from tests.sharing.tools import decode, pdf_page_sizes, pdf_pages, pdf_text, pdf_words

SMALL_GROUP = "Tổ 3 lò chợ"
SECRET_TEXT = "Quản đốc Hùng ép tăng ca"
"""A free text only the small group wrote: it must never reach a poster."""


@dataclass
class Scene:
    poll: int
    questions: list[dict]
    next_placement: int
    next_code: str


async def closed_poll(client: httpx.AsyncClient, world: World, *, language: str = "vi") -> Scene:
    """A closed poll of Mạo Khê: 12 answers from the canteen, 2 from a small group of its
    own placement (who all chose the last option and wrote a free text), and the next
    wave of its series (a draft duplicate with a placement)."""
    poll = await create_open_poll(client, world, duplicate_policy="none", language=language)
    small = await add_placement(client, world, poll.id, SMALL_GROUP, kind="notice_board")
    q = poll.questions
    for index in range(12):
        answers = poll.answers(text="Tốt")
        answers[str(q[0]["id"])] = q[0]["options"][index % 2]["id"]
        await answer(client, poll.code, answers)
    for _ in range(2):
        answers = poll.answers(text=SECRET_TEXT)
        answers[str(q[0]["id"])] = q[0]["options"][2]["id"]
        await answer(client, small["code"], answers)
    closed = await client.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    await client.get(f"/api/v1/polls/{poll.id}/results", headers=world.auth("officer"))  # released
    copy = await client.post(f"/api/v1/polls/{poll.id}/duplicate", headers=world.auth("officer"))
    assert copy.status_code == 201, copy.text
    wave = await add_placement(client, world, copy.json()["id"], "Nhà ăn đợt 2", kind="canteen")
    return Scene(poll.id, q, wave["id"], wave["code"])


def draft_form(scene: Scene, **changes: str) -> dict[str, str]:
    q = scene.questions
    return {
        f"show_{q[0]['id']}": "chart",
        f"show_{q[3]['id']}": "sentence",
        "response_text": "Công đoàn đề nghị Công ty lập nhóm Zalo cho từng phân xưởng từ 1/12.",
        "qr": str(scene.next_placement),
        **changes,
    }


async def as_role(client: httpx.AsyncClient, who: str) -> str:
    """Sign ``who`` in (or nobody) and return a CSRF token a page of theirs carries."""
    if who == "anonymous":
        return csrf_token(await client.get("/console/login"))
    sent = await login(client, who.replace("_", "-"))
    assert sent.status_code in (302, 303), sent.text
    return csrf_token(await client.get("/console/password"))


async def drafted(client: httpx.AsyncClient, world: World, scene: Scene) -> None:
    sent = await client.put(
        f"/api/v1/polls/{scene.poll}/results-poster",
        json={
            "questions": [
                {"question": scene.questions[0]["id"], "shown_as": "chart"},
                {"question": scene.questions[3]["id"], "shown_as": "sentence"},
            ],
            "response_text": "Công đoàn đề nghị Công ty lập nhóm Zalo cho từng phân xưởng.",
            "qr_placement": scene.next_placement,
        },
        headers=world.auth("officer"),
    )
    assert sent.status_code == 200, sent.text


async def approved(client: httpx.AsyncClient, world: World, scene: Scene) -> str:
    """Approved by Mạo Khê's leadership, with a public link: the link's token."""
    await drafted(client, world, scene)
    sent = await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/approve", headers=world.auth("mk_viewer")
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["approved"] is True
    linked = await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/link", headers=world.auth("officer")
    )
    assert linked.status_code == 200, linked.text
    return str(linked.json()["public_url"]).rsplit("/r/", 1)[1]


async def test_the_officer_drafts_in_the_console_and_the_leadership_approves(
    make_client: Callable[..., Awaitable[httpx.AsyncClient]], world: World
) -> None:
    officer = await make_client()
    scene = await closed_poll(officer, world)
    token = await as_role(officer, "officer")
    page = await officer.get(f"/console/polls/{scene.poll}/results-poster")
    assert page.status_code == 200
    assert "Nhà ăn đợt 2" in page.text  # the next wave's placement, offered for the QR code
    assert f'name="show_{scene.questions[4]["id"]}"' not in page.text  # free text: not offered
    saved = await officer.post(
        f"/console/polls/{scene.poll}/results-poster",
        data={**draft_form(scene), "_csrf_token": token},
    )
    assert saved.status_code == 303
    page = await officer.get(f"/console/polls/{scene.poll}/results-poster")
    assert "/approve" not in page.text  # an officer is not offered the approval
    draft = await officer.get(f"/console/polls/{scene.poll}/results-poster/poster.pdf")
    assert "BẢN NHÁP" in pdf_text(draft.content)

    leader = await make_client()
    token = await as_role(leader, "mk_viewer")
    page = await leader.get(f"/console/polls/{scene.poll}/results-poster")
    assert "/approve" in page.text
    done = await leader.post(
        f"/console/polls/{scene.poll}/results-poster/approve", data={"_csrf_token": token}
    )
    assert done.status_code == 303
    clean = await leader.get(f"/console/polls/{scene.poll}/results-poster/poster.pdf")
    text = pdf_text(clean.content)
    assert "BẢN NHÁP" not in text
    assert "mk-viewer" in text  # approved by, said on the poster

    # an edit drops the approval: the draft mark is back
    token = csrf_token(await officer.get(f"/console/polls/{scene.poll}/results-poster"))
    await officer.post(
        f"/console/polls/{scene.poll}/results-poster",
        data={**draft_form(scene, response_text="Sửa lại."), "_csrf_token": token},
    )
    again = await officer.get(f"/console/polls/{scene.poll}/results-poster/poster.pdf")
    assert "BẢN NHÁP" in pdf_text(again.content)


BAD_DRAFTS: list[tuple[dict[str, str], str]] = [
    ({"show_{q0}": "none", "show_{q3}": "none"}, "questions"),
    ({"response_text": "   "}, "response_text"),
    ({"response_text": "x" * 601}, "response_text"),
    ({"response_text": "ok\x07"}, "response_text"),
    ({"qr": "999999"}, "qr"),
    ({"qr": "٣"}, "qr"),
]


def poster_form(scene: Scene, changes: dict[str, str]) -> dict[str, str]:
    q = scene.questions
    names = {"text": q[4]["id"], "q0": q[0]["id"], "q3": q[3]["id"]}
    return draft_form(scene, **{k.format(**names): v for k, v in changes.items()})


async def test_bad_drafts_are_a_422_in_the_officers_language_and_store_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    """Each bad draft on the same poll: each is checked to store nothing, so the next one
    meets the poll as it was."""
    scene = await closed_poll(client, world)
    token = await as_role(client, "officer")
    client.headers["accept-language"] = "en"
    before = await snapshot()
    for changes, field in BAD_DRAFTS:
        sent = await client.post(
            f"/console/polls/{scene.poll}/results-poster",
            data={**poster_form(scene, changes), "_csrf_token": token},
        )
        assert sent.status_code == 422, changes
        assert f'id="{field}-err"' in sent.text, changes
        assert await snapshot() == before, changes


async def test_a_free_text_question_in_a_draft_is_ignored_and_the_rest_saved(
    client: httpx.AsyncClient, world: World
) -> None:
    scene = await closed_poll(client, world)
    token = await as_role(client, "officer")
    client.headers["accept-language"] = "en"
    sent = await client.post(
        f"/console/polls/{scene.poll}/results-poster",
        data={**poster_form(scene, {"show_{text}": "chart"}), "_csrf_token": token},
    )
    assert sent.status_code == 303
    shown = (await client.get(f"/api/v1/polls/{scene.poll}/results-poster",
                              headers=world.auth("officer"))).json()["questions"]  # fmt: skip
    q = scene.questions
    assert [s["question"] for s in shown] == [q[0]["id"], q[3]["id"]]


async def test_a_poll_without_a_release_has_no_poster(
    client: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(client, world)
    sent = await client.put(
        f"/api/v1/polls/{poll.id}/results-poster",
        json={"questions": [{"question": poll.questions[0]["id"]}], "response_text": "x"},
        headers={**world.auth("officer"), "Accept-Language": "vi"},
    )
    assert sent.status_code == 409
    assert "chưa có kết quả" in sent.json()["detail"]


async def test_the_public_link_shows_only_an_approved_poster(
    client: httpx.AsyncClient, world: World
) -> None:
    scene = await closed_poll(client, world)
    await drafted(client, world, scene)
    linked = await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/link", headers=world.auth("officer")
    )
    token = linked.json()["public_url"].rsplit("/r/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", token)
    for path in ("", "/poster.pdf", "/cards.pdf", "/card.png"):
        assert (await client.get(f"/r/{token}{path}")).status_code == 404  # not approved yet
    await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/approve", headers=world.auth("viewer")
    )
    page = await client.get(f"/r/{token}")
    assert page.status_code == 200
    assert 'property="og:image"' in page.text
    assert f"/r/{token}/card.png" in page.text
    assert "Bạn nói – Công đoàn làm" in page.text
    assert f"/p/{scene.next_code}" in page.text  # the next wave, as a link
    image = await client.get(f"/r/{token}/card.png")
    assert image.headers["content-type"] == "image/png"
    assert image.content[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")
    english = await client.get(f"/r/{token}?lang=en")
    assert "You said – the union acts" in english.text

    # a new link ends the old one; revoking ends the new one
    renewed = await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/link", headers=world.auth("officer")
    )
    fresh = renewed.json()["public_url"].rsplit("/r/", 1)[1]
    assert (await client.get(f"/r/{token}")).status_code == 404
    assert (await client.get(f"/r/{fresh}")).status_code == 200
    revoked = await client.delete(
        f"/api/v1/polls/{scene.poll}/results-poster/link", headers=world.auth("officer")
    )
    assert revoked.json()["public_url"] is None
    assert (await client.get(f"/r/{fresh}")).status_code == 404
    for bad in ("x", "A" * 24, "%2e%2e", fresh[:-1], fresh + "A"):
        assert (await client.get(f"/r/{bad}")).status_code == 404


async def test_an_edit_or_a_new_release_ends_the_public_page_until_approved_again(
    client: httpx.AsyncClient, world: World
) -> None:
    """Of an open poll: a new release (k more respondents) drops the approval."""
    poll = await create_open_poll(client, world, duplicate_policy="none")
    for _ in range(5):
        await answer(client, poll.code, poll.answers())
    await client.get(f"/api/v1/polls/{poll.id}/results", headers=world.auth("officer"))
    scene = Scene(poll.id, poll.questions, 0, "")
    sent = await client.put(
        f"/api/v1/polls/{poll.id}/results-poster",
        json={"questions": [{"question": poll.questions[0]["id"]}], "response_text": "Sẽ làm."},
        headers=world.auth("officer"),
    )
    assert sent.status_code == 200, sent.text
    await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/approve", headers=world.auth("admin")
    )
    linked = await client.post(
        f"/api/v1/polls/{scene.poll}/results-poster/link", headers=world.auth("admin")
    )
    token = linked.json()["public_url"].rsplit("/r/", 1)[1]
    assert (await client.get(f"/r/{token}")).status_code == 200
    for _ in range(5):
        await answer(client, poll.code, poll.answers())
    assert (await client.get(f"/r/{token}")).status_code == 404
    state = await client.get(
        f"/api/v1/polls/{poll.id}/results-poster", headers=world.auth("officer")
    )
    assert state.json()["approved"] is False
    assert state.json()["respondents"] == 10


async def released_percents(poll_id: int, question_ids: set[int], locale: str) -> set[str]:
    """Every percent the released overall results of these questions show."""
    poll = await poll_service.load(poll_id)
    with using_locale(locale):
        results = await results_for(poll, None)
        return {
            percent(s.fraction)
            for q in results.questions
            if q.question_id in question_ids
            for s in q.shares
        }


async def test_the_poster_shows_only_released_overall_figures_and_no_free_text(
    client: httpx.AsyncClient, world: World
) -> None:
    """The curious officer's poster: a placement of 2 people who all chose one option and
    wrote a free text. The poster, its cards, its image and its page show the released
    overall figures only: no free text, no placement, no count of the small group."""
    scene = await closed_poll(client, world)
    token = await approved(client, world, scene)
    poster = (await client.get(f"/r/{token}/poster.pdf")).content
    cards = (await client.get(f"/r/{token}/cards.pdf")).content
    page = (await client.get(f"/r/{token}")).text
    text = pdf_text(poster)
    flat = " ".join(text.split())
    assert "14 người đã trả lời" in flat
    shown = set(re.findall(r"\d+ %", flat))
    charted = {scene.questions[0]["id"], scene.questions[3]["id"]}
    assert shown
    assert shown <= await released_percents(scene.poll, charted, "vi")
    for output in (flat, " ".join(pdf_text(cards).split()), page):
        assert SECRET_TEXT not in output
        assert "Tốt" not in output  # no free text at all, not even the many's
        assert SMALL_GROUP not in output
        assert "Nhà ăn Khai thác 3" not in output  # no breakdown by placement
        assert "≈ 2" not in output
        assert "n ≈" not in output
    assert "Quản đốc" not in page


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_the_printed_poster_reads_back_in_the_polls_language_and_scans(
    client: httpx.AsyncClient, world: World, language: str
) -> None:
    scene = await closed_poll(client, world, language=language)
    token = await approved(client, world, scene)
    client.headers["accept-language"] = "vi" if language == "en" else "en"  # not the page's
    poster = (await client.get(f"/r/{token}/poster.pdf")).content
    flat = " ".join(pdf_text(poster).split())
    if language == "vi":
        assert "Bạn nói – Công đoàn làm" in flat
        assert "Công đoàn sẽ làm gì" in flat
        assert "Quét mã QR" in flat
    else:
        assert "You said – the union acts" in flat
        assert "What the union will do" in flat
        assert "Scan the QR code" in flat
    assert "Công ty Than Mạo Khê" in flat  # the unit, with its diacritics
    expected = f"/P/{scene.next_code.upper()}"
    cards = (await client.get(f"/r/{token}/cards.pdf")).content
    for pdf in (poster, cards):
        found = decode(pdf_pages(pdf, dpi=200)[0])
        assert found
        assert all(code.endswith(expected) for code in found), found
        if pdf is cards:
            assert len(found) == 4, found


A4_PT = (595.0, 842.0)
"""A4 (210 × 297 mm) in points, as a printer reads the page: a sheet within 1 pt of it."""


def words_at(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """The one page's words with their boxes, in points from its top-left corner, sorted."""
    (page,) = pdf_words(pdf)
    return sorted((w.text, w.x0, w.y0, w.x1, w.y1) for w in page.words)


async def test_the_poster_is_one_a4_page_and_the_card_sheet_four_a6_cards_on_one(
    client: httpx.AsyncClient, world: World
) -> None:
    """Printed as they come: one A4 portrait page each. The sheet's four cards are its
    quarters (A6, 297.6 × 421 pt), each the poster at half its size, word for word."""
    scene = await closed_poll(client, world)
    token = await approved(client, world, scene)
    poster = (await client.get(f"/r/{token}/poster.pdf")).content
    cards = (await client.get(f"/r/{token}/cards.pdf")).content
    for pdf in (poster, cards):
        (size,) = pdf_page_sizes(pdf)
        assert abs(size[0] - A4_PT[0]) <= 1, size
        assert abs(size[1] - A4_PT[1]) <= 1, size
    width, height = A4_PT[0] / 2, A4_PT[1] / 2
    halved = [(text, *(v / 2 for v in box)) for text, *box in words_at(poster)]
    assert len(halved) > 20  # the poster's texts, read back
    card_words = words_at(cards)
    assert len(card_words) == 4 * len(halved)
    for left in (0.0, width):
        for top in (0.0, height):
            on_card = [
                (text, x0 - left, y0 - top, x1 - left, y1 - top)
                for text, x0, y0, x1, y1 in card_words
                if left <= x0 and x1 <= left + width and top <= y0 and y1 <= top + height
            ]
            assert [w[0] for w in on_card] == [w[0] for w in halved], (left, top)
            for (_, *box), (_, *expected) in zip(on_card, halved, strict=True):
                assert all(abs(a - b) <= 1 for a, b in zip(box, expected, strict=True)), (
                    (left, top),
                    box,
                    expected,
                )


BOX = f"{Settings.base_url}/hoi/than-mao-khe"
"""Mạo Khê's question box (``/hoi/{unit slug}``), where a poster's QR code may lead."""


async def poster_api(
    client: httpx.AsyncClient, world: World, scene: Scene, **qr: object
) -> httpx.Response:
    return await client.put(
        f"/api/v1/polls/{scene.poll}/results-poster",
        json={
            "questions": [{"question": scene.questions[0]["id"], "shown_as": "chart"}],
            "response_text": "Công đoàn trả lời mọi câu hỏi trong 7 ngày.",
            **qr,
        },
        headers=world.auth("officer"),
    )


async def test_a_poster_whose_qr_code_leads_to_the_units_question_box_scans_to_it(
    client: httpx.AsyncClient, world: World
) -> None:
    scene = await closed_poll(client, world)
    token = await as_role(client, "officer")
    page = await client.get(f"/console/polls/{scene.poll}/results-poster")
    assert '<option value="box">Hỏi công đoàn (hộp thư hỏi đáp của đơn vị)</option>' in page.text
    saved = await client.post(
        f"/console/polls/{scene.poll}/results-poster",
        data={**draft_form(scene, qr="box"), "_csrf_token": token},
    )
    assert saved.status_code == 303
    page = await client.get(f"/console/polls/{scene.poll}/results-poster")
    assert '<option value="box" selected>' in page.text  # the stored choice, shown again
    read = await client.get(
        f"/api/v1/polls/{scene.poll}/results-poster", headers=world.auth("officer")
    )
    assert (read.json()["qr"], read.json()["qr_placement"]) == ("box", None)

    draft = (await client.get(f"/console/polls/{scene.poll}/results-poster/poster.pdf")).content
    flat = " ".join(pdf_text(draft).split())
    assert "Quét mã QR để hỏi công đoàn" in flat
    assert BOX in flat  # the printed link, for people who type it
    assert decode(pdf_pages(draft, dpi=200)[0]) == [BOX]
    cards = (await client.get(f"/console/polls/{scene.poll}/results-poster/cards.pdf")).content
    assert decode(pdf_pages(cards, dpi=200)[0]) == [BOX] * 4


async def test_the_api_reads_and_writes_where_the_qr_code_leads(
    client: httpx.AsyncClient, world: World
) -> None:
    scene = await closed_poll(client, world)
    wave = scene.next_placement
    cases: list[tuple[dict[str, object], tuple[str, int | None]]] = [
        ({"qr": "box"}, ("box", None)),
        ({"qr_placement": wave}, ("placement", wave)),  # as an older client sends it
        ({"qr": "none"}, ("none", None)),
        ({"qr": "placement", "qr_placement": wave}, ("placement", wave)),
        ({}, ("none", None)),  # an old client's draft without a QR code
        ({"qr": "box", "qr_placement": None}, ("box", None)),
    ]  # fmt: skip
    for sent_qr, expected in cases:
        sent = await poster_api(client, world, scene, **sent_qr)
        assert sent.status_code == 200, (sent_qr, sent.text)
        assert (sent.json()["qr"], sent.json()["qr_placement"]) == expected, sent_qr
        read = await client.get(
            f"/api/v1/polls/{scene.poll}/results-poster", headers=world.auth("officer")
        )
        assert (read.json()["qr"], read.json()["qr_placement"]) == expected, sent_qr


QR_TARGETS: list[tuple[dict[str, object], str]] = [
    ({"qr": "box", "qr_placement": "{next}"}, "Chỉ chọn điểm đăng"),
    ({"qr": "none", "qr_placement": "{next}"}, "Chỉ chọn điểm đăng"),
    ({"qr": "placement"}, "Chọn một điểm đăng"),
    ({"qr": "placement", "qr_placement": 999999}, "Chọn một điểm đăng"),
    ({"qr": "elsewhere"}, "Chọn nơi mã QR dẫn tới"),
    ({"qr": "BOX"}, "Chọn nơi mã QR dẫn tới"),
    ({"qr": ""}, "Chọn nơi mã QR dẫn tới"),
]


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_a_contradictory_or_unknown_qr_target_is_a_422_and_stores_nothing(
    client: httpx.AsyncClient, world: World, language: str
) -> None:
    """Each target on the same poll: each refusal is checked to store nothing and keep the
    stored target, so the next one meets the poll as it was."""
    scene = await closed_poll(client, world)
    assert (await poster_api(client, world, scene, qr="box")).status_code == 200
    before = await snapshot()
    client.headers["accept-language"] = language
    for qr, message in QR_TARGETS:
        body = {k: scene.next_placement if v == "{next}" else v for k, v in qr.items()}
        sent = await poster_api(client, world, scene, **body)
        assert sent.status_code == 422, (qr, sent.text)
        said = sent.json()["errors"]["qr"]
        if language == "vi":
            assert said.startswith(message), (qr, said)
        else:
            assert said.startswith(("A placement", "Choose")), (qr, said)
            assert "điểm" not in said, (qr, said)
        assert await snapshot() == before, qr
        kept = await client.get(
            f"/api/v1/polls/{scene.poll}/results-poster", headers=world.auth("officer")
        )
        assert kept.json()["qr"] == "box", qr
