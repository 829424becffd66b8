"""Posters and table cards as pure code: what pdftotext reads on them, where the words lie,
and that every QR code on a rendered page decodes to its placement's link."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from polls.models import Placement, Poll
from polls.sharing import links, posters
from polls.sharing.sheets import Sheet, sheet_for
from tests.sharing.tools import decode, pdf_fonts, pdf_pages, pdf_text, pdf_words

BASE = "https://thamdo.vinacomin.vn"
TITLE = "Bạn nhận thông tin công đoàn qua kênh nào?"
LONG_TITLE = (
    "Khảo sát ý kiến đoàn viên, người lao động về việc thực hiện chế độ bồi dưỡng độc hại, "
    "an toàn vệ sinh lao động và điều kiện làm việc tại các phân xưởng khai thác hầm lò "
    "năm 2026 của Công ty Than Mạo Khê, trước Tháng Công nhân"
)[:200]
A4_POINTS = (595.28, 841.89)


def make_poll(**changes: object) -> Poll:
    poll = Poll(
        id=1,
        unit_id=2,
        unit_slug="than-mao-khe",
        unit_name="Công đoàn Công ty Than Mạo Khê",
        unit_path="/1/2/",
        title=TITLE,
        description="",
        language="vi",
        status="open",
        opens_at=None,
        closes_at=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
        min_group_size=5,
        duplicate_policy="device",
        series="",
        version=1,
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    return replace(poll, **changes)  # type: ignore[arg-type]


def make_placement(code: str = "7KQ2MZX", label: str = "Nhà ăn Khai thác 3") -> Placement:
    return Placement(
        id=1,
        poll_id=1,
        code=code,
        label=label,
        kind="canteen",
        unit_id=3,
        unit_name="Phân xưởng Khai thác 3",
    )


def sheet(**changes: object) -> Sheet:
    return sheet_for(make_poll(**changes), make_placement(), BASE)


def test_a_vietnamese_poster_says_everything_with_its_diacritics() -> None:
    text = pdf_text(posters.posters_pdf([sheet()]))
    flat = " ".join(text.split())
    for expected in (
        TITLE,
        "Quét mã QR để trả lời",
        "thamdo.vinacomin.vn/p/7KQ2MZX",
        "Hạn trả lời: 17:00, 30 tháng 11, 2026",
        "Câu trả lời của bạn hoàn toàn ẩn danh",
        "Công đoàn Công ty Than Mạo Khê",
        "Nhà ăn Khai thác 3",
    ):
        assert expected in flat, expected


def test_an_english_poll_gets_an_english_poster() -> None:
    text = " ".join(
        pdf_text(posters.posters_pdf([sheet(language="en", title="Union news")])).split()
    )
    assert "Scan to answer" in text
    assert "Your answers are completely anonymous." in text
    assert "Deadline: 5:00 PM, November 30, 2026" in text


def test_no_deadline_no_deadline_line() -> None:
    text = pdf_text(posters.posters_pdf([sheet(closes_at=None)]))
    assert "Hạn trả lời" not in text


def test_the_fonts_are_embedded_truetype() -> None:
    fonts = pdf_fonts(posters.posters_pdf([sheet()]))
    assert fonts
    for row in fonts:
        assert "TrueType" in row, row
        assert row[-5] == "yes", row  # the "emb" column


@pytest.mark.parametrize("length", [200, 300])
def test_a_long_title_stays_on_the_page_above_the_call_to_action(length: int) -> None:
    title = (LONG_TITLE + " " + LONG_TITLE)[:length]
    pdf = posters.posters_pdf([sheet(title=title)])
    (page,) = pdf_words(pdf)
    assert (page.width, page.height) == pytest.approx(A4_POINTS, abs=0.5)
    for word in page.words:
        assert 0 <= word.x0 < word.x1 <= page.width, word
        assert 0 <= word.y0 < word.y1 <= page.height, word
    call = next(w for w in page.words if w.text == "Quét")
    title_words = [w for w in page.words if w.y1 <= call.y0]
    assert " ".join(w.text for w in title_words[-len(title.split()) :]) == " ".join(title.split())


def test_a_word_wider_than_the_line_is_split_not_overflowing() -> None:
    pdf = posters.posters_pdf([sheet(title="X" * 300)])
    (page,) = pdf_words(pdf)
    assert all(w.x0 >= 0 and w.x1 <= page.width for w in page.words)
    assert "".join(w.text for w in page.words if set(w.text) == {"X"}) == "X" * 300


def test_small_print_too_long_for_its_box_ends_with_an_ellipsis() -> None:
    block = posters.fit(
        "Nhà ăn " * 100, posters.Style(posters.REGULAR, 8, 6), posters.Box(105, 20, 180, 8)
    )
    assert len(block.lines) >= 2
    assert block.lines[-1].endswith(posters.ELLIPSIS)
    assert block.size == 6
    assert block.height() <= 8


def test_a_vietnamese_percent_is_never_split_from_its_number() -> None:
    # "40 %" is written with a space; a line must not end at "40" and start with "%"
    text = "“Ca 1” và “Ca 3”: mỗi phương án 40 %"
    for width in range(20, 120, 2):
        lines = posters.wrap(text, posters.REGULAR, 10, width)
        assert not any(line.startswith("%") for line in lines), (width, lines)
        assert " ".join(lines) == text


def test_every_page_of_a_batch_decodes_to_its_own_placement() -> None:
    codes = ["7KQ2MZX", "ABCDEFG", "HJK2345"]
    poll = make_poll()
    sheets = [
        sheet_for(poll, make_placement(code, f"Bảng tin {i}"), BASE) for i, code in enumerate(codes)
    ]
    pages = pdf_pages(posters.posters_pdf(sheets))
    assert [decode(page) for page in pages] == [[links.qr_link(BASE, code)] for code in codes]


def test_a_card_sheet_has_four_cards_that_decode_to_the_placement() -> None:
    pdf = posters.cards_pdf(sheet(title=LONG_TITLE))
    (page_png,) = pdf_pages(pdf)
    assert decode(page_png) == [links.qr_link(BASE, "7KQ2MZX")] * 4
    (page,) = pdf_words(pdf)
    assert all(w.x0 >= 0 and w.x1 <= page.width and w.y1 <= page.height for w in page.words)
    assert pdf_text(pdf).count("Quét mã QR để trả lời") == 4


def test_the_same_sheet_makes_the_same_pdf() -> None:
    assert posters.posters_pdf([sheet()]) == posters.posters_pdf([sheet()])


def test_the_app_does_not_import_matplotlib() -> None:
    """It takes over a second: only drawing a PDF may pay for it, never startup or a form."""
    script = "import sys, polls.app; print('matplotlib' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    assert found.stdout.strip() == b"False"
