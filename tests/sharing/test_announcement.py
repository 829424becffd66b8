"""The loudspeaker pack as pure code: how a link is said aloud, and what the text holds."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from polls.i18n import using_locale
from polls.sharing import announcement
from polls.sharing.codes import ALPHABET


def test_every_character_of_a_code_has_a_vietnamese_name() -> None:
    said = [announcement.say_character(c, "vi") for c in ALPHABET]
    assert all(s and s != c for s, c in zip(said, ALPHABET, strict=True))
    assert len(set(said)) == len(said), "two characters would sound the same"
    assert announcement.spell_code("T3KX9QM", "vi") == "tê, ba, ca, ích-xì, chín, quy, em-mờ"


def test_a_link_is_said_host_by_words_then_the_code_letter_by_letter() -> None:
    said = announcement.spell_link("thamdo.congdoan.vn/p/T3KX9QM", "T3KX9QM", "vi")
    assert said == (
        "thamdo chấm congdoan chấm vê en-nờ gạch chéo pê gạch chéo, "
        "tê, ba, ca, ích-xì, chín, quy, em-mờ"
    )
    english = announcement.spell_link("polls.example.org/p/AB2", "AB2", "en")
    assert english == "polls dot example dot org slash P slash, A, B, two"


def test_the_announcement_holds_title_link_deadline_and_anonymity() -> None:
    with using_locale("vi"):
        made = announcement.build(
            title="Ý kiến về bữa ăn ca",
            unit="Công đoàn Công ty Than Mạo Khê",
            printed_link="thamdo.congdoan.vn/p/T3KX9QM",
            code="T3KX9QM",
            closes_at=datetime(2026, 12, 10, 10, 0, tzinfo=UTC),
            min_group_size=5,
            language="vi",
        )
    text = made.as_text()
    assert unicodedata.is_normalized("NFC", text)
    assert text.startswith("Thông báo trên loa truyền thanh: Ý kiến về bữa ăn ca\n\n")
    assert "“Ý kiến về bữa ăn ca”" in text
    assert "thamdo.congdoan.vn/p/T3KX9QM" in text
    assert text.count("tê, ba, ca, ích-xì, chín, quy, em-mờ") == 2  # said, then once more
    assert "Hạn trả lời: 17 giờ 00, ngày 10 tháng 12, 2026." in text  # Vietnam time
    assert "ẩn danh" in text
    assert "từ 5 người" in text
    with using_locale("vi"):
        open_ended = announcement.build(
            title="T", unit="U", printed_link="h.vn/p/AB2", code="AB2",
            closes_at=None, min_group_size=5, language="vi",
        )  # fmt: skip
    assert "cho đến khi ban tổ chức đóng khảo sát" in open_ended.as_text()
