"""Plain values from the services to the API's response Structs."""

from __future__ import annotations

from datetime import datetime

from polls import disclosure
from polls.analytics.tally import PollResults
from polls.api import schemas as s
from polls.forms.kinds import QuestionTally
from polls.i18n import gettext, local_datetime
from polls.models import Placement, Poll, Principal, Question, StandingPlacement, Unit
from polls.services import audit
from polls.services.accounts import TokenInfo
from polls.services.officers import Officer
from polls.sharing import links


def question(q: Question) -> s.QuestionRead:
    return s.QuestionRead(
        id=q.id,
        position=q.position,
        kind=q.kind,
        text=q.text,
        required=q.required,
        options=[s.OptionRead(id=o.id, label=o.label, other=o.other) for o in q.options],
        max_choices=q.max_choices,
        min=q.scale_min,
        max=q.scale_max,
        min_label=q.min_label,
        max_label=q.max_label,
        help=q.help,
    )


def poll(p: Poll, now: datetime, responses: int = 0) -> s.PollRead:
    return s.PollRead(
        id=p.id,
        unit=p.unit_slug,
        unit_name=p.unit_name,
        title=p.title,
        description=p.description,
        language=p.language,
        status=str(p.effective_status(now)),
        opens_at=p.opens_at,
        closes_at=p.closes_at,
        min_group_size=p.min_group_size,
        duplicate_policy=p.duplicate_policy,
        series=p.series,
        publish_results=p.publish_results,
        questions=[question(q) for q in p.questions],
        responses=responses,
    )


def poll_summary(p: Poll, now: datetime, responses: int) -> s.PollSummary:
    return s.PollSummary(
        id=p.id,
        unit=p.unit_slug,
        unit_name=p.unit_name,
        title=p.title,
        status=str(p.effective_status(now)),
        opens_at=p.opens_at,
        closes_at=p.closes_at,
        responses=responses,
    )


def placement(
    p: Placement, base_url: str, unit_slugs: dict[int, str], mini_app_id: str = ""
) -> s.PlacementRead:
    return s.PlacementRead(
        id=p.id,
        poll=p.poll_id,
        code=p.code,
        url=links.link(base_url, p.code),
        label=p.label,
        kind=p.kind,
        unit=unit_slugs.get(p.unit_id) if p.unit_id else None,
        visits=p.visits,
        responses=p.responses,
        chat_id=p.chat_id,
        chat_unreachable=p.chat_unreachable,
        opens_in=p.opens_in,
        mini_app_url=links.mini_app_link(mini_app_id, p.code) if mini_app_id else None,
        scan_url=links.scan_link(p, base_url, mini_app_id),
        standing=p.standing_id,
    )


def standing_placement(
    p: StandingPlacement, base_url: str, unit_slugs: dict[int, str]
) -> s.StandingPlacementRead:
    return s.StandingPlacementRead(
        id=p.id,
        code=p.code,
        url=links.link(base_url, p.code),
        scan_url=links.qr_link(base_url, p.code),
        label=p.label,
        kind=p.kind,
        unit=unit_slugs.get(p.unit_id, ""),
        series=p.series,
        place_unit=unit_slugs.get(p.place_unit_id) if p.place_unit_id else None,
        created_at=p.created_at,
        stopped_at=p.stopped_at,
    )


def unit(u: Unit, slugs: dict[int, str]) -> s.UnitRead:
    return s.UnitRead(
        slug=u.slug,
        name=u.name,
        kind=u.kind,
        parent=slugs.get(u.parent_id) if u.parent_id else None,
        headcount=u.headcount,
        depth=u.depth,
        leaders_zalo_chat_id=u.leaders_zalo_chat_id,
        leaders_chat_unreachable=u.leaders_chat_unreachable,
    )


def officer(p: Principal | Officer, slugs: dict[int, str]) -> s.OfficerRead:
    return s.OfficerRead(
        username=p.username,
        display_name=p.display_name,
        role=str(p.role),
        unit=slugs.get(p.unit_id, ""),
        active=p.active if isinstance(p, Officer) else True,
    )


