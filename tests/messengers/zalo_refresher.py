"""One process of the cross-process refresh test: wait for the common start, refresh the
Zalo token pair the database holds once, print the generation and a digest of the access
token it ended with.

    python -m tests.messengers.zalo_refresher DATABASE_URL SECRET FAKE_URL START_AT
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time

from polls import db
from polls.messengers.zalo import ZaloApi
from polls.services import zalo
from tests.messengers.fake_zalo import APP_ID, APP_SECRET, OA_SECRET_KEY


async def main(database_url: str, secret: str, fake_url: str, start_at: float) -> None:
    engine = db.engine_for_url(database_url, "NORMAL")
    db.activate(engine)
    await db.start(engine)
    api = ZaloApi(
        APP_ID, APP_SECRET, oauth_base=fake_url, openapi_base=fake_url, graph_base=fake_url
    )
    setup = zalo.ZaloSetup(
        api=api, app_id=APP_ID, oa_secret_key=OA_SECRET_KEY, secret_key=secret, base_url=""
    )
    try:
        stale = await zalo.access_token(setup)
        # the processes' common start: they must race for the refresh at the same moment,
        # and a moment on the wall clock is what separate processes can agree on
        await asyncio.sleep(max(0.0, start_at - time.time()))
        token = await zalo.refresh_after(setup, stale)
        digest = hashlib.sha256(token.value.encode()).hexdigest()
        print(f"{token.generation} {digest}", flush=True)
    finally:
        await api.aclose()
        await db.stop(engine)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])))
