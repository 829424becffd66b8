"""Templates an officer starts a poll from: five topics of the union's communications
programme (CĐTKV, Chương trình 370/CTr-CĐTKV), each written in Vietnamese and in English.

A template only fills the editor (``drafting.form_for_draft``); nothing is stored until the
officer saves, so he adapts every word first. The topics are the programme's own: living and
working conditions and meals (IV.1.3), the Workers' Month and the Action Month for
occupational safety and health (II.2.3, IV.2), Miners' Day and the care for workers at Tết
(II.2.3, IV.2), the channels through which members get the union's news (II.2, V.3-4), and
how the union's work is judged (IV.1.2, V.5).
"""

from __future__ import annotations

from dataclasses import dataclass

from polls.errors import N_, NotFound
from polls.i18n import LOCALES
from polls.services.polls import PollDraft, QuestionDraft


@dataclass(frozen=True)
class Starter:
    key: str
    name: str
    """A msgid: the template's name in the console's language."""
    about: str
    """A msgid: one line on what it asks."""
    versions: dict[str, PollDraft]
    """Language of the poll -> the poll as the template writes it (unit left empty)."""


SATISFIED = {
    "vi": ("Rất không hài lòng", "Rất hài lòng"),
    "en": ("Very dissatisfied", "Very satisfied"),
}
OTHER = {"vi": "Khác (ghi rõ)", "en": "Other (please specify)"}
NO_NAMES = {
    "vi": "Không ghi tên mình, số thẻ hay tên người khác.",
    "en": "Do not write your name, badge number or anyone else's name.",
}


def _scale(language: str, text: str, help: str = "") -> QuestionDraft:
    low, high = SATISFIED[language]
    return QuestionDraft(
        kind="scale", text=text, min=1, max=5, min_label=low, max_label=high, help=help
    )


def _text(language: str, text: str) -> QuestionDraft:
    return QuestionDraft(kind="text", text=text, required=False, help=NO_NAMES[language])


def _meals(language: str) -> PollDraft:
    if language == "vi":
        return PollDraft(
            unit="",
            language="vi",
            title="Bữa ăn ca và điều kiện làm việc",
            description="Công đoàn lắng nghe ý kiến của đoàn viên, người lao động về bữa ăn "
            "ca và điều kiện làm việc để cùng doanh nghiệp cải thiện.",
            questions=(
                _scale("vi", "Bạn hài lòng thế nào với bữa ăn ca?", "Nghĩ đến tháng vừa qua."),
                QuestionDraft(
                    kind="multi",
                    text="Điều gì ở bữa ăn ca cần cải thiện nhất?",
                    options=(
                        "Khẩu phần",
                        "Chất lượng thực phẩm",
                        "Vệ sinh nhà ăn",
                        "Giờ ăn",
                        "Thực đơn đa dạng hơn",
                    ),
                    max_choices=2,
                    help="Chọn tối đa 2.",
                    other=OTHER["vi"],
                ),
                QuestionDraft(
                    kind="single",
                    text="Điều kiện làm việc ở vị trí của bạn (bụi, nóng, ồn, ánh sáng) so với "
                    "năm trước thế nào?",
                    options=("Tốt hơn", "Như cũ", "Kém hơn"),
                ),
                QuestionDraft(
                    kind="yes_no",
                    text="Bạn có được cấp đủ trang bị bảo hộ lao động phù hợp với công việc không?",
                ),
                _text("vi", "Bạn đề xuất gì để cải thiện bữa ăn ca và điều kiện làm việc?"),
            ),
        )
    return PollDraft(
        unit="",
        language="en",
        title="Shift meals and working conditions",
        description="The union listens to members and workers on shift meals and working "
        "conditions, to improve them together with the company.",
        questions=(
            _scale("en", "How satisfied are you with the shift meal?", "Think of the last month."),
            QuestionDraft(
                kind="multi",
                text="What about the shift meal most needs improving?",
                options=(
                    "Portion size",
                    "Quality of the food",
                    "Cleanliness of the canteen",
                    "Meal times",
                    "A more varied menu",
                ),
                max_choices=2,
                help="Choose up to 2.",
                other=OTHER["en"],
            ),
            QuestionDraft(
                kind="single",
                text="How are the working conditions at your post (dust, heat, noise, light) "
                "compared with last year?",
                options=("Better", "The same", "Worse"),
            ),
            QuestionDraft(
                kind="yes_no",
                text="Do you get enough protective equipment suited to your work?",
            ),
            _text("en", "What do you suggest to improve shift meals and working conditions?"),
        ),
    )


