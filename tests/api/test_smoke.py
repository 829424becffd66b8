import httpx

from polls import tables as t
from tests.conftest import OpenPoll, World


async def test_answer_through_the_api_is_counted(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    sent = await client.post(
        f"/api/v1/forms/{open_poll.code}/responses", json={"answers": open_poll.answers()}
    )
    assert sent.status_code == 201, sent.text
    assert sent.json() == {"stored": True, "replayed": False}
    assert await t.Response.count() == 1
    results = await client.get(
        f"/api/v1/polls/{open_poll.id}/results", headers=world.auth("officer")
    )
    assert results.status_code == 200
    assert results.json()["responses"] == 0  # stored, but nothing is released below 5
    assert results.json()["questions_visible"] is False
