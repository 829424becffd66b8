"""Rule: every user-visible string speaks the reader's language. Each page, the PDF report
(with its charts' sentences) and the poster is rendered in Vietnamese and must hold no
sentence of the English catalog that has its own Vietnamese translation; rendered in
English it must hold no Vietnamese translation. The poster is the exception by design: it
speaks the poll's language, whoever prints it. A poll's own text is data and stays as it
was written (the sample poll is Vietnamese, so the English check skips nothing of ours).
"""

from __future__ import annotations

import functools
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po

from polls.services import question_box, units
from tests.conftest import SECRET, OpenPoll, World, answer_as_new_device
from tests.console.conftest import login
from tests.tools import require

CATALOG = Path(__file__).resolve().parents[2] / "polls/locales/vi/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _pieces(text: str) -> list[str]:
    """The fixed parts of a message around its placeholders, long enough to be a phrase."""
    return [p.strip() for p in PLACEHOLDER.split(text) if len(p.strip().split()) >= 3]


def _phrases() -> tuple[set[str], set[str]]:
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle)
    english: set[str] = set()
    vietnamese: set[str] = set()
    translations: list[str] = []
    originals: list[str] = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for en, vi in zip(ids, strings, strict=False):
            if en.strip() == vi.strip():
                continue
            english.update(_pieces(en))
            vietnamese.update(_pieces(vi))
            originals.append(en)
            translations.append(vi)
    # a name kept as it is inside the other language's sentence ("Zalo Official Account
    # (OA)") is not a foreign sentence
    return (
        {p for p in english - vietnamese if not any(p in t for t in translations)},
        {p for p in vietnamese - english if not any(p in o for o in originals)},
    )


ENGLISH, VIETNAMESE = _phrases()