def _safety(language: str) -> PollDraft:
    if language == "vi":
        return PollDraft(
            unit="",
            language="vi",
            title="Tháng hành động về an toàn, vệ sinh lao động",
            description="Tháng Công nhân – Tháng hành động về ATVSLĐ: công đoàn muốn biết "
            "nơi làm việc của bạn đã an toàn đến đâu.",
            questions=(
                QuestionDraft(
                    kind="yes_no",
                    text="Trong tháng này, tổ/đội của bạn có được huấn luyện hoặc nhắc lại quy "
                    "trình an toàn không?",
                ),
                QuestionDraft(
                    kind="scale",
                    text="Bạn cảm thấy an toàn thế nào khi làm việc ở vị trí của mình?",
                    min=1,
                    max=5,
                    min_label="Rất không an toàn",
                    max_label="Rất an toàn",
                ),
                QuestionDraft(
                    kind="multi",
                    text="Nguy cơ nào bạn thấy rõ nhất ở nơi làm việc?",
                    options=(
                        "Khí mỏ, bụi",
                        "Sập đổ lò",
                        "Máy móc, băng tải",
                        "Điện",
                        "Vận tải trong lò",
                    ),
                    help="Chọn tất cả những gì bạn gặp.",
                    other=OTHER["vi"],
                ),
                QuestionDraft(
                    kind="single",
                    text="Khi thấy một nguy cơ mất an toàn, bạn thường làm gì?",
                    options=(
                        "Báo ngay tổ trưởng hoặc an toàn viên",
                        "Tự khắc phục nếu làm được",
                        "Chưa biết báo cho ai",
                    ),
                ),
                _text("vi", "Một việc cần làm ngay để nơi làm việc của bạn an toàn hơn?"),
            ),
        )
    return PollDraft(
        unit="",
        language="en",
        title="Action Month for occupational safety and health",
        description="Workers' Month and the Action Month for occupational safety and health: "
        "the union wants to know how safe your workplace is.",
        questions=(
            QuestionDraft(
                kind="yes_no",
                text="This month, did your team get safety training or go over its safety "
                "procedures again?",
            ),
            QuestionDraft(
                kind="scale",
                text="How safe do you feel working at your post?",
                min=1,
                max=5,
                min_label="Very unsafe",
                max_label="Very safe",
            ),
            QuestionDraft(
                kind="multi",
                text="Which hazards do you see most at work?",
                options=(
                    "Mine gas, dust",
                    "Roof falls",
                    "Machinery, conveyors",
                    "Electricity",
                    "Underground haulage",
                ),
                help="Choose all that you meet.",
                other=OTHER["en"],
            ),
            QuestionDraft(
                kind="single",
                text="When you see a hazard, what do you usually do?",
                options=(
                    "Tell the team leader or the safety officer at once",
                    "Fix it myself if I can",
                    "I do not know whom to tell",
                ),
            ),
            _text("en", "One thing to do now to make your workplace safer?"),
        ),
    )


