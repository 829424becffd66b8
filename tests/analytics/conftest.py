"""Plain values for the pure analytics tests: a poll's questions and their tallies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from polls.analytics.tally import Segment
from polls.forms.kinds import QuestionTally, kind_of
from polls.i18n import set_locale
from polls.models import Option, Poll, Question

SINGLE = Question(
    1,
    0,
    "single",
    "Bạn thường nhận thông tin công đoàn qua kênh nào nhanh nhất?",
    True,
    tuple(
        Option(i, label)
        for i, label in enumerate(
            ["Hệ thống loa truyền thanh", "Bảng tin", "Zalo", "Họp tổ/nhóm"], start=10
        )
    ),
)
SCALE = Question(
    2,
    1,
    "scale",
    "Mức hài lòng?",
    True,
    scale_min=1,
    scale_max=5,
    min_label="Rất không hài lòng",
    max_label="Rất hài lòng",
)
YES_NO = Question(3, 2, "yes_no", "Muốn nhận tin qua Zalo?", True)
TEXT = Question(4, 3, "text", "Góp ý", False)

POLL = Poll(
    id=7,
    unit_id=1,
    unit_slug="than-mao-khe",
    unit_name="Công đoàn Công ty Than Mạo Khê",
    unit_path="/1/",
    title="Bạn nhận thông tin công đoàn qua kênh nào?",
    description="",
    language="vi",
    status="open",
    opens_at=datetime(2026, 11, 2, 1, tzinfo=UTC),
    closes_at=datetime(2026, 11, 26, 10, tzinfo=UTC),
    min_group_size=5,
    duplicate_policy="device",
    series="s",
    version=1,
    created_at=datetime(2026, 11, 1, tzinfo=UTC),
    questions=(SINGLE, SCALE, YES_NO, TEXT),
)


def single_tally(counts: list[int]) -> QuestionTally:
    return kind_of(SINGLE).tally(
        SINGLE,
        {(10 + i, None): n for i, n in enumerate(counts)},
        sum(counts),
        None,
    )


def scale_tally(counts: list[int]) -> QuestionTally:
    return kind_of(SCALE).tally(
        SCALE, {(None, v): n for v, n in enumerate(counts, start=1)}, sum(counts), None
    )


def yes_no_tally(yes: int, no: int) -> QuestionTally:
    return kind_of(YES_NO).tally(YES_NO, {(None, 1): yes, (None, 0): no}, yes + no, None)


SEGMENTS = (
    Segment("1", "Nhà ăn Khai thác 3", False, 12, (single_tally([6, 3, 2, 1]),)),
    Segment("2", "Bảng tin cửa lò", True, None, None),
    Segment("3", "Nhóm Telegram", True, None, None),
    Segment("4", "Zalo OA", False, 9, (single_tally([1, 1, 6, 1]),)),
)


@pytest.fixture
def vi() -> Iterator[None]:
    token = set_locale("vi")
    yield
    set_locale("vi")
    del token


@pytest.fixture
def en() -> Iterator[None]:
    set_locale("en")
    yield
    set_locale("vi")
