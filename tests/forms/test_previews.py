"""Link previews as Facebook's and Zalo's crawlers read them: the Open Graph tags in the
static HTML of ``/p/{code}`` (no script needed), absolute URLs, the card they name (a
1200×630 PNG whose Vietnamese reads back with tesseract), long titles wrapped inside it, and
no preview at all for a draft, scheduled or closed poll."""

from __future__ import annotations

import struct
import subprocess
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from polls.sharing.posters import text_width
from polls.sharing.previews import TITLE_BOX, TITLE_STYLE, layout
from tests.conftest import World, add_placement, create_draft_poll, create_open_poll
from tests.tools import require

BASE_URL = "https://thamdo.congdoan.example.vn"
CRAWLERS = {
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "zalo": "Mozilla/5.0 (compatible; Zalo/1.0; +https://zalo.me)",
}
LONG_TITLE = (
    "Ý kiến của người lao động về bữa ăn giữa ca, an toàn vệ sinh lao động tại phân xưởng "
    "Khai thác 3 và việc tổ chức Ngày truyền thống thợ mỏ 12/11 cùng các hoạt động Tháng "
    "Công nhân năm nay của Công đoàn Công ty Than Mạo Khê"
)


class Head(HTMLParser):
    """The ``<meta>`` tags of the ``<head>`` and whether a script came before them."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.in_head = True
        self.script_before_meta = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "body":
            self.in_head = False
        if tag == "script" and self.in_head:
            self.script_before_meta = True
        if tag == "meta" and self.in_head:
            name = found.get("property") or found.get("name")
            if name and found.get("content") is not None:
                self.meta[name] = str(found["content"])


def head_of(html: str) -> Head:
    head = Head()
    head.feed(html)
    return head


@pytest.fixture
async def site(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(base_url=BASE_URL)


def png_size(content: bytes) -> tuple[int, int]:
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def ocr(image: bytes, tmp_path: Path) -> str:
    require("tesseract")
    path = tmp_path / "card.png"
    path.write_bytes(image)
    read = subprocess.run(
        ["tesseract", str(path), "-", "-l", "vie"], capture_output=True, check=True, text=True
    )
    return " ".join(unicodedata.normalize("NFC", read.stdout).split())


@pytest.mark.parametrize("crawler", sorted(CRAWLERS))
async def test_crawlers_read_the_tags_from_static_html(
    site: httpx.AsyncClient, world: World, crawler: str
) -> None:
    poll = await create_open_poll(site, world)
    site.cookies.clear()
    page = await site.get(
        f"/p/{poll.code}", headers={"User-Agent": CRAWLERS[crawler], "Accept-Encoding": "gzip"}
    )
    assert page.status_code == 200
    head = head_of(page.text)
    meta = head.meta
    assert not head.script_before_meta
    assert meta["og:url"] == f"{BASE_URL}/p/{poll.code}"
    assert meta["og:title"] == "Bạn nhận thông tin công đoàn qua kênh nào?"
    assert meta["og:description"].startswith("Công đoàn Công ty Than Mạo Khê. ")
    assert "ẩn danh" in meta["og:description"]
    assert meta["og:image"] == f"{BASE_URL}/p/{poll.code}/card.png"
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:locale"] == "vi_VN"
    assert meta["og:type"] == "website"
    assert meta["twitter:card"] == "summary_large_image"
    card = await site.get(
        meta["og:image"].removeprefix(BASE_URL), headers={"User-Agent": CRAWLERS[crawler]}
    )
    assert card.status_code == 200
    assert card.headers["content-type"] == "image/png"
    assert png_size(card.content) == (1200, 630)
    assert "public" in card.headers["cache-control"]


async def test_an_english_poll_has_an_english_preview_whatever_the_reader(
    site: httpx.AsyncClient, world: World
) -> None:
    poll = await create_open_poll(site, world, language="en")
    page = await site.get(f"/p/{poll.code}", headers={"Accept-Language": "vi"})
    meta = head_of(page.text).meta
    assert meta["og:locale"] == "en_US"
    assert "anonymous" in meta["og:description"]


async def test_the_card_reads_back_in_vietnamese(
    site: httpx.AsyncClient, world: World, tmp_path: Path
) -> None:
    poll = await create_open_poll(site, world)
    card = await site.get(f"/p/{poll.code}/card.png")
    text = ocr(card.content, tmp_path)
    assert "Trả lời ẩn danh trong 1 phút" in text
    assert "Công đoàn Công ty Than Mạo Khê" in text
    assert "thông tin" in text
    assert "công đoàn" in text
    again = await site.get(f"/p/{poll.code}/card.png")
    assert again.content == card.content  # kept, not drawn again


async def test_a_long_title_is_wrapped_inside_the_card(
    site: httpx.AsyncClient, world: World, tmp_path: Path
) -> None:
    placed = layout(LONG_TITLE, "Công đoàn Công ty Than Mạo Khê", "Trả lời ẩn danh trong 1 phút")
    assert len(placed.title.lines) > 2
    for line in placed.title.lines:
        assert text_width(line, TITLE_STYLE.font, placed.title.size) <= TITLE_BOX.width
    assert placed.title.height() <= TITLE_BOX.height
    poll = await create_open_poll(site, world, title=LONG_TITLE)
    card = await site.get(f"/p/{poll.code}/card.png")
    assert png_size(card.content) == (1200, 630)
    text = ocr(card.content, tmp_path)
    assert "Ý kiến của người lao động" in text
    assert "Trả lời ẩn danh trong 1 phút" in text


async def test_no_preview_for_a_draft_a_scheduled_or_a_closed_poll(
    site: httpx.AsyncClient, world: World
) -> None:
    draft = await create_draft_poll(site, world, title="Bản nháp bí mật về lương")
    placement = await add_placement(site, world, draft["id"], "Bảng tin")
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    scheduled = await create_open_poll(site, world, title="Sắp mở bí mật", opens_at=later)
    closed = await create_open_poll(site, world, title="Đã đóng")
    assert (
        await site.post(f"/api/v1/polls/{closed.id}/close", headers=world.auth("officer"))
    ).status_code == 200
    for code, title in (
        (placement["code"], "Bản nháp bí mật"),
        (scheduled.code, "Sắp mở bí mật"),
        (closed.code, "Đã đóng"),
    ):
        page = await site.get(f"/p/{code}", headers={"User-Agent": CRAWLERS["facebook"]})
        meta = head_of(page.text).meta
        assert not any(name.startswith("og:") for name in meta), code
        assert title not in meta.get("description", "")
        card = await site.get(f"/p/{code}/card.png")
        assert card.status_code == 404
        assert title not in card.text
    assert (await site.get("/p/ZZZZZZZ/card.png")).status_code == 404
