"""The public side of the API: what a client needs to show a form, and answering it."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody

from polls.api import presenters
from polls.api.schemas import FormRead, ResponseCreate, StoredRead
from polls.forms.guards import requires_json_submission
from polls.forms.submitting import remember_device, submit, target
from polls.services.polls import now
from polls.web import settings_of


class FormsController(Controller):
    path = "/api/v1/forms"
    tags = ["forms (public)"]

    @get("/{code:str}")
    async def show(self, request: Request, code: FromPath[str]) -> FormRead:
        found = await target(code)
        return presenters.form(
            found.placement.answer_code, found.poll, now(), settings_of(request).base_url
        )

    @post("/{code:str}/responses", status_code=201, guards=[requires_json_submission])
    async def answer(
        self, request: Request, code: FromPath[str], data: JSONBody[ResponseCreate]
    ) -> Response[StoredRead]:
        """Store one anonymous response. The same ``submission_id`` sent again answers
        ``replayed: true`` (200) and is never counted twice; there is no receipt: nothing
        the phone keeps leads to the response. ``application/json`` only, never from
        another site's page (415, 403). On a poll of one answer per phone, an answer without
        the device token of a page this server served (cookie ``polls_device`` or header
        ``X-Polls-Device``) is refused with 428 and a fresh token (``device_token`` in the
        body, ``X-Polls-Device`` header, and the cookie): send it again with it. On a poll of
        one answer per printed code, ``code`` is the slip's code: 422 when it is missing,
        mistyped or not the poll's, 409 when it was used."""
        found = await target(code)
        stored, token = await submit(
            request, found, data.answers, submission_id=data.submission_id, code=data.code
        )
        status = 200 if stored.replayed else 201
        response = Response(StoredRead(stored=True, replayed=stored.replayed), status_code=status)
        remember_device(request, response, token)
        return response
