"""Demo data: a slice of the union's unit tree, officers, and polls from its programme.

Loaded by ``polls demo`` (and ``polls serve --demo`` on an empty database). Responses are
made through the one submission path and the question box's items through the box's own
services (``polls.demo_box``), so the demo exercises the real rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from polls import demo_box
from polls import tables as t
from polls.models import Channel, Poll, Principal, Role, UnitKind
from polls.services import accounts, placements, polls, units
from polls.services.polls import PollDraft, QuestionDraft
from polls.services.submission import Submission, submit_response

DEMO_PASSWORD = "thomo-1211"
"""Password of every demo officer (Miners' Day, 12/11). Change it before real use."""

TREE = {
    "cdtkv": ("Công đoàn Than – Khoáng sản Việt Nam", UnitKind.NATIONAL, 0, None),
    "than-mao-khe": ("Công đoàn Công ty Than Mạo Khê", UnitKind.SUBORDINATE, 0, "cdtkv"),
    "mao-khe-khai-thac-3": (
        "Công đoàn Phân xưởng Khai thác 3",
        UnitKind.WORKSHOP,
        420,
        "than-mao-khe",
    ),
    "mao-khe-khai-thac-5": (
        "Công đoàn Phân xưởng Khai thác 5",
        UnitKind.WORKSHOP,
        380,
        "than-mao-khe",
    ),
    "mao-khe-co-dien": ("Công đoàn Phân xưởng Cơ điện", UnitKind.WORKSHOP, 260, "than-mao-khe"),
    "mao-khe-van-tai": ("Công đoàn Phân xưởng Vận tải lò", UnitKind.WORKSHOP, 310, "than-mao-khe"),
    "than-ha-lam": ("Công đoàn Công ty Than Hà Lầm", UnitKind.SUBORDINATE, 3100, "cdtkv"),
    "than-vang-danh": ("Công đoàn Công ty Than Vàng Danh", UnitKind.SUBORDINATE, 4200, "cdtkv"),
    "than-nui-beo": ("Công đoàn Công ty Than Núi Béo", UnitKind.SUBORDINATE, 2300, "cdtkv"),
    "tuyen-than-cua-ong": (
        "Công đoàn Công ty Tuyển than Cửa Ông",
        UnitKind.SUBORDINATE,
        2800,
        "cdtkv",
    ),
    "vang-danh-khai-thac-1": (
        "Công đoàn Phân xưởng Khai thác 1",
        UnitKind.WORKSHOP,
        450,
        "than-vang-danh",
    ),
}

OFFICERS = [
    ("admin", "Quản trị CĐTKV", "cdtkv", Role.ADMIN),
    ("lanhdao", "Lãnh đạo CĐTKV", "cdtkv", Role.VIEWER),
    ("maokhe", "Cán bộ Công đoàn Than Mạo Khê", "than-mao-khe", Role.OFFICER),
    ("vangdanh", "Cán bộ Công đoàn Than Vàng Danh", "than-vang-danh", Role.OFFICER),
]

CHANNELS = [
    "Trang thông tin điện tử",
    "Facebook",
    "Zalo",
    "Hệ thống loa truyền thanh",
    "Bảng tin",
    "Họp tổ/nhóm",
    "Báo chí",
]


def _communication_poll() -> PollDraft:
    return PollDraft(
        unit="than-mao-khe",
        title="Bạn nhận thông tin công đoàn qua kênh nào?",
        description=(
            "Công đoàn Công ty muốn biết đoàn viên, người lao động nhận thông tin qua kênh nào "
            "để truyền thông hiệu quả hơn. Khảo sát mất khoảng một phút."
        ),
        questions=(
            QuestionDraft(
                "multi",
                "Bạn thường nhận thông tin công đoàn qua kênh nào?",
                True,
                tuple(CHANNELS),
                max_choices=3,
            ),
            QuestionDraft(
                "single", "Kênh nào giúp bạn nắm thông tin nhanh nhất?", True, tuple(CHANNELS)
            ),
            QuestionDraft(
                "scale",
                "Bạn hài lòng thế nào với thông tin công đoàn hiện nay?",
                True,
                min=1,
                max=5,
                min_label="Rất không hài lòng",
                max_label="Rất hài lòng",
            ),
            QuestionDraft("yes_no", "Bạn có muốn nhận tin công đoàn qua Zalo không?", True),
            QuestionDraft(
                "text", "Góp ý của bạn để công tác truyền thông công đoàn tốt hơn", False
            ),
        ),
    )


def _safety_poll() -> PollDraft:
    return PollDraft(
        unit="cdtkv",
        title="Tháng hành động về An toàn, vệ sinh lao động: ý kiến của người lao động",
        description=(
            "Ý kiến của bạn giúp công đoàn các cấp đề xuất cải thiện điều kiện làm việc trong lò."
        ),
        min_group_size=10,
        questions=(
            QuestionDraft(
                "scale",
                "Bạn đánh giá điều kiện an toàn nơi làm việc của mình thế nào?",
                True,
                min=1,
                max=5,
                min_label="Rất kém",
                max_label="Rất tốt",
            ),
            QuestionDraft("yes_no", "Trong tháng qua, bạn có được huấn luyện ATVSLĐ không?", True),
            QuestionDraft(
                "single",
                "Điều gì cần cải thiện trước nhất?",
                True,
                (
                    "Thông gió, bụi",
                    "Bảo hộ lao động",
                    "Chiếu sáng",
                    "Thời gian nghỉ giữa ca",
                    "Nước uống, bữa ăn giữa ca",
                ),
            ),
            QuestionDraft("text", "Bạn có kiến nghị gì về an toàn, vệ sinh lao động?", False),
        ),
    )


def _tet_poll() -> PollDraft:
    return PollDraft(
        unit="than-mao-khe",
        title="Chăm lo Tết Thợ mỏ: bạn mong muốn điều gì?",
        description=(
            "Kết quả giúp Ban Chấp hành công đoàn chuẩn bị chương trình "
            "Ngày truyền thống thợ mỏ 12/11."
        ),
        questions=(
            QuestionDraft(
                "multi",
                "Hoạt động nào bạn muốn có trong dịp Tết Thợ mỏ?",
                True,
                (
                    "Hội thao, văn nghệ",
                    "Thăm hỏi gia đình khó khăn",
                    "Quà cho con đoàn viên",
                    "Tham quan, nghỉ dưỡng",
                    "Khám sức khỏe",
                ),
                max_choices=2,
            ),
            QuestionDraft(
                "scale",
                "Bạn đánh giá chương trình năm ngoái thế nào?",
                True,
                min=1,
                max=5,
                min_label="Rất không hài lòng",
                max_label="Rất hài lòng",
            ),
        ),
    )


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    polls: int
    responses: int
    questions: int


def full_answers(poll: Poll, text: str = "Cần thêm quạt gió ở lò chợ.") -> dict[str, object]:
    """One answer to every question of ``poll``, the same each time (the benches' and
    load tests' respondent): the first option, the first two of a multiple choice, a
    scale's top, yes, and ``text`` for free text."""
    answers: dict[str, object] = {}
    for q in poll.questions:
        if q.kind == "single":
            answers[str(q.id)] = q.options[0].id
        elif q.kind == "multi":
            answers[str(q.id)] = [o.id for o in q.options[:2]]
        elif q.kind == "scale":
            answers[str(q.id)] = q.scale_max
        elif q.kind == "yes_no":
            answers[str(q.id)] = True
        else:
            answers[str(q.id)] = text
    return answers


async def _answer_at_random(
    poll_id: int, codes: list[str], count: int, rng: random.Random, secret: str
) -> int:
    poll = await polls.load(poll_id)
    options = [await placements.by_code(code) for code in codes]
    stored = 0
    for index in range(count):
        answers: dict[str, object] = {}
        for q in poll.questions:
            if q.kind == "single":
                answers[str(q.id)] = rng.choice(q.options).id
            elif q.kind == "multi":
                answers[str(q.id)] = [
                    o.id for o in rng.sample(list(q.options), rng.randint(1, q.max_choices or 2))
                ]
            elif q.kind == "scale":
                answers[str(q.id)] = rng.choices(
                    range(q.scale_min or 1, (q.scale_max or 5) + 1),
                    weights=[1, 2, 4, 6, 3][: (q.scale_max or 5) - (q.scale_min or 1) + 1],
                )[0]
            elif q.kind == "yes_no":
                answers[str(q.id)] = rng.random() < 0.7
            elif q.kind == "text" and rng.random() < 0.25:
                answers[str(q.id)] = rng.choice(
                    [
                        "Nên đăng tin lên nhóm Zalo của phân xưởng sớm hơn.",
                        "Loa truyền thanh ở nhà ăn nhỏ quá, không nghe rõ.",
                        "Bảng tin cần cập nhật thường xuyên hơn.",
                        "Mong công đoàn trả lời câu hỏi về tiền lương nhanh hơn.",
                        "Cần thêm quạt gió ở lò chợ.",
                    ]
                )
        weights = [5, 3, 2, 1][: len(options)]
        placement = rng.choices(options, weights=weights)[0]
        await submit_response(
            poll,
            Submission(
                answers=answers,
                channel=Channel.WEB,
                placement=placement,
                subject=f"demo-{poll_id}-{index}",
            ),
            secret=secret,
        )
        stored += 1
    return stored


async def load_demo(secret: str, *, seed: int = 1211, now: datetime | None = None) -> DemoSummary:
    """Load the demo into an empty database; ``now``: the moment its question box's times
    count back from (the clock's by default)."""
    if await t.Unit.count() > 0:
        return DemoSummary(
            created=False,
            polls=await t.Poll.count(),
            responses=await t.Response.count(),
            questions=await t.BoxItem.count(),
        )
    rng = random.Random(seed)
    for slug, (name, kind, headcount, parent) in TREE.items():
        await units.create_unit(
            slug=slug,
            name=name,
            kind=kind,
            parent=await units.get_by_slug(parent) if parent else None,
            headcount=headcount,
        )
    officers: dict[str, Principal] = {}
    for username, display, unit, role in OFFICERS:
        officers[username] = await accounts.create_officer(
            username, DEMO_PASSWORD, unit_slug=unit, role=role, display_name=display
        )
    maokhe, admin = officers["maokhe"], officers["admin"]
    responses = 0

    communication = await polls.create(maokhe, _communication_poll())
    codes = []
    for label, where, unit_slug in (
        ("Nhà ăn Phân xưởng Khai thác 3", "canteen", "mao-khe-khai-thac-3"),
        ("Bảng tin Phân xưởng Khai thác 5", "notice_board", "mao-khe-khai-thac-5"),
        ("Nhà ăn Phân xưởng Cơ điện", "canteen", "mao-khe-co-dien"),
        ("Bảng tin Phân xưởng Vận tải lò", "notice_board", "mao-khe-van-tai"),
    ):
        codes.append(
            (
                await placements.add(
                    maokhe, communication.id, label=label, kind=where, unit_slug=unit_slug
                )
            ).code
        )
    await polls.open_poll(maokhe, communication.id)
    responses += await _answer_at_random(communication.id, codes, 137, rng, secret)

    safety = await polls.create(admin, _safety_poll())
    safety_codes = []
    safety_places: tuple[tuple[str, str, str | None], ...] = (
        ("Bảng tin Công ty Than Vàng Danh", "notice_board", "than-vang-danh"),
        ("Nhà ăn Công ty Than Hà Lầm", "canteen", "than-ha-lam"),
        ("Đường dẫn gửi các công đoàn trực thuộc", "link", None),
    )
    for label, where, optional_unit in safety_places:
        safety_codes.append(
            (
                await placements.add(
                    admin, safety.id, label=label, kind=where, unit_slug=optional_unit
                )
            ).code
        )
    await polls.open_poll(admin, safety.id)
    responses += await _answer_at_random(safety.id, safety_codes, 64, rng, secret)

    tet = await polls.create(maokhe, _tet_poll())
    tet_code = (
        await placements.add(
            maokhe, tet.id, label="Nhà ăn trung tâm", kind="canteen", unit_slug="than-mao-khe"
        )
    ).code
    await polls.open_poll(maokhe, tet.id)
    responses += await _answer_at_random(tet.id, [tet_code], 41, rng, secret)
    await polls.close_poll(maokhe, tet.id)
    questions = await demo_box.load_box(secret, officers, seed=seed, now=now or polls.now())
    return DemoSummary(created=True, polls=3, responses=responses, questions=questions)
