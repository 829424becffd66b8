"""A poll's results poster ("Bạn nói – Công đoàn làm", ``polls.services.result_posters``):
read and draft it, approve it (leadership or an admin of the poll's unit or above), give it
a public link or take that away, and download its A4 poster, A6 card sheet and 1200×630
image. Its request and response shapes live here, beside the only endpoints that use them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import Provide
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from polls.api.guards import (
    CurrentPrincipal,
    RowId,
    provide_principal,
    requires_runner,
    requires_token,
)
from polls.models import Principal
from polls.services import result_posters
from polls.services.polls import now
from polls.web import settings_of

PRIVATE_FILE = "private, no-store"
"""A draft changes with every edit, and an approval can be dropped: no copy kept."""


class PosterQuestion(Struct, forbid_unknown_fields=True):
    question: int
    shown_as: Literal["chart", "sentence"] = "chart"


class ResultsPosterWrite(Struct, forbid_unknown_fields=True):
    questions: Annotated[list[PosterQuestion], Meta(max_length=result_posters.MOST_HEADLINES)]
    """Up to 4 questions of the poll that have answers to count (not free text), in the
    order shown, each as a chart or one sentence about its largest share."""
    response_text: Annotated[str, Meta(max_length=result_posters.MOST_RESPONSE_CHARACTERS)]
    """What the union will do about it."""
    qr: str | None = None
    """Where the QR code leads: ``none``, ``placement`` (``qr_placement``, required then) or
    ``box`` (the poll's unit's question box, ``/hoi/{unit slug}``). Left out: a placement
    if ``qr_placement`` is given, else none (as before ``qr`` existed). Anything else, or a
    ``qr_placement`` with another kind, is a 422."""
    qr_placement: int | None = None
    """A placement of an open or coming poll of the same series and unit (``next_waves``)."""


class NextWaveRead(Struct):
    placement: int
    code: str
    label: str
    poll: int
    poll_title: str


class ResultsPosterRead(Struct):
    poll: int
    stored: bool
    """False: nothing drafted yet (the other fields are empty)."""
    questions: list[PosterQuestion]
    response_text: str
    qr: str
    """``none``, ``placement`` or ``box``."""
    qr_placement: int | None
    version: int
    drafted_by: str
    updated_at: datetime | None
    approved: bool
    """Approved for this version of the poster and the poll, and the current release."""
    approved_by: str
    approved_at: datetime | None
    public_url: str | None
    """The public link; it shows the poster only while ``approved``."""
    respondents: int
    """The released total the poster shows."""
    next_waves: list[NextWaveRead]


async def read(request: Request, poster: result_posters.ResultsPoster) -> ResultsPosterRead:
    base = settings_of(request).base_url.rstrip("/")
    return ResultsPosterRead(
        poll=poster.poll.id,
        stored=poster.stored,
        questions=[
            PosterQuestion(c.question_id, "chart" if c.shown_as == "chart" else "sentence")
            for c in poster.choices
        ],
        response_text=poster.response_text,
        qr=poster.qr_kind,
        qr_placement=poster.qr_placement if poster.qr_kind == result_posters.QR_PLACEMENT else None,
        version=poster.version,
        drafted_by=poster.drafted_by,
        updated_at=poster.updated_at,
        approved=poster.approved,
        approved_by=poster.approved_by,
        approved_at=poster.approved_at,
        public_url=f"{base}{result_posters.public_path(poster.token)}" if poster.token else None,
        respondents=poster.respondents,
        next_waves=[
            NextWaveRead(
                w.placement.id, w.placement.code, w.placement.label, w.poll_id, w.poll_title
            )
            for w in await result_posters.next_waves(poster.poll)
        ],
    )


def file_response(content: bytes, name: str, poll_id: int, cache: str) -> Response[bytes]:
    """A poster's file; the PDFs as downloads named after the poll, the image inline."""
    headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if name.endswith(".pdf"):
        stem = name.removesuffix(".pdf")
        headers["Content-Disposition"] = f'attachment; filename="results-{stem}-{poll_id}.pdf"'
    return Response(content, media_type=result_posters.check_file(name), headers=headers)


async def poster_file(
    request: Request, principal: Principal, poll_id: int, name: str
) -> Response[bytes]:
    """What the API and the console download: a draft's files carry the draft mark."""
    result_posters.check_file(name)
    poster = await result_posters.get(principal, poll_id)
    where = settings_of(request)
    content = await result_posters.draw(poster, name, where.base_url, where.zalo_mini_app_id)
    return file_response(content, name, poll_id, PRIVATE_FILE)


class ResultPosterController(Controller):
    path = "/api/v1/polls/{poll_id:str}/results-poster"
    tags = ["results posters"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/")
    async def show(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> ResultsPosterRead:
        """The poster as drafted (``stored`` false when nothing is), and where its QR code
        may lead."""
        return await read(request, await result_posters.get(principal, poll_id))

    @put("/", guards=[requires_runner])
    async def save(
        self,
        request: Request,
        principal: CurrentPrincipal,
        poll_id: RowId,
        data: JSONBody[ResultsPosterWrite],
    ) -> ResultsPosterRead:
        """Draft (or redraft) the poster of a poll with released results; an approval it
        had is dropped."""
        draft = result_posters.PosterDraft(
            tuple(result_posters.Choice(q.question, q.shown_as) for q in data.questions),
            data.response_text,
            data.qr_placement,
            data.qr,
        )
        return await read(request, await result_posters.save(principal, poll_id, draft, now=now()))

    @post("/approve", status_code=200)
    async def approve(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> ResultsPosterRead:
        """Leadership (a viewer) or an admin of the poll's unit or above approves the poster
        as it is, with the figures of the current release."""
        return await read(request, await result_posters.approve(principal, poll_id, now=now()))

    @post("/link", status_code=200)
    async def publish(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> ResultsPosterRead:
        """A new public link (``/r/{token}``); the old one, if any, stops working."""
        return await read(request, await result_posters.set_link(principal, poll_id, publish=True))

    @delete("/link", status_code=200)
    async def revoke(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId
    ) -> ResultsPosterRead:
        """No public link any more."""
        return await read(request, await result_posters.set_link(principal, poll_id, publish=False))

    @get("/{name:str}", media_type="application/octet-stream")
    async def download(
        self, request: Request, principal: CurrentPrincipal, poll_id: RowId, name: FromPath[str]
    ) -> Response[bytes]:
        """``poster.pdf`` (A4), ``cards.pdf`` (four A6 cards on A4) or ``card.png``
        (1200×630), in the poll's language; marked as a draft until approved."""
        return await poster_file(request, principal, poll_id, name)
