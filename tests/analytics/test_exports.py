"""Exports as pure code: segment columns released only in classes of the minimum size."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook

from polls.analytics.exports import Table, released_segments, to_csv, to_xlsx
from polls.disclosure import MEAN_DIGITS
from polls.i18n import approx, percent, using_locale
from tests.spreadsheets import csv_rows

DAY = date(2026, 11, 26)


def rows(placement: str, n: int, channel: str = "web") -> list[dict]:
    return [{"placement": placement, "unit": "KT3", "channel": channel} for _ in range(n)]


def test_classes_of_the_minimum_keep_every_column() -> None:
    released = released_segments(rows("A", 5) + rows("B", 6), 5)
    assert Counter(r["placement"] for r in released) == {"A": 5, "B": 6}
    assert all(r["channel"] == "web" for r in released)


def test_a_small_class_loses_columns_until_it_is_not_small() -> None:
    # 3 of A came through Telegram: A × Telegram is small, but "unit KT3 × Telegram" is not
    # either (3 rows), so they end with no segment at all, together with others
    segments = rows("A", 6) + rows("A", 3, channel="telegram") + rows("B", 2, channel="telegram")
    released = released_segments(segments, 5)
    classes = Counter(tuple(r.values()) for r in released)
    assert min(classes.values()) >= 5
    assert sum(classes.values()) == len(segments)
    assert classes[("A", "KT3", "web")] == 6
    assert classes[("", "KT3", "telegram")] == 5


def test_blank_rows_are_never_a_small_group() -> None:
    segments = rows("A", 6) + rows("B", 2, channel="zalo")
    released = released_segments(segments, 5)
    classes = Counter(tuple(r.values()) for r in released)
    assert classes == {("", "", ""): 8}


def test_random_polls_release_only_classes_of_at_least_k() -> None:
    rng = random.Random(5)
    for _ in range(50):
        segments = [
            {
                "placement": rng.choice("ABCD"),
                "unit": rng.choice(["KT3", "CĐ"]),
                "channel": rng.choice(["web", "zalo", "telegram"]),
            }
            for _ in range(rng.randint(5, 80))
        ]
        released = released_segments(segments, 5)
        classes = Counter(tuple(r.values()) for r in released)
        assert min(classes.values()) >= 5


def test_csv_starts_with_a_byte_order_mark(vi: None) -> None:
    content = to_csv(Table("t", ("Phương án", "Tỷ lệ"), (("Bảng tin", 0.5),), (1,)))
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines() == ["Phương án;Tỷ lệ", "Bảng tin;50"]


FIGURES = Table(
    "t",
    ("Phương án", "Số phiếu", "Tỷ lệ", "Trung bình"),
    (("Bảng tin, loa", 1234, 0.145, 3.45), ("Zalo", 7, 0.455, 2.25), ("Họp tổ", 0, 0.005, 4.0)),
    (2,),
)


def test_a_vietnamese_csv_is_for_a_vietnamese_excel(vi: None) -> None:
    """ ";" between cells and "," before decimals, as Windows set to Vietnamese reads them;
    no grouping; no "sep=" line (Excel would then ignore the byte-order mark)."""
    text = to_csv(FIGURES).decode("utf-8-sig")
    assert text.splitlines() == [
        "Phương án;Số phiếu;Tỷ lệ;Trung bình",
        "Bảng tin, loa;1234;15;3,5",
        "Zalo;7;46;2,3",
        "Họp tổ;0;1;4,0",
    ]


def test_an_english_csv_is_for_an_english_excel(en: None) -> None:
    text = to_csv(FIGURES).decode("utf-8-sig")
    assert text.splitlines()[1:] == [
        '"Bảng tin, loa",1234,15,3.5',
        "Zalo,7,46,2.3",
        "Họp tổ,0,1,4.0",
    ]
    assert not text.startswith("sep=")


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_csv_rounds_like_the_page(language: str) -> None:
    """Each percent and mean of the CSV is the figure the page prints (``i18n.percent``,
    ``i18n.approx`` with the mean's digits): one rounding for both."""
    with using_locale(language):
        rows = csv_rows(to_csv(FIGURES))[1:]
        for row, (_, _, fraction, mean) in zip(rows, FIGURES.rows, strict=True):
            assert row[2] == percent(fraction).replace("%", "").strip()
            assert approx(mean, MEAN_DIGITS).endswith(row[3])


def test_control_characters_are_dropped_from_a_worksheet() -> None:
    table = Table("Kết quả", ("Điểm\x01 đăng", "n"), (("Nhà\x00 ăn\x1f", 3),))
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Điểm đăng", "n"],
        ["Nhà ăn", 3],
    ]
