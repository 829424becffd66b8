"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec

from polls.api.schemas import Health
from polls.db import ping


class HealthController(Controller):
    tags = ["health"]

    @get("/livez", cache=False)
    async def livez(self) -> Health:
        """200 while the process serves; touches nothing else."""
        return Health(status="ok")

    @get(
        "/readyz",
        cache=False,
        responses={503: ResponseSpec(Health, description="The database is unreachable")},
    )
    async def readyz(self, request: Request) -> Response[Health]:
        """200 when the database answers, 503 when it does not."""
        if await ping(request.app.state.engine):
            return Response(Health(status="ok", database="ok"))
        return Response(Health(status="unavailable", database="unreachable"), status_code=503)
