"""The demo's question box ("Hỏi công đoàn"): questions asked in the demo units' boxes, in
every state an officer meets in the queue (new, due, overdue, escalated, answered, answered
and published, handled, one with a message hidden), and a few months of answered questions
behind them, so the public answers page and the numbers report (``/console/hoi/so-lieu.pdf``)
have something real to show.

Everything goes through ``polls.services.question_box``, as a worker and the officers would
do it: asking stores the hour of arrival only, replies, escalations and publications are
the officers' own actions with their events. The texts, units and times come from a fixed
list and a seeded random generator, counted back from ``now``; only the follow-up codes and
row ids are random, as the box makes them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from polls import privacy
from polls.models import Principal
from polls.services import question_box as box
from polls.services.question_box import Topic


@dataclass(frozen=True)
class DemoQuestion:
    """One question of the queue, and what the officers have done with it so far."""

    unit: str
    topic: Topic
    text: str
    hours_ago: int
    assignee: str = ""
    escalations: int = 0
    reply: str = ""
    reply_after: int = 0
    """Hours from arrival to the officer's first reply."""
    follow_up: str = ""
    """The worker's one further message, after the reply."""
    published: tuple[str, str] | None = None
    """The edited question and reply put on the unit's public page."""
    handled: bool = False
    hidden_reason: str = ""
    """The question itself hidden (it names a person), with this reason."""


QUEUE = (
    DemoQuestion(
        "mao-khe-khai-thac-3",
        Topic.MEALS,
        "Cơm ca ba ở nhà ăn số 2 mấy hôm nay nguội và ít thức ăn, đề nghị công đoàn kiểm tra "
        "lại suất ăn giữa ca.",
        hours_ago=2,
    ),
    DemoQuestion(
        "than-vang-danh",
        Topic.WAGES,
        "Lương tháng 11 năm nay bao giờ được trả? Tháng trước chậm mất năm ngày.",
        hours_ago=5,
        assignee="Trưởng ban Tuyên giáo",
    ),
    DemoQuestion(
        "mao-khe-co-dien",
        Topic.SAFETY,
        "Quạt gió cục bộ ở lò chợ 7 kêu to và hay dừng giữa ca, đề nghị công đoàn báo phòng "
        "thông gió kiểm tra.",
        hours_ago=9,
        assignee="Các ban liên quan",
    ),
    DemoQuestion(
        "mao-khe-van-tai",
        Topic.INSURANCE,
        "Con tôi ốm nằm viện năm ngày, tôi nghỉ chăm con thì làm thủ tục hưởng chế độ ốm đau "
        "bảo hiểm xã hội thế nào?",
        hours_ago=30,
    ),
    DemoQuestion(
        "mao-khe-khai-thac-5",
        Topic.WAGES,
        "Đi làm ngày Chủ nhật thì tiền làm thêm giờ được tính hệ số bao nhiêu, có được nghỉ bù "
        "không?",
        hours_ago=56,
    ),
    DemoQuestion(
        "than-ha-lam",
        Topic.MEALS,
        "Nhà tắm giặt khu mặt bằng +28 thiếu nước nóng ca đêm đã hai tuần, đề nghị công đoàn "
        "kiến nghị sửa.",
        hours_ago=75,
    ),
    DemoQuestion(
        "mao-khe-khai-thac-3",
        Topic.WAGES,
        "Phụ cấp nặng nhọc, độc hại của thợ lò năm 2027 có tăng theo lương cơ sở không?",
        hours_ago=20,
        escalations=1,
        assignee="Chủ tịch công đoàn",
    ),
    DemoQuestion(
        "than-vang-danh",
        Topic.INSURANCE,
        "Thợ lò làm đủ 15 năm trong hầm lò thì được nghỉ hưu sớm ở tuổi bao nhiêu?",
        hours_ago=40,
        escalations=1,
        assignee="Văn phòng tư vấn pháp luật",
    ),
    DemoQuestion(
        "mao-khe-khai-thac-3",
        Topic.MEALS,
        "Nhà ăn ca hai hết canh từ 12 giờ, người lên lò muộn không còn gì ăn.",
        hours_ago=4 * 24,
        reply=(
            "Công đoàn đã làm việc với bếp ăn: từ tuần này bếp nấu thêm cho người lên lò muộn, "
            "giữ suất đến 13 giờ 30."
        ),
        reply_after=6,
        follow_up="Cảm ơn công đoàn, hôm nay đã có canh cho ca lên muộn.",
        published=(
            "Nhà ăn ca hai hết món canh từ 12 giờ, người lên lò muộn không còn suất ăn.",
            "Từ tuần này bếp ăn nấu thêm cho người lên lò muộn và giữ suất ăn đến 13 giờ 30.",
        ),
    ),
    DemoQuestion(
        "vang-danh-khai-thac-1",
        Topic.SAFETY,
        "Đèn lò cấp phát đầu ca nhiều chiếc pin yếu, chưa hết ca đã tối.",
        hours_ago=6 * 24,
        reply=(
            "Phòng cơ điện đã thay 120 bộ pin đèn lò và kiểm tra đèn trước mỗi ca. Đèn nào yếu "
            "xin báo ngay tại phòng đèn để đổi."
        ),
        reply_after=20,
        published=(
            "Đèn lò cấp phát đầu ca có chiếc pin yếu, chưa hết ca đã tối.",
            "Đã thay 120 bộ pin đèn lò và kiểm tra đèn trước mỗi ca; đèn yếu được đổi ngay tại "
            "phòng đèn.",
        ),
        handled=True,
    ),
    DemoQuestion(
        "mao-khe-co-dien",
        Topic.WAGES,
        "Tiền thưởng an toàn quý III của phân xưởng Cơ điện bao giờ được chi?",
        hours_ago=2 * 24 + 10,
        reply="Công ty chi thưởng an toàn quý III cùng kỳ lương ngày 10 tháng sau.",
        reply_after=30,
    ),
    DemoQuestion(
        "than-mao-khe",
        Topic.UNION,
        "Đoàn viên có con đỗ đại học năm nay thì đăng ký nhận quà khuyến học ở đâu?",
        hours_ago=10 * 24,
        reply=(
            "Đoàn viên nộp giấy báo nhập học cho công đoàn bộ phận trước ngày 15; công đoàn "
            "Công ty trao quà trong buổi gặp mặt cuối năm."
        ),
        reply_after=3,
        published=(
            "Đoàn viên có con đỗ đại học năm nay đăng ký nhận quà khuyến học ở đâu?",
            "Nộp giấy báo nhập học cho công đoàn bộ phận trước ngày 15; quà được trao trong "
            "buổi gặp mặt cuối năm.",
        ),
        handled=True,
    ),
    DemoQuestion(
        "mao-khe-van-tai",
        Topic.OTHER,
        "Quản đốc Nguyễn Văn T. ca hai hay quát mắng công nhân trước cả tổ, đề nghị công đoàn "
        "nhắc nhở.",
        hours_ago=3 * 24,
        reply=(
            "Công đoàn đã ghi nhận và làm việc với phân xưởng về cách ứng xử trong ca; nếu còn "
            "xảy ra xin báo lại qua hộp thư này."
        ),
        reply_after=12,
        hidden_reason="Nêu tên một người cụ thể",
    ),
)

