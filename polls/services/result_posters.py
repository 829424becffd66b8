"""Results posters ("Bạn nói – Công đoàn làm", issue 15): what a poll's poster shows, its
approval by the unit's leadership, its public link, and the files drawn from it.

- **Figures**: only the poll's released overall results (``services.results.results_for``,
  the very tallies the published results page shows), never a breakdown and never free
  text; a free-text question cannot be chosen. The respondents are the release's total.
  A poster needs a release: a closed poll, or an open one once a release was made.
- **Drafting**: whoever runs the poll (an officer or admin of its subtree) picks up to
  ``MOST_HEADLINES`` questions, each shown as a chart or a sentence, writes what the union
  will do, and picks where the QR code leads (``qr_target``): nowhere, a placement of the
  next wave, or the unit's question box. Every save moves ``version``.
- **Approval**: leadership (a viewer) or an admin whose subtree holds the poll's unit.
  It holds for the poster's version, the poll's version and the release it saw: an edit,
  a changed poll or a new release of an open poll drops it (``approved``), and the poster
  is a draft again. Only an approved poster prints without its draft mark, and only an
  approved poster is shown behind its public link.
- **Public link**: ``/r/{token}``, a random token of 144 bits (unguessable); making a new
  one or revoking it ends the old one at once.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from polls import db, inputs
from polls import tables as t
from polls.errors import N_, Conflict, Forbidden, InvalidInput, NotFound
from polls.i18n import gettext, local_date, using_locale
from polls.models import Placement, PlacementKind, Poll, PollStatus, Principal, Role
from polls.services import polls, releases
from polls.services.previews import OG_LOCALES, PreviewTags
from polls.services.results import results_for
from polls.services.sharing import off_the_loop
from polls.sharing import links
from polls.sharing.result_sheets import SHOWN_AS, SLOGAN, ResultsSheet, answered_text, build

MOST_HEADLINES = 4
MOST_RESPONSE_CHARACTERS = 600
QR_NONE, QR_PLACEMENT, QR_BOX = "none", "placement", "box"
QR_KINDS = (QR_NONE, QR_PLACEMENT, QR_BOX)
"""Where a poster's QR code may lead: nowhere, a placement of the next wave, or the poll's
unit's question box ("Hỏi công đoàn", ``/hoi/{unit slug}``). A new kind is a value here and
a branch in ``qr_target``."""
TOKEN = re.compile(r"^[A-Za-z0-9_-]{24}$")
FILES = {"poster.pdf": "application/pdf", "cards.pdf": "application/pdf", "card.png": "image/png"}
NOT_PUBLISHED = N_("This results poster is not published.")
APPROVERS = (Role.VIEWER, Role.ADMIN)


@dataclass(frozen=True)
class Choice:
    question_id: int
    shown_as: str


@dataclass(frozen=True)
class PosterDraft:
    choices: tuple[Choice, ...]
    response_text: str
    qr_placement: int | None = None
    qr_kind: str | None = None
    """One of ``QR_KINDS``; None (as older API clients send): a placement if ``qr_placement``
    is given, else no QR code."""

    @property
    def kind(self) -> str:
        if self.qr_kind is None:
            return QR_NONE if self.qr_placement is None else QR_PLACEMENT
        return self.qr_kind


@dataclass(frozen=True)
class NextWave:
    """A placement of a poll of the same series and unit still to come or open: a QR target."""

    placement: Placement
    poll_id: int
    poll_title: str


@dataclass(frozen=True)
class QrTarget:
    kind: str
    scan: str
    """What the QR code carries."""
    printed: str
    """The same link, for people who type it."""
    href: str
    """The same link, for a page."""
    caption: str


@dataclass(frozen=True)
class ResultsPoster:
    poll: Poll
    stored: bool
    choices: tuple[Choice, ...]
    response_text: str
    qr_kind: str
    qr_placement: int | None
    version: int
    drafted_by: str
    updated_at: datetime | None
    approved_by: str
    approved_at: datetime | None
    approved: bool
    """Approved, for this version of the poster and the poll and for the current release."""
    token: str | None
    release_seq: int
    respondents: int


def can_approve(principal: Principal, poll: Poll) -> bool:
    return principal.role in APPROVERS and principal.covers(poll.unit_path)


def _moment(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return polls.aware(value)


def _choices(raw: str) -> tuple[Choice, ...]:
    try:
        data = json.loads(raw or "[]")
    except ValueError:
        return ()
    return tuple(Choice(int(q), str(s)) for q, s in data if s in SHOWN_AS)


async def _row(poll_id: int) -> dict[str, Any] | None:
    return await t.ResultsPoster.select().where(t.ResultsPoster.poll == poll_id).first()


def _stored_kind(row: dict[str, Any]) -> str:
    """The stored kind; a placement deleted since (``qr_placement`` set to null) is none."""
    kind = row["qr_kind"] if row["qr_kind"] in QR_KINDS else QR_NONE
    if kind == QR_PLACEMENT and row["qr_placement"] is None:
        return QR_NONE
    return kind


async def _poster(poll: Poll, row: dict[str, Any] | None) -> ResultsPoster:
    release = await releases.current(poll)
    if row is None:
        return ResultsPoster(
            poll, False, (), "", QR_NONE, None, 0, "", None, "", None, False, None,
            release.seq, release.respondents,
        )  # fmt: skip
    approved = (
        row["approved_at"] is not None
        and row["approved_version"] == row["version"]
        and row["approved_poll_version"] == poll.version
        and row["approved_release"] == release.seq
        and release.seq > 0
    )
    questions = {q.id for q in poll.questions if q.kind != "text"}
    return ResultsPoster(
        poll=poll,
        stored=True,
        choices=tuple(c for c in _choices(row["questions"]) if c.question_id in questions),
        response_text=row["response_text"],
        qr_kind=_stored_kind(row),
        qr_placement=row["qr_placement"],
        version=row["version"],
        drafted_by=row["drafted_by_name"],
        updated_at=_moment(row["updated_at"]),
        approved_by=row["approved_by_name"] if approved else "",
        approved_at=_moment(row["approved_at"]) if approved else None,
        approved=approved,
        token=row["token"],
        release_seq=release.seq,
        respondents=release.respondents,
    )


async def get(principal: Principal, poll_id: int) -> ResultsPoster:
    """The poll's poster as drafted (or an empty one), for whoever may read the poll."""
    poll = await polls.get(principal, poll_id)
    return await _poster(poll, await _row(poll.id))


