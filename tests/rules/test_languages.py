"""Rule: every user-visible string speaks the reader's language. Each page, the PDF report
(with its charts' sentences) and the poster is rendered in Vietnamese and must hold no
sentence of the English catalog that has its own Vietnamese translation; rendered in
English it must hold no Vietnamese translation. The poster is the exception by design: it
speaks the poll's language, whoever prints it. A poll's own text is data and stays as it
was written (the sample poll is Vietnamese, so the English check skips nothing of ours).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po

from tests.conftest import OpenPoll, World, answer_as_new_device
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
