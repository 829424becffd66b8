"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.openapi import ResponseSpec

from polls.api.schemas import Health
from polls.services import readiness


class HealthController(Controller):
    tags = ["health"]

    @get("/livez", cache=False)
    async def livez(self) -> Health:
        """200 while the process serves; touches nothing else."""
        return Health(status="ok")

    @get(
        "/readyz",
        cache=False,
        responses={
            503: ResponseSpec(
                Health, description="A dependency failed: the database, Redis or the disk"
            )
        },
    )
    async def readyz(self, request: Request) -> Response[Health]:
        """200 when an answer would be stored now: the database takes a write, Redis (when
        configured) answers, the SQLite database's disk has room. 503 says which failed."""
        settings = request.app.state.settings
        found = await readiness.check(
            request.app.state.engine,
            redis_url=settings.redis_url,
            sqlite_path=settings.sqlite_path if settings.is_sqlite else None,
            min_free_mb=settings.ready_min_free_mb,
        )
        health = Health(
            status="ok" if found.ready else "unavailable",
            database=found.database,
            redis=found.redis,
            disk=found.disk,
        )
        return Response(health, status_code=200 if found.ready else 503)