def _open_or_coming(poll: Poll, moment: datetime) -> bool:
    return poll.effective_status(moment) in (
        PollStatus.DRAFT,
        PollStatus.SCHEDULED,
        PollStatus.OPEN,
    )


async def next_waves(poll: Poll) -> list[NextWave]:
    """Where the QR code may lead: placements (that take answers) of the other polls of the
    same series and unit that are open or still to come."""
    rows = await t.Placement.raw(
        'SELECT p."id", p."code", p."label", p."kind", p."unit", p."opens_in", p."poll" '
        'FROM "placement" p JOIN "poll" o ON o."id" = p."poll" WHERE o."series" = {} '
        'AND o."unit" = {} AND o."id" <> {} AND o."archived_at" IS NULL AND p."kind" <> {} '
        'ORDER BY o."id" DESC, p."id"',
        poll.series,
        poll.unit_id,
        poll.id,
        PlacementKind.PAPER.value,
    )
    found: list[NextWave] = []
    loaded: dict[int, Poll] = {}
    moment = polls.now()
    for row in rows:
        other = loaded.get(row["poll"]) or await polls.load(row["poll"])
        loaded[other.id] = other
        if not _open_or_coming(other, moment):
            continue
        placement = Placement(
            id=row["id"],
            poll_id=other.id,
            code=row["code"],
            label=row["label"],
            kind=row["kind"],
            unit_id=row["unit"],
            unit_name=None,
            opens_in=row["opens_in"],
        )
        found.append(NextWave(placement, other.id, other.title))
    return found


async def qr_target(poster: ResultsPoster, base_url: str, mini_app_id: str) -> QrTarget | None:
    """Where the poster's QR code leads, in the current language; None for no QR code. The
    one place that knows the kinds of target (``QR_KINDS``)."""
    if poster.qr_kind == QR_PLACEMENT and poster.qr_placement is not None:
        chosen = [
            wave
            for wave in await next_waves(poster.poll)
            if wave.placement.id == poster.qr_placement
        ]
        if not chosen:  # that poll closed meanwhile: a QR code to nowhere is worse than none
            return None
        placement = chosen[0].placement
        return QrTarget(
            QR_PLACEMENT,
            links.scan_link(placement, base_url, mini_app_id),
            links.printed_link(base_url, placement.code),
            links.mini_app_link(mini_app_id, placement.code)
            if links.opens_in_mini_app(placement, mini_app_id)
            else links.link(base_url, placement.code),
            gettext("Scan the QR code to answer the next poll"),
        )
    if poster.qr_kind == QR_BOX:
        box = links.box_link(base_url, poster.poll.unit_slug)
        return QrTarget(
            QR_BOX, box, box, box, gettext("Scan the QR code to ask the union a question")
        )
    return None