def audit_page(page: audit.Page) -> s.AuditPageRead:
    return s.AuditPageRead(
        entries=[
            s.AuditEntryRead(
                id=e.id,
                at=e.at,
                actor=e.actor,
                action=e.action,
                officer=e.officer,
                unit=e.unit,
                from_unit=e.from_unit,
                detail=e.detail,
            )
            for e in page.entries
        ],
        page=page.page,
        pages=page.pages,
        total=page.total,
    )


def token(info: TokenInfo, at: datetime) -> s.TokenRead:
    return s.TokenRead(
        id=info.id,
        officer=info.officer,
        name=info.name,
        state=info.state(at),  # type: ignore[arg-type]
        created_at=info.created_at,
        expires_at=info.expires_at,
        revoked_at=info.revoked_at,
    )


def form(code: str, p: Poll, now: datetime, base_url: str) -> s.FormRead:
    return s.FormRead(
        code=code,
        poll=p.id,
        title=p.title,
        description=p.description,
        unit_name=p.unit_name,
        language=p.language,
        status=str(p.effective_status(now)),
        opens_at=p.opens_at,
        closes_at=p.closes_at,
        duplicate_policy=p.duplicate_policy,
        questions=[question(q) for q in p.questions],
        texts=form_texts(p),
        box_url=links.box_link(base_url, p.unit_slug),
    )


def form_texts(p: Poll) -> s.FormTexts:
    k = p.min_group_size
    return s.FormTexts(
        anonymity=gettext(
            "Your answers are anonymous: we store no name, phone number or IP address."
        ),
        results_rule=gettext(
            "Results are shown only for groups of at least %(k)s people and change only after "
            "%(k)s new answers; written answers only once %(n)s people have written one.",
            k=k,
            n=disclosure.text_threshold(k),
        ),
        required=gettext("required"),
        yes=gettext("Yes"),
        no=gettext("No"),
        choose_up_to=gettext("Choose up to %(n)s", n="%(n)s"),
        send=gettext("Send my answers"),
        sending=gettext("Sending…"),
        kept_offline=gettext(
            "No connection: your answers are kept on this phone and are sent when the network "
            "returns."
        ),
        sent_kept=gettext("The answers kept on this phone were sent."),
        fix_answers=gettext("Some answers need correcting."),
        thanks=gettext("Thank you for taking part in the poll!"),
        received=gettext("Your answers were received."),
        not_open=gettext("This poll is not open yet."),
        open_until=gettext("Open until %(time)s.", time=local_datetime(p.closes_at))
        if p.closes_at
        else "",
        box_intro=gettext(
            "A question, a complaint or a proposal for the union? Ask it anonymously:"
        ),
        ask_union=gettext("Ask the union"),
    )


def _question_result(t: QuestionTally, texts: bool) -> s.QuestionResultRead:
    return s.QuestionResultRead(
        id=t.question_id,
        kind=t.kind,
        text=t.text,
        answered=t.answered,
        options=[
            s.ShareRead(
                id=share.option_id,
                key=share.key,
                label=gettext(share.label) if share.option_id is None else share.label,
                count=share.count,
                percent=round(share.fraction * 100),
            )
            for share in t.shares
        ],
        mean=round(t.mean, 2) if t.mean is not None else None,
        texts=list(t.texts) if texts and t.texts is not None else None,
    )


def results(r: PollResults) -> s.ResultsRead:
    return s.ResultsRead(
        poll=r.poll_id,
        responses=r.responses,
        min_group_size=r.min_group_size,
        questions_visible=r.questions_visible,
        texts_visible=r.texts_visible,
        questions=[_question_result(q, r.texts_visible) for q in r.questions],
        breakdown_by=r.breakdown_by,
        breakdown=[
            s.SegmentRead(
                key=seg.key,
                label=seg.label,
                suppressed=seg.suppressed,
                responses=seg.responses,
                questions=None
                if seg.questions is None
                else [_question_result(q, False) for q in seg.questions],
                members=list(seg.members),
            )
            for seg in r.segments
        ],
    )