ANSWERED_BEFORE = 60
"""Older questions, all answered and handled: the months the numbers report shows."""
HISTORY_HOURS = (12 * 24, 80 * 24)
"""How long ago they were asked: evenly over these hours, so every month has its share."""

HISTORY_UNITS: dict[str, tuple[int, dict[Topic, int]]] = {
    "mao-khe-khai-thac-3": (6, {Topic.WAGES: 5, Topic.MEALS: 2, Topic.UNION: 1}),
    "than-vang-danh": (5, {Topic.SAFETY: 5, Topic.INSURANCE: 1, Topic.WAGES: 1}),
    "mao-khe-khai-thac-5": (2, {Topic.MEALS: 2, Topic.SAFETY: 1}),
    "mao-khe-co-dien": (1, {Topic.WAGES: 1, Topic.INSURANCE: 1}),
}
"""Where the older questions were asked (a weight), and what each unit asks most: a
workshop's questions gather on its own worries, as they do, so the numbers show a unit and
a topic beside the groups too small to show."""
HISTORY_TEXTS: dict[Topic, tuple[str, ...]] = {
    Topic.WAGES: (
        "Cách tính lương sản phẩm tháng này khác tháng trước, đề nghị công đoàn giải thích.",
        "Tiền ăn ca có được tính vào lương đóng bảo hiểm không?",
        "Nghỉ phép năm chưa hết thì cuối năm có được thanh toán tiền không?",
        "Hợp đồng lao động của tôi hết hạn tháng sau, công ty có ký tiếp không?",
        "Lương ngày nghỉ lễ Quốc khánh có được tính cho người đang nghỉ ốm không?",
    ),
    Topic.SAFETY: (
        "Bảo hộ lao động năm nay bao giờ cấp? Ủng của tổ tôi đã rách.",
        "Đường lò vận tải mức −50 đọng nước, đi lại trơn trượt.",
        "Khẩu trang chống bụi phát ít quá, không đủ thay mỗi ca.",
        "Máy khoan ở gương lò số 4 rò điện, đề nghị kiểm tra trước khi giao ca.",
        "Tàu điện chở người ca sáng thường quá tải, đề nghị tăng chuyến.",
    ),
    Topic.MEALS: (
        "Phòng ở khu tập thể bị dột khi mưa, đề nghị sửa mái.",
        "Suất ăn bồi dưỡng độc hại có thể đổi sang sữa được không?",
        "Khu tập thể thiếu nước sinh hoạt vào buổi tối, đề nghị công ty kiểm tra máy bơm.",
    ),
    Topic.INSURANCE: (
        "Sổ bảo hiểm xã hội của tôi sai năm sinh, sửa ở đâu?",
        "Vợ tôi sinh con thì tôi có được nghỉ và hưởng chế độ thai sản không?",
    ),
    Topic.UNION: (
        "Công đoàn có tổ chức tham quan hè cho gia đình đoàn viên năm nay không?",
        "Đoàn viên chuyển sang phân xưởng khác thì chuyển sinh hoạt công đoàn thế nào?",
    ),
}
HISTORY_REPLY = (
    "Công đoàn đã chuyển câu hỏi đến phòng chức năng và nhận được trả lời; chi tiết đã dán ở "
    "bảng tin phân xưởng."
)