def _tet(language: str) -> PollDraft:
    if language == "vi":
        return PollDraft(
            unit="",
            language="vi",
            title="Tết Thợ mỏ và chăm lo Tết cho người lao động",
            description="Công đoàn chuẩn bị Ngày truyền thống thợ mỏ (12/11) và chương trình "
            "chăm lo Tết cho đoàn viên, người lao động. Hãy cho biết điều bạn cần nhất.",
            questions=(
                QuestionDraft(
                    kind="multi",
                    text="Hoạt động nào của công đoàn dịp Tết bạn thấy thiết thực nhất?",
                    options=(
                        "Quà Tết cho đoàn viên",
                        "Thăm hỏi gia đình có hoàn cảnh khó khăn",
                        "Xe đưa công nhân về quê đón Tết",
                        "Chợ Tết công đoàn",
                        "Văn nghệ, thể thao Ngày truyền thống thợ mỏ",
                    ),
                    max_choices=2,
                    help="Chọn tối đa 2.",
                    other=OTHER["vi"],
                ),
                QuestionDraft(
                    kind="single",
                    text="Tết này bạn có về quê không?",
                    options=(
                        "Có, đủ ngày nghỉ",
                        "Có, nhưng nghỉ ngắn",
                        "Không, tôi làm việc trong Tết",
                        "Chưa biết",
                    ),
                ),
                _scale("vi", "Bạn hài lòng thế nào với việc chăm lo Tết năm ngoái?"),
                _text("vi", "Gia đình bạn cần công đoàn hỗ trợ gì dịp Tết?"),
            ),
        )
    return PollDraft(
        unit="",
        language="en",
        title="Miners' Day and Tết care for workers",
        description="The union is preparing Miners' Day (12 November) and its Tết care "
        "programme for members and workers. Tell us what you need most.",
        questions=(
            QuestionDraft(
                kind="multi",
                text="Which of the union's Tết activities do you find most useful?",
                options=(
                    "Tết gifts for members",
                    "Visits to families in hardship",
                    "Buses taking workers home for Tết",
                    "The union's Tết market",
                    "Culture and sports on Miners' Day",
                ),
                max_choices=2,
                help="Choose up to 2.",
                other=OTHER["en"],
            ),
            QuestionDraft(
                kind="single",
                text="Are you going home for Tết this year?",
                options=(
                    "Yes, for the whole holiday",
                    "Yes, but only briefly",
                    "No, I work over Tết",
                    "I do not know yet",
                ),
            ),
            _scale("en", "How satisfied were you with last year's Tết care?"),
            _text("en", "What support does your family need from the union at Tết?"),
        ),
    )


CHANNELS = {
    "vi": (
        "Trang thông tin điện tử (website)",
        "Facebook",
        "Zalo",
        "Hệ thống loa truyền thanh",
        "Bảng tin",
        "Họp tổ/nhóm",
        "Báo chí",
    ),
    "en": (
        "The union's website",
        "Facebook",
        "Zalo",
        "Loudspeaker system",
        "Notice board",
        "Team meetings",
        "Newspapers",
    ),
}


def _channels(language: str) -> PollDraft:
    if language == "vi":
        return PollDraft(
            unit="",
            language="vi",
            title="Kênh thông tin công đoàn",
            description="Công đoàn muốn đưa thông tin đến bạn qua kênh bạn dùng nhiều nhất.",
            questions=(
                QuestionDraft(
                    kind="multi",
                    text="Bạn thường nhận thông tin công đoàn qua kênh nào?",
                    options=CHANNELS["vi"],
                    other=OTHER["vi"],
                ),
                QuestionDraft(
                    kind="single",
                    text="Kênh nào bạn muốn nhận thông tin công đoàn nhất?",
                    options=CHANNELS["vi"],
                ),
                QuestionDraft(
                    kind="single",
                    text="Bạn muốn nhận thông tin công đoàn bao lâu một lần?",
                    options=(
                        "Hằng ngày",
                        "Vài lần một tuần",
                        "Hằng tuần",
                        "Khi có việc quan trọng",
                    ),
                ),
                QuestionDraft(
                    kind="yes_no",
                    text="Bạn đã từng gửi câu hỏi cho công đoàn qua Facebook hoặc Zalo chưa?",
                    help="Công đoàn trả lời trong vòng 24 giờ, muộn nhất 48 giờ.",
                ),
                _scale("vi", "Thông tin công đoàn có dễ hiểu và hữu ích với bạn không?"),
            ),
        )
    return PollDraft(
        unit="",
        language="en",
        title="The union's information channels",
        description="The union wants to reach you through the channel you use most.",
        questions=(
            QuestionDraft(
                kind="multi",
                text="Through which channels do you usually get the union's news?",
                options=CHANNELS["en"],
                other=OTHER["en"],
            ),
            QuestionDraft(
                kind="single",
                text="Which channel would you most like to get the union's news through?",
                options=CHANNELS["en"],
            ),
            QuestionDraft(
                kind="single",
                text="How often would you like to get the union's news?",
                options=("Every day", "A few times a week", "Every week", "When it matters"),
            ),
            QuestionDraft(
                kind="yes_no",
                text="Have you ever sent the union a question through Facebook or Zalo?",
                help="The union answers within 24 hours, 48 hours at the latest.",
            ),
            _scale("en", "Is the union's news clear and useful to you?"),
        ),
    )


