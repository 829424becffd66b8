"""Charts as users see them: the words on a rendered PNG (read back with tesseract), the
numbers formatted for the locale, hidden groups marked and never with their numbers, and
matplotlib kept off the app's import."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from polls.analytics import charts, describe
from tests.analytics.conftest import (
    SCALE,
    SEGMENTS,
    SINGLE,
    YES_NO,
    scale_tally,
    single_tally,
    yes_no_tally,
)
from tests.tools import require

PNG = b"\x89PNG\r\n\x1a\n"
CAPTION = "Khảo sát kênh thông tin · 2 thg 11, 2026 – 26 thg 11, 2026 · n = 1.234"


def ocr(image: bytes, tmp_path: Path) -> str:
    require("tesseract")
    path = tmp_path / "chart.png"
    path.write_bytes(image)
    read = subprocess.run(
        ["tesseract", str(path), "-", "-l", "vie"], capture_output=True, check=True, text=True
    )
    return unicodedata.normalize("NFC", read.stdout)


def test_a_rendered_chart_reads_back_in_vietnamese_with_its_diacritics(
    vi: None, tmp_path: Path
) -> None:
    tally = single_tally([530, 412, 200, 92])
    image = charts.question_chart(SINGLE, tally, CAPTION, "png")
    assert image.startswith(PNG)
    text = ocr(image, tmp_path)
    assert "truyền thanh" in text
    assert "Bảng tin" in text
    assert "43 %" in text  # 530 of 1,234, whole and formatted the Vietnamese way


def test_every_kind_draws_as_png_and_svg(vi: None) -> None:
    for question, tally in (
        (SINGLE, single_tally([5, 4, 3, 0])),
        (SCALE, scale_tally([1, 2, 3, 4, 5])),
        (YES_NO, yes_no_tally(7, 1)),
    ):
        assert charts.question_chart(question, tally, CAPTION, "png").startswith(PNG)
        svg = charts.question_chart(question, tally, CAPTION, "svg")
        assert svg.lstrip().startswith(b"<?xml")
        assert b"<svg" in svg


def test_text_questions_are_not_charted(vi: None) -> None:
    from polls.forms.kinds import QuestionTally

    with pytest.raises(ValueError, match="not charted"):
        charts.question_chart(
            SINGLE, QuestionTally(4, "text", "Góp ý", 3, (), texts=None), CAPTION, "png"
        )


def test_alt_text_is_localized(vi: None) -> None:
    alt = describe.question_alt(single_tally([530, 412, 200, 92]), CAPTION)
    assert "Hệ thống loa truyền thanh: khoảng 530 (43 %)" in alt
    assert "n = 1.234" in alt


def test_alt_text_in_english(en: None) -> None:
    alt = describe.question_alt(single_tally([530, 412, 200, 92]), "n = 1,234")
    assert "Hệ thống loa truyền thanh: ≈ 530 (43%)" in alt
    assert describe.question_alt(yes_no_tally(1000, 234), "").count("Yes: ≈ 1,000 (81%)") == 1


def test_the_heatmap_marks_hidden_groups_and_carries_none_of_their_numbers(
    vi: None, tmp_path: Path
) -> None:
    overall = single_tally([9, 5, 9, 3])
    alt = describe.heatmap_alt(overall, SEGMENTS, 0, 5)
    assert "Bảng tin cửa lò: ẩn để bảo vệ một nhóm nhỏ" in alt
    assert "Nhóm Telegram: ẩn để bảo vệ một nhóm nhỏ" in alt
    assert "Nhà ăn Khai thác 3 (n ≈ 12)" in alt
    image = charts.heatmap_chart(overall, SEGMENTS, 0, 5, CAPTION, "png")
    text = ocr(image, tmp_path)
    assert "bảo vệ một nhóm nhỏ" in text
    svg = charts.heatmap_chart(overall, SEGMENTS, 0, 5, CAPTION, "svg").decode()
    assert "hatch" in svg.lower() or "pattern" in svg.lower()


def test_the_app_does_not_import_matplotlib() -> None:
    """Importing matplotlib takes 0.3-0.6 s: never on start-up or the submission path."""
    checked = subprocess.run(
        [
            sys.executable,
            "-c",
            "import polls.app, polls.services.submission, sys; "
            "assert 'matplotlib' not in sys.modules",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
