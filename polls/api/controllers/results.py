"""Results as files: charts, the PDF report and exports. Read endpoints: whoever may read a
poll's results may fetch them (viewers too); ``?lang=`` picks the language."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Response, get
from litestar.di import Provide
from litestar.params import FromPath, FromQuery

from polls.api.guards import CurrentPrincipal, RowId, provide_principal, requires_token
from polls.services import renders
from polls.web import file_response

Breakdown = Literal["placement", "unit", "channel"]
ExportKind = Literal["responses", "summary"]


class ResultFilesController(Controller):
    path = "/api/v1/polls"
    tags = ["results"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/{poll_id:str}/charts/{name:str}", media_type="image/png")
    async def chart(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        name: FromPath[str],
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        """``{question_id}.png`` or ``.svg``: a question's chart, or with ``by`` its breakdown
        heatmap (hidden groups marked, never with their numbers); ``timeline.png`` or
        ``.svg``: responses over time, cumulative, in runs of days that are never a small
        group. Free-text questions are not charted (404)."""
        return file_response(await renders.chart(principal, poll_id, name, by))

    @get("/{poll_id:str}/report.pdf", media_type="application/pdf")
    async def report(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        """The PDF report; its breakdown is by placement unless ``by`` says otherwise."""
        return file_response(await renders.report(principal, poll_id, by or "placement"))

    @get("/{poll_id:str}/export.csv", media_type="text/csv")
    async def export_csv(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        kind: FromQuery[ExportKind] = "summary",
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        """``kind=summary`` (the counted results, with ``by`` per segment too) or
        ``kind=responses`` (one anonymized row per response, shuffled)."""
        return file_response(await renders.export(principal, poll_id, "csv", kind, by))

    @get("/{poll_id:str}/export.xlsx", media_type=renders.MEDIA_TYPES["xlsx"])
    async def export_xlsx(
        self,
        principal: CurrentPrincipal,
        poll_id: RowId,
        kind: FromQuery[ExportKind] = "summary",
        by: FromQuery[Breakdown | None] = None,
    ) -> Response[bytes]:
        """As ``export.csv``, as an Excel workbook."""
        return file_response(await renders.export(principal, poll_id, "xlsx", kind, by))


class TrendController(Controller):
    path = "/api/v1/series"
    tags = ["results"]
    guards = [requires_token]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/{series_id:str}/trend/{name:str}", media_type="image/png")
    async def trend(
        self,
        principal: CurrentPrincipal,
        series_id: FromPath[str],
        name: FromPath[str],
    ) -> Response[bytes]:
        """``{question_position}.png`` or ``.svg`` (1-based): that question across the
        series' polls the caller sees (``series`` of a poll), each option's share per poll.
        A poll below its minimum group size shows as hidden, one whose question changed as
        asked differently; neither with its numbers. 404 when the caller sees no poll of the
        series."""
        return file_response(await renders.trend_chart(principal, series_id, name))