def _activity(language: str) -> PollDraft:
    if language == "vi":
        return PollDraft(
            unit="",
            language="vi",
            title="Đánh giá hoạt động công đoàn",
            description="Công đoàn là tổ chức của người lao động, do người lao động và vì "
            "người lao động. Ý kiến của bạn giúp công đoàn làm tốt hơn.",
            questions=(
                _scale("vi", "Bạn đánh giá thế nào về hoạt động của công đoàn cơ sở năm qua?"),
                QuestionDraft(
                    kind="multi",
                    text="Công đoàn cần làm tốt hơn việc gì?",
                    options=(
                        "Thương lượng tiền lương, thỏa ước lao động tập thể",
                        "Chăm lo đời sống, phúc lợi",
                        "Bảo vệ quyền lợi khi có tranh chấp",
                        "Tư vấn pháp luật",
                        "Hoạt động văn hóa, thể thao",
                    ),
                    max_choices=3,
                    help="Chọn tối đa 3.",
                    other=OTHER["vi"],
                ),
                QuestionDraft(
                    kind="yes_no",
                    text="Bạn có biết nội dung thỏa ước lao động tập thể của đơn vị không?",
                ),
                _text("vi", "Bạn muốn nhắn gì với công đoàn?"),
            ),
        )
    return PollDraft(
        unit="",
        language="en",
        title="How the union does its work",
        description="The union is the workers' own organisation, run by and for them. Your "
        "view helps it do better.",
        questions=(
            _scale("en", "How do you rate the work of your grassroots union this past year?"),
            QuestionDraft(
                kind="multi",
                text="What should the union do better?",
                options=(
                    "Bargaining on wages and the collective agreement",
                    "Care for living conditions and welfare",
                    "Defending workers' rights in disputes",
                    "Legal advice",
                    "Culture and sports",
                ),
                max_choices=3,
                help="Choose up to 3.",
                other=OTHER["en"],
            ),
            QuestionDraft(
                kind="yes_no",
                text="Do you know what your company's collective agreement says?",
            ),
            _text("en", "What would you like to tell the union?"),
        ),
    )


STARTERS: dict[str, Starter] = {
    starter.key: starter
    for starter in (
        Starter(
            "meals",
            N_("Shift meals and working conditions"),
            N_("the canteen's meals, dust, heat and noise, protective equipment"),
            {language: _meals(language) for language in ("vi", "en")},
        ),
        Starter(
            "safety",
            N_("Action Month for safety and health"),
            N_("training, how safe workers feel, hazards seen, how they are reported"),
            {language: _safety(language) for language in ("vi", "en")},
        ),
        Starter(
            "tet",
            N_("Miners' Day and Tết care"),
            N_("the union's Tết activities, going home, last year's care"),
            {language: _tet(language) for language in ("vi", "en")},
        ),
        Starter(
            "channels",
            N_("Information channels"),
            N_("website, Facebook, Zalo, loudspeakers, notice boards, team meetings"),
            {language: _channels(language) for language in ("vi", "en")},
        ),
        Starter(
            "activity",
            N_("How the union does its work"),
            N_("the grassroots union's year, what to do better, the collective agreement"),
            {language: _activity(language) for language in ("vi", "en")},
        ),
    )
}


def draft_of(key: str, language: str) -> PollDraft:
    """Template ``key`` written in ``language``; an unknown one is not found."""
    starter = STARTERS.get(key)
    if starter is None or language not in LOCALES:
        raise NotFound(N_("There is no such template."))
    return starter.versions[language]
