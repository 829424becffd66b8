"""Exports as pure code: segment columns released only in classes of the minimum size."""

from __future__ import annotations

import io
import random
from collections import Counter
from datetime import date

from openpyxl import load_workbook

from polls.analytics.exports import Table, released_segments, to_csv, to_xlsx

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


def test_csv_starts_with_a_byte_order_mark() -> None:
    content = to_csv(Table("t", ("Phương án", "Tỷ lệ"), (("Bảng tin", 0.5),), (1,)))
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines() == ["Phương án,Tỷ lệ", "Bảng tin,50"]


def test_control_characters_are_dropped_from_a_worksheet() -> None:
    table = Table("Kết quả", ("Điểm\x01 đăng", "n"), (("Nhà\x00 ăn\x1f", 3),))
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Điểm đăng", "n"],
        ["Nhà ăn", 3],
    ]
