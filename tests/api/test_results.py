"""Results through the JSON API: counts, percentages, breakdowns, and small groups suppressed
(shown together as "hidden groups together", or hidden with a second group) so none can be
derived. Figures are perturbed (``polls.disclosure``): tests of what a figure counts run
``without_noise``, the others compare with ``near``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from polls.models import Channel
from polls.services import polls as poll_service
from polls.services.submission import Submission, submit_response
from tests.conftest import SECRET, World, add_placement, answer, create_draft_poll, near


@pytest.fixture
async def unlimited(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_device=0, rate_limit_per_ip=0)


class Scene:
    """An open poll (duplicate policy "none", so one client can answer many times) with
    placements by label."""

    def __init__(self, client: httpx.AsyncClient, world: World, poll: dict[str, Any]) -> None:
        self.client = client
        self.world = world
        self.poll = poll
        self.codes: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    @property
    def questions(self) -> list[dict[str, Any]]:
        return self.poll["questions"]

    def answers(
        self,
        single: int = 0,
        multi: tuple[int, ...] = (0,),
        scale: int = 4,
        yes: bool = True,
        text: str | None = "Tốt",
    ) -> dict[str, Any]:
        q = self.questions
        answers: dict[str, Any] = {
            str(q[0]["id"]): q[0]["options"][single]["id"],
            str(q[1]["id"]): [q[1]["options"][i]["id"] for i in multi],
            str(q[2]["id"]): scale,
            str(q[3]["id"]): yes,
        }
        if text is not None:
            answers[str(q[4]["id"])] = text
        return answers

    async def respond(self, placement: str, times: int = 1, **choices: Any) -> None:
        for _ in range(times):
            sent = await answer(self.client, self.codes[placement], self.answers(**choices))
            assert sent.status_code == 201, sent.text

    async def results(self, by: str | None = None) -> dict[str, Any]:
        got = await self.client.get(
            f"/api/v1/polls/{self.poll['id']}/results",
            params={"by": by} if by else {},
            headers={**self.world.auth("viewer"), "Accept-Language": "en"},
        )
        assert got.status_code == 200, got.text
        return got.json()


async def make_scene(
    client: httpx.AsyncClient, world: World, placements: dict[str, str | None], **changes: Any
) -> Scene:
    poll = await create_draft_poll(client, world, duplicate_policy="none", **changes)
    scene = Scene(client, world, poll)
    for label, unit in placements.items():
        made = await add_placement(
            client, world, poll["id"], label, **({"unit": unit} if unit else {})
        )
        scene.codes[label], scene.ids[label] = made["code"], made["id"]
    opened = await client.post(f"/api/v1/polls/{poll['id']}/open", headers=world.auth("officer"))
    assert opened.status_code == 200
    return scene


def _segments(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in results["breakdown"]}


def _assert_hidden(segment: dict[str, Any]) -> None:
    assert segment["suppressed"] is True
    assert segment["responses"] is None
    assert segment["questions"] is None


async def test_small_placements_are_shown_together(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    scene = await make_scene(unlimited, world, {"A": None, "B": None, "C": None, "D": None})
    await scene.respond("A", 10)
    await scene.respond("B", 3, single=1)
    await scene.respond("C", 2, single=2)

    results = await scene.results("placement")
    assert results["responses"] == 15
    assert results["breakdown_by"] == "placement"
    segments = _segments(results)
    assert set(segments) == {"A", "B", "C", "D", "Hidden groups together"}
    assert segments["A"]["suppressed"] is False
    assert segments["A"]["responses"] == 10
    single = segments["A"]["questions"][0]
    assert [o["count"] for o in single["options"]] == [10, 0, 0]
    _assert_hidden(segments["B"])
    _assert_hidden(segments["C"])
    _assert_hidden(segments["D"])  # nobody answered there: it looks like a small group
    together = segments["Hidden groups together"]
    assert together["key"] == "other"
    assert together["suppressed"] is False
    assert together["responses"] == 5
    assert sorted(together["members"]) == ["B", "C", "D"]
    assert [o["count"] for o in together["questions"][0]["options"]] == [0, 3, 2]
    # the overall counts cannot be split further than what is shown
    assert [o["count"] for o in results["questions"][0]["options"]] == [10, 3, 2]


async def test_a_single_small_group_hides_a_second_one(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    scene = await make_scene(unlimited, world, {"A": None, "B": None, "C": None})
    await scene.respond("A", 10)
    await scene.respond("B", 6)
    await scene.respond("C", 3)

    results = await scene.results("placement")
    segments = _segments(results)
    assert results["responses"] == 19
    assert near(segments["A"]["responses"], 10)
    _assert_hidden(segments["B"])
    _assert_hidden(segments["C"])
    together = segments["Hidden groups together"]
    assert near(together["responses"], 9)
    assert sorted(together["members"]) == ["B", "C"]


async def test_placement_counts_follow_the_same_suppression(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    scene = await make_scene(unlimited, world, {"A": None, "B": None, "C": None, "D": None})
    await scene.respond("A", 10)
    await scene.respond("B", 6)
    await scene.respond("C", 3)

    listed = await unlimited.get(
        f"/api/v1/polls/{scene.poll['id']}/placements", headers=world.auth("officer")
    )
    assert listed.status_code == 200
    counts = {p["label"]: p["responses"] for p in listed.json()}
    assert near(counts["A"], 10)
    assert counts["B"] is None
    assert counts["C"] is None
    assert counts["D"] is None
    shown = {s["label"]: s["responses"] for s in (await scene.results("placement"))["breakdown"]}
    assert {label: shown[label] for label in counts} == counts


async def test_no_shown_segment_is_small_for_any_split(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    scene = await make_scene(unlimited, world, {"A": None, "B": None, "C": None}, min_group_size=3)
    for placement, times in (("A", 4), ("B", 1), ("C", 2)):
        await scene.respond(placement, times)
    results = await scene.results("placement")
    k = results["min_group_size"]
    for segment in results["breakdown"]:
        if not segment["suppressed"]:
            assert segment["responses"] >= k, segment
    hidden = [s for s in results["breakdown"] if s["suppressed"]]
    shown_total = sum(
        s["responses"] for s in results["breakdown"] if not s["suppressed"] and s["key"] != "other"
    )
    assert results["responses"] - shown_total in (0, *range(k, results["responses"] + 1))
    assert len(hidden) != 1


async def test_a_poll_under_the_minimum_shows_no_answers(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    scene = await make_scene(unlimited, world, {"A": None})
    await scene.respond("A", 4, text="Bí mật")
    for by in (None, "placement", "unit", "channel"):
        results = await scene.results(by)
        assert results["responses"] == 0  # nothing is released below the minimum
        assert results["questions_visible"] is False
        assert results["texts_visible"] is False
        assert results["questions"] == []
        for segment in results["breakdown"]:
            _assert_hidden(segment)
        assert "Bí mật" not in str(results)


async def test_free_text_appears_once_the_question_has_ten_answers(
    unlimited: httpx.AsyncClient, world: World
) -> None:
    scene = await make_scene(unlimited, world, {"A": None, "B": None})
    words = ["một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
    for text in words:
        await scene.respond("A", text=text)
    before = await scene.results()
    assert before["responses"] == 9
    assert before["texts_visible"] is False
    assert "bốn" not in str(before)

    for text in ("mười", "mười một", "mười hai", "mười ba", "mười bốn"):
        await scene.respond("B", text=text)
    after = await scene.results("placement")
    assert after["texts_visible"] is True
    texts = next(q for q in after["questions"] if q["kind"] == "text")["texts"]
    assert sorted(texts) == sorted([*words, "mười", "mười một", "mười hai", "mười ba", "mười bốn"])
    # never per segment: a segment's texts would tell who wrote what
    for segment in after["breakdown"]:
        for question in segment["questions"] or []:
            assert question["texts"] is None
    assert "mười" not in str(after["breakdown"])


async def test_percentages_are_shares_of_those_who_answered(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    scene = await make_scene(unlimited, world, {"A": None})
    for single, multi, scale, yes in [
        (0, (0, 1), 5, True),
        (0, (0,), 4, True),
        (0, (0, 2), 4, False),
        (1, (1,), 2, True),
        (1, (0,), 5, False),
    ]:
        await scene.respond("A", single=single, multi=multi, scale=scale, yes=yes, text=None)
    results = await scene.results()
    single_q, multi_q, scale_q, yes_q, text_q = results["questions"]

    assert single_q["answered"] == 5
    assert [(o["count"], o["percent"]) for o in single_q["options"]] == [
        (3, 60.0),
        (2, 40.0),
        (0, 0.0),
    ]
    # multi: each option's share of respondents, so the shares add up to more than 100
    assert multi_q["answered"] == 5
    assert [(o["count"], o["percent"]) for o in multi_q["options"]] == [
        (4, 80.0),
        (2, 40.0),
        (1, 20.0),
        (0, 0.0),
    ]
    assert scale_q["mean"] == 4.0
    assert [o["count"] for o in scale_q["options"]] == [0, 1, 0, 2, 2]
    assert [(o["key"], o["count"], o["percent"]) for o in yes_q["options"]] == [
        ("yes", 3, 60.0),
        ("no", 2, 40.0),
    ]
    assert [o["label"] for o in yes_q["options"]] == ["Yes", "No"]
    assert text_q["answered"] == 0


async def test_by_unit_rolls_up_the_unit_tree(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    team = await unlimited.post(
        "/api/v1/units",
        json={"slug": "mk-kt3-to1", "name": "Tổ 1 KT3", "kind": "workshop", "parent": "mk-kt3"},
        headers=world.auth("admin"),
    )
    assert team.status_code == 201, team.text
    scene = await make_scene(
        unlimited,
        world,
        {"KT3 canteen": "mk-kt3", "Team 1 board": "mk-kt3-to1", "CĐ board": "mk-cd", "Link": None},
    )
    await scene.respond("KT3 canteen", 4)
    await scene.respond("Team 1 board", 3)
    await scene.respond("CĐ board", 5, single=1)
    await scene.respond("Link", 6, single=2)

    results = await scene.results("unit")
    assert results["breakdown_by"] == "unit"
    segments = _segments(results)
    assert set(segments) == {
        "Công đoàn Công ty Than Mạo Khê (directly)",
        "Phân xưởng Khai thác 3",
        "Phân xưởng Cơ điện",
    }
    assert segments["Phân xưởng Khai thác 3"]["responses"] == 7  # 4 + 3 from the team below it
    assert segments["Phân xưởng Cơ điện"]["responses"] == 5
    assert segments["Công đoàn Công ty Than Mạo Khê (directly)"]["responses"] == 6
    kt3 = segments["Phân xưởng Khai thác 3"]["questions"][0]["options"]
    assert [o["count"] for o in kt3] == [7, 0, 0]
    assert all(not s["suppressed"] for s in results["breakdown"])


async def test_by_unit_suppresses_small_units(unlimited: httpx.AsyncClient, world: World) -> None:
    scene = await make_scene(unlimited, world, {"KT3": "mk-kt3", "CĐ": "mk-cd", "Link": None})
    await scene.respond("KT3", 8)
    await scene.respond("CĐ", 2)
    await scene.respond("Link", 6)
    segments = _segments(await scene.results("unit"))
    _assert_hidden(segments["Phân xưởng Cơ điện"])
    hidden = [s for s in segments.values() if s["suppressed"]]
    assert len(hidden) == 2, "the one small unit is hidden with a second one"


async def test_by_channel_and_answers_without_placement(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    scene = await make_scene(unlimited, world, {"Web link": None})
    await scene.respond("Web link", 6)
    poll = await poll_service.load(scene.poll["id"])
    for n in range(5):
        await submit_response(
            poll,
            Submission(
                answers=scene.answers(single=1), channel=Channel.TELEGRAM, subject=f"tg-user-{n}"
            ),
            secret=SECRET,
        )

    by_channel = _segments(await scene.results("channel"))
    # nobody answered through Zalo: Web is hidden with it, as it would be beside a small
    # Zalo group, so that the total minus Web and Telegram is no 0 to read
    assert {label: s["responses"] for label, s in by_channel.items()} == {
        "Web": None,
        "Telegram": 5,
        "Zalo": None,
        "Hidden groups together": 6,
    }
    assert [o["count"] for o in by_channel["Telegram"]["questions"][0]["options"]] == [0, 5, 0]

    by_placement = _segments(await scene.results("placement"))
    assert by_placement["Without a placement"]["responses"] == 5
    assert by_placement["Web link"]["responses"] == 6


async def test_an_unknown_breakdown_is_422(unlimited: httpx.AsyncClient, world: World) -> None:
    scene = await make_scene(unlimited, world, {"A": None})
    got = await unlimited.get(
        f"/api/v1/polls/{scene.poll['id']}/results",
        params={"by": "device"},
        headers=world.auth("viewer"),
    )
    assert got.status_code == 422, got.text
    assert set(got.json()["errors"]) == {"by"}


async def test_a_zero_to_ten_scale_accepts_and_counts_zero(
    unlimited: httpx.AsyncClient, world: World, without_noise: None
) -> None:
    scale = {"kind": "scale", "text": "Bạn giới thiệu công đoàn cho bạn bè?", "min": 0, "max": 10}
    poll = await create_draft_poll(
        unlimited, world, questions=[scale], min_group_size=3, duplicate_policy="none"
    )
    placement = await add_placement(unlimited, world, poll["id"])
    await unlimited.post(f"/api/v1/polls/{poll['id']}/open", headers=world.auth("officer"))
    question = str(poll["questions"][0]["id"])
    for value in (0, 0, 10):
        sent = await answer(unlimited, placement["code"], {question: value})
        assert sent.status_code == 201, sent.text
    assert (await answer(unlimited, placement["code"], {question: 11})).status_code == 422
    got = await unlimited.get(f"/api/v1/polls/{poll['id']}/results", headers=world.auth("officer"))
    tally = got.json()["questions"][0]
    assert [o["key"] for o in tally["options"]] == [str(v) for v in range(11)]
    assert tally["options"][0]["count"] == 2
    assert tally["mean"] == round(10 / 3, 1)