def _read_draft(poll: Poll, draft: PosterDraft, waves: Sequence[NextWave]) -> dict[str, str]:
    errors: dict[str, str] = {}
    charted = {q.id for q in poll.questions if q.kind != "text"}
    ids = [c.question_id for c in draft.choices]
    if not ids:
        errors["questions"] = N_("Choose at least one question to show.")
    elif len(ids) > MOST_HEADLINES:
        errors["questions"] = N_("Choose at most 4 questions: a poster is read in passing.")
    elif len(set(ids)) != len(ids) or not set(ids) <= charted:
        errors["questions"] = N_(
            "Choose questions of this poll with answers to count (free text is never shown)."
        )
    elif any(c.shown_as not in SHOWN_AS for c in draft.choices):
        errors["questions"] = N_("Show each question as a chart or as a sentence.")
    text = draft.response_text.strip()
    if not text or len(text) > MOST_RESPONSE_CHARACTERS:
        errors["response_text"] = N_(
            "Write what the union will do about it, in up to 600 characters."
        )
    elif inputs.control_characters(text, multiline=True):
        errors["response_text"] = inputs.CONTROL_CHARACTERS
    if draft.kind not in QR_KINDS:
        errors["qr"] = N_(
            "Choose where the QR code leads: nowhere, the next poll or the unit's question box."
        )
    elif draft.kind != QR_PLACEMENT and draft.qr_placement is not None:
        errors["qr"] = N_("A placement is chosen only for a QR code that leads to the next poll.")
    elif draft.kind == QR_PLACEMENT and draft.qr_placement not in {w.placement.id for w in waves}:
        errors["qr"] = N_(
            "Choose a placement of an open or coming poll of the same series, or no QR code."
        )
    return errors


async def _releasable(poll: Poll) -> releases.Release:
    release = await releases.current(poll)
    if release.seq == 0:
        raise Conflict(
            N_("A results poster shows released results: this poll has none released yet.")
        )
    return release


UPSERT = (
    'INSERT INTO "results_poster" ("poll", "questions", "response_text", "qr_kind", '
    '"qr_placement", "version", "drafted_by", "drafted_by_name", "updated_at") '
    "VALUES ({}, {}, {}, {}, {}, 1, {}, {}, {}) "
    'ON CONFLICT ("poll") DO UPDATE SET "questions" = excluded."questions", '
    '"response_text" = excluded."response_text", "qr_kind" = excluded."qr_kind", '
    '"qr_placement" = excluded."qr_placement", '
    '"version" = "results_poster"."version" + 1, "drafted_by" = excluded."drafted_by", '
    '"drafted_by_name" = excluded."drafted_by_name", "updated_at" = excluded."updated_at", '
    '"approved_by" = NULL, "approved_by_name" = \'\', "approved_at" = NULL, '
    '"approved_version" = NULL, "approved_poll_version" = NULL, "approved_release" = NULL'
)


async def save(
    principal: Principal, poll_id: int, draft: PosterDraft, *, now: datetime
) -> ResultsPoster:
    """Store the draft whole (or nothing, with every field's error); any approval is dropped."""
    poll = await polls.get_for_change(principal, poll_id)
    await _releasable(poll)
    errors = _read_draft(poll, draft, await next_waves(poll))
    if errors:
        raise InvalidInput(errors)
    questions = json.dumps([[c.question_id, c.shown_as] for c in draft.choices])
    await db.write_one(
        t.ResultsPoster._meta.db,
        UPSERT,
        [
            poll.id,
            questions,
            draft.response_text.strip(),
            draft.kind,
            draft.qr_placement if draft.kind == QR_PLACEMENT else None,
            principal.officer_id,
            principal.display_name or principal.username,
            now,
        ],
    )
    return await _poster(poll, await _row(poll.id))


async def _stored(poll: Poll) -> dict[str, Any]:
    row = await _row(poll.id)
    if row is None:
        raise Conflict(N_("Draft the results poster first."))
    return row


async def approve(principal: Principal, poll_id: int, *, now: datetime) -> ResultsPoster:
    """Leadership's (or an admin's) approval of the poster as it is now, with the figures
    of the current release."""
    poll = await polls.get(principal, poll_id)
    if not can_approve(principal, poll):
        raise Forbidden(N_("Only the unit's leadership or an admin can approve a results poster."))
    row = await _stored(poll)
    release = await _releasable(poll)
    await db.write_one(
        t.ResultsPoster._meta.db,
        'UPDATE "results_poster" SET "approved_by" = {}, "approved_by_name" = {}, '
        '"approved_at" = {}, "approved_version" = "version", "approved_poll_version" = {}, '
        '"approved_release" = {} WHERE "id" = {} AND "version" = {}',
        [
            principal.officer_id,
            principal.display_name or principal.username,
            now,
            poll.version,
            release.seq,
            row["id"],
            row["version"],
        ],
    )  # an edit saved meanwhile keeps its own version, and stays unapproved
    return await _poster(poll, await _row(poll.id))