def _visible(html: str) -> str:
    """The text a reader sees (tags and scripts removed, entities of our templates undone)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&#39;", "'"), ("&quot;", '"'), ("&amp;", "&"), ("&nbsp;", " ")):
        text = text.replace(entity, char)
    return re.sub(r"\s+", " ", text)


def _pdf_text(content: bytes, tmp_path: Path, name: str) -> str:
    require("pdftotext")
    path = tmp_path / name
    path.write_bytes(content)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return re.sub(r"\s+", " ", done.stdout.decode())


def foreign(text: str, phrases: set[str]) -> list[str]:
    return sorted(p for p in phrases if re.sub(r"\s+", " ", p) in text)


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_every_page_report_and_poster_speaks_one_language(
    client: httpx.AsyncClient,
    world: World,
    open_poll: OpenPoll,
    language: str,
    tmp_path: Path,
) -> None:
    for i in range(6):
        sent = await answer_as_new_device(client, open_poll.code, open_poll.answers(f"ý kiến {i}"))
        assert sent.status_code == 201, sent.text
    other = ENGLISH if language == "vi" else VIETNAMESE
    client.headers["accept-language"] = language
    texts: dict[str, str] = {}
    for path in (f"/p/{open_poll.code}", f"/p/{open_poll.code}/privacy", "/console/login"):
        texts[path] = _visible((await client.get(path)).text)
    await login(client, "officer")
    poll, placement = open_poll.id, None
    for path in (
        "/console",
        "/console/password",
        "/console/polls/new",
        f"/console/polls/{poll}",
        f"/console/polls/{poll}/results",
        f"/console/polls/{poll}/results?by=placement",
        f"/console/polls/{poll}/live",
        "/console/polls/999999",
    ):
        page = await client.get(path)
        assert page.status_code in (200, 404), (path, page.status_code)
        texts[path] = _visible(page.text)
    await login(client, "admin")
    # unit names are data, like a poll's text ("Công đoàn Than – Khoáng sản Việt Nam" is
    # also the landing page's translation of the union's name)
    names = [u.name for u in await units.all_units()]
    for path in (
        "/console/admin/officers",
        "/console/admin/officers/officer",
        "/console/admin/units",
        "/console/admin/units/mk-kt3",
        "/console/admin/audit",
    ):
        page = await client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        texts[path] = functools.reduce(
            lambda text, name: text.replace(name, ""), names, _visible(page.text)
        )
    listed = await client.get(f"/api/v1/polls/{poll}/placements", headers=world.auth("officer"))
    placement = listed.json()[0]["id"]
    for path, name in (
        (f"/console/polls/{poll}/report.pdf", "report.pdf"),
        (f"/console/placements/{placement}/poster.pdf", "poster.pdf"),
    ):
        got = await client.get(path)
        assert got.status_code == 200, (path, got.text[:200])
        texts[path] = _pdf_text(got.content, tmp_path, name)
    # the poster speaks the poll's language (Vietnamese here), whoever prints it
    found = {
        path: foreign(text, ENGLISH if path.endswith("poster.pdf") else other)
        for path, text in texts.items()
    }
    assert {path: hits for path, hits in found.items() if hits} == {}
    # a standing placement's page between waves (its label is data, like a poll's title)
    made = await client.post(
        f"/api/v1/polls/{poll}/standing-placements",
        json={"label": "Bảng tin cổng mỏ"},
        headers=world.auth("officer"),
    )
    assert made.status_code == 201, made.text
    closed = await client.post(f"/api/v1/polls/{poll}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    between = await client.get(f"/p/{made.json()['code']}")
    assert between.status_code == 200
    assert 'id="between-waves"' in between.text
    assert foreign(_visible(between.text), other) == []


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_the_public_poster_and_question_box_pages_speak_one_language(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, language: str
) -> None:
    """The results poster's public page (``/r/{token}``) and the question box's pages for
    workers: asking, the follow-up by code (its form and a thread with a reply), and the
    unit's published answers. Their texts asked and answered are data."""
    for i in range(6):
        sent = await answer_as_new_device(client, open_poll.code, open_poll.answers(f"ý kiến {i}"))
        assert sent.status_code == 201, sent.text
    closed = await client.post(f"/api/v1/polls/{open_poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200, closed.text
    q = open_poll.questions
    drafted = await client.put(
        f"/api/v1/polls/{open_poll.id}/results-poster",
        json={
            "questions": [
                {"question": q[0]["id"], "shown_as": "chart"},
                {"question": q[3]["id"], "shown_as": "sentence"},
            ],
            "response_text": "Công đoàn sẽ lập nhóm Zalo cho từng phân xưởng.",
            "qr": "box",
        },
        headers=world.auth("officer"),
    )
    assert drafted.status_code == 200, drafted.text
    poster = f"/api/v1/polls/{open_poll.id}/results-poster"
    approved = await client.post(f"{poster}/approve", headers=world.auth("mk_viewer"))
    assert approved.status_code == 200, approved.text
    linked = await client.post(f"{poster}/link", headers=world.auth("officer"))
    assert linked.status_code == 200, linked.text
    public = "/r/" + str(linked.json()["public_url"]).rsplit("/r/", 1)[1]

    moment = datetime.now(UTC)
    code = await question_box.ask(
        "mk-kt3", "safety", "Ca ba thiếu nước uống ở lò chợ.", secret=SECRET, now=moment
    )
    [item] = await question_box.queue(world.principals["officer"], now=moment)
    await question_box.reply(world.principals["officer"], item.id, "Đã bổ sung.", now=moment)
    await question_box.publish(
        world.principals["officer"],
        item.id,
        question="Thiếu nước uống ở lò chợ?",
        answer="Đã bổ sung bình nước.",
        consent=True,
        now=moment,
    )

    other = ENGLISH if language == "vi" else VIETNAMESE
    client.headers["accept-language"] = language
    pages = {
        path: await client.get(path)
        for path in (public, "/hoi/mk-kt3", "/hoi/mk-kt3/theo-doi", "/hoi/mk-kt3/tra-loi")
    }
    pages["/hoi/mk-kt3/theo-doi (thread)"] = await client.post(
        "/hoi/mk-kt3/theo-doi", data={"code": code}
    )
    for path, page in pages.items():
        assert page.status_code == 200, (path, page.text[:300])
    assert "Đã bổ sung bình nước." in pages["/hoi/mk-kt3/tra-loi"].text
    assert "Đã bổ sung." in pages["/hoi/mk-kt3/theo-doi (thread)"].text
    found = {path: foreign(_visible(page.text), other) for path, page in pages.items()}
    assert {path: hits for path, hits in found.items() if hits} == {}
    own = VIETNAMESE if language == "vi" else ENGLISH
    silent = [path for path, page in pages.items() if not foreign(_visible(page.text), own)]
    assert silent == [], "pages holding no sentence of the reader's language either"
