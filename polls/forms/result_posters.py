"""The public link of an approved results poster (``/r/{token}``): the poster as a page for
phones, its A4 PDF, its A6 card sheet and its 1200×630 image, with Open Graph tags for the
previews of Zalo and Facebook. A poster not approved (any more), or a revoked or unknown
token, is the same 404."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from polls.api.controllers.result_posters import file_response
from polls.services import result_posters
from polls.web import settings_of

PUBLIC_CACHE = "public, max-age=60"
"""A revoked link or a dropped approval is gone from caches within a minute."""


class PublicPosterPages(Controller):
    include_in_schema = False

    @get(result_posters.PUBLIC_PATH + "{token:str}")
    async def page(self, request: Request, token: FromPath[str]) -> Template:
        poster = await result_posters.published(token)
        where = settings_of(request)
        sheet = await result_posters.sheet(poster, where.base_url, where.zalo_mini_app_id)
        target = await result_posters.qr_target(poster, where.base_url, where.zalo_mini_app_id)
        return Template(
            template_name="form/results_poster.html",
            context={
                "poster": poster,
                "sheet": sheet,
                "target": target,
                "preview": await result_posters.preview_tags(poster, where.base_url),
                "files": result_posters.public_path(token),
            },
            headers={"Cache-Control": PUBLIC_CACHE},
        )

    @get(result_posters.PUBLIC_PATH + "{token:str}/{name:str}", media_type="application/pdf")
    async def file(
        self, request: Request, token: FromPath[str], name: FromPath[str]
    ) -> Response[bytes]:
        result_posters.check_file(name)
        poster = await result_posters.published(token)
        where = settings_of(request)
        content = await result_posters.draw(poster, name, where.base_url, where.zalo_mini_app_id)
        return file_response(content, name, poster.poll.id, PUBLIC_CACHE)