async def set_link(principal: Principal, poll_id: int, *, publish: bool) -> ResultsPoster:
    """A new public link (the old one, if any, stops working), or none."""
    poll = await polls.get(principal, poll_id)
    if not (principal.can_run_polls or can_approve(principal, poll)):
        raise Forbidden(N_("Viewers can read results but not change polls."))
    row = await _stored(poll)
    token = secrets.token_urlsafe(18) if publish else None
    await db.write_one(
        t.ResultsPoster._meta.db,
        'UPDATE "results_poster" SET "token" = {} WHERE "id" = {}',
        [token, row["id"]],
    )
    return await _poster(poll, await _row(poll.id))


async def published(token: str) -> ResultsPoster:
    """The poster behind a public link: only an approved one; anything else is a 404."""
    if not TOKEN.match(token):
        raise NotFound(NOT_PUBLISHED)
    row = await t.ResultsPoster.select().where(t.ResultsPoster.token == token).first()
    if row is None:
        raise NotFound(NOT_PUBLISHED)
    poster = await _poster(await polls.load(row["poll"]), row)
    if not poster.approved:
        raise NotFound(NOT_PUBLISHED)
    return poster


async def sheet(poster: ResultsPoster, base_url: str, mini_app_id: str = "") -> ResultsSheet:
    """What the poster says, in the current language, from the poll's released results."""
    results = await results_for(poster.poll, None)
    tallies = {q.question_id: q for q in results.questions}
    chosen = [
        (tallies[c.question_id], c.shown_as) for c in poster.choices if c.question_id in tallies
    ]
    target = await qr_target(poster, base_url, mini_app_id)
    return build(
        unit=poster.poll.unit_name,
        title=poster.poll.title,
        respondents=results.responses,
        chosen=chosen,
        response_text=poster.response_text,
        qr_text=target.scan if target else "",
        qr_caption=target.caption if target else "",
        link=target.printed if target else "",
        approved_by=poster.approved_by,
        approved_on=local_date(poster.approved_at) if poster.approved_at else "",
    )


@lru_cache(maxsize=16)
def _draw(name: str, drawn: ResultsSheet) -> bytes:
    # matplotlib takes over a second to import: only a process that draws one pays it.
    from polls.sharing import result_posters

    if name == "poster.pdf":
        return result_posters.poster_pdf(drawn)
    if name == "cards.pdf":
        return result_posters.cards_pdf(drawn)
    return result_posters.image_png(drawn)


def check_file(name: str) -> str:
    if name not in FILES:
        raise NotFound(N_("There is no such file."))
    return FILES[name]


async def draw(poster: ResultsPoster, name: str, base_url: str, mini_app_id: str = "") -> bytes:
    """One of ``FILES``, in the poll's language; a draft carries its mark."""
    check_file(name)
    if not poster.stored:
        raise Conflict(N_("Draft the results poster first."))
    await _releasable(poster.poll)
    with using_locale(poster.poll.language):
        drawn = await sheet(poster, base_url, mini_app_id)
    return await off_the_loop(lambda: _draw(name, drawn))


PUBLIC_PATH = "/r/"


def public_path(token: str) -> str:
    return f"{PUBLIC_PATH}{token}"


async def preview_tags(poster: ResultsPoster, base_url: str) -> PreviewTags:
    """The public page's Open Graph tags, in the poll's language (a crawler sends none), as
    for a placement's page (``services.previews``); its image is the poster's 1200×630."""
    url = base_url.rstrip("/") + public_path(poster.token or "")
    with using_locale(poster.poll.language):
        slogan = gettext(SLOGAN)
        results = await results_for(poster.poll, None)
        answered = answered_text(results.responses)
        return PreviewTags(
            url=url,
            title=f"{slogan}: {poster.poll.title}",
            description=f"{poster.poll.unit_name}. {answered}.",
            image=url + "/card.png",
            image_alt=f"{slogan} · {poster.poll.title} · {answered}",
            locale=OG_LOCALES.get(poster.poll.language, "vi_VN"),
            site_name=gettext("Union opinion polls"),
        )