def _officer_of(unit: str, officers: dict[str, Principal]) -> Principal:
    """Who answers a unit's box in the demo: the officer of its company, else the admin."""
    if unit.startswith("mao-khe") or unit == "than-mao-khe":
        return officers["maokhe"]
    if unit.startswith("vang-danh") or unit == "than-vang-danh":
        return officers["vangdanh"]
    return officers["admin"]


async def _handle(
    question: DemoQuestion,
    code: str,
    arrival: datetime,
    secret: str,
    officers: dict[str, Principal],
) -> None:
    officer = _officer_of(question.unit, officers)
    item_id = await box.item_id_of(code, secret=secret)
    step = arrival + timedelta(minutes=20)
    if question.hidden_reason:
        await box.hide(officer, item_id, 0, question.hidden_reason, now=step)
    holder = officer
    for _ in range(question.escalations):
        step += timedelta(hours=1)
        parent = await box.escalate(holder, item_id, now=step)
        holder = _officer_of(parent.slug, officers)
    if question.assignee:
        await box.assign(holder, item_id, question.assignee, now=step + timedelta(minutes=10))
    if not question.reply:
        return
    replied = arrival + timedelta(hours=question.reply_after, minutes=15)
    await box.reply(holder, item_id, question.reply, now=replied)
    if question.follow_up:
        await box.add_message(
            code, question.follow_up, secret=secret, now=replied + timedelta(hours=3)
        )
    if question.published:
        asked, answered = question.published
        await box.publish(
            holder,
            item_id,
            question=asked,
            answer=answered,
            consent=True,
            now=replied + timedelta(hours=1),
        )
    if question.handled:
        await box.mark_handled(holder, item_id, now=replied + timedelta(hours=2))


def _history(rng: random.Random) -> list[DemoQuestion]:
    units = list(HISTORY_UNITS)
    questions = []
    for index in range(ANSWERED_BEFORE):
        unit = rng.choices(units, weights=[HISTORY_UNITS[u][0] for u in units])[0]
        asks = HISTORY_UNITS[unit][1]
        topic = rng.choices(list(asks), weights=list(asks.values()))[0]
        reply_after = rng.choices(
            [rng.randint(2, 23), rng.randint(24, 47), rng.randint(48, 80)], weights=[7, 2, 1]
        )[0]
        questions.append(
            DemoQuestion(
                unit,
                topic,
                rng.choice(HISTORY_TEXTS[topic]),
                hours_ago=HISTORY_HOURS[0]
                + index * (HISTORY_HOURS[1] - HISTORY_HOURS[0]) // ANSWERED_BEFORE
                + rng.randint(0, 12),
                reply=HISTORY_REPLY,
                reply_after=reply_after,
                handled=True,
            )
        )
    return questions


async def load_box(secret: str, officers: dict[str, Principal], *, seed: int, now: datetime) -> int:
    """Ask the demo's questions and act on them as their officers; how many were asked.
    The box has a generator of its own, so the polls' demo answers do not move it."""
    hour = privacy.coarsen_to_hour(now)
    questions = [*_history(random.Random(seed)), *QUEUE]
    for question in questions:
        arrival = hour - timedelta(hours=question.hours_ago)
        code = await box.ask(
            question.unit, str(question.topic), question.text, secret=secret, now=arrival
        )
        await _handle(question, code, arrival, secret, officers)
    return len(questions)
