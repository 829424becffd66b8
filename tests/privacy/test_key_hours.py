"""Issue 12's follow-up, played as the administrator with a copy of the database and
SECRET_KEY: a poll's answers came in over three hours, the last two quiet, with a single
response each, one from a device token the administrator copied from a phone, one from a
Telegram id a group admin can see. The responses were rewritten when their hours ended, but
if the keys were not, a key's place among the others (PostgreSQL's ``xmin`` and ``ctid``,
SQLite's ``rowid`` and file order) still says in which hour it was claimed; beside
``submitted_hour`` that names the quiet hour's lone response. The step rewrites the keys
too; afterwards their order says nothing, and the duplicate policy holds all the same,
during the step as well."""

from __future__ import annotations

import asyncio
import contextvars
import secrets
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from polls import privacy
from polls import tables as t
from polls.errors import AlreadyAnswered
from polls.models import Channel, Poll
from polls.services import polls as poll_service
from polls.services import submission as submission_service
from polls.services import unlinking
from polls.services.submission import Submission, submit_response
from tests.conftest import SECRET, Database, OpenPoll, World, create_open_poll
from tests.privacy.admin import file_bytes, marker, sqlite_path
from tests.waiting import Waiting

BUSY_HOUR = 38
"""Responses in the first hour; the second and third hour have one each."""
TELEGRAM_ID = "telegram:700100200"
RHO_BOUND = 0.6
"""Rank correlation between key order and claim order: 1.0 when the order is kept; for 40
keys in random order its standard deviation is about 0.16, so 0.6 is crossed by chance
about once in 10,000 runs."""


@dataclass
class Spread:
    """What the administrator knows (and, for checking only, what each person answered)."""

    poll: Poll
    form: OpenPoll
    base: datetime
    device_subject: str
    device_submission: str
    claim_order: list[str] = field(default_factory=list)
    """duplicate keys, in the order they were claimed"""
    idempotency_order: list[str] = field(default_factory=list)
    marker_of_key: dict[str, str] = field(default_factory=dict)
    """duplicate key or idempotency key -> the unique text its response carries"""

    @property
    def device_key(self) -> str:
        return privacy.duplicate_key(SECRET, self.poll.id, self.device_subject)

    @property
    def telegram_key(self) -> str:
        return privacy.duplicate_key(SECRET, self.poll.id, TELEGRAM_ID)


@pytest.fixture
async def site(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_ip=0)


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(submission_service, "now", lambda: moment)


async def _submit(spread: Spread, n: int, subject: str, submission_id: str, **extra: Any) -> None:
    text = marker(n)
    await submit_response(
        spread.poll,
        Submission(
            answers=spread.form.answers(text),
            subject=subject,
            submission_id=submission_id,
            **extra,
        ),
        secret=SECRET,
    )
    key = privacy.duplicate_key(SECRET, spread.poll.id, subject)
    idem = privacy.idempotency_key(SECRET, spread.poll.id, submission_id)
    spread.claim_order.append(key)
    spread.idempotency_order.append(idem)
    spread.marker_of_key[key] = text
    spread.marker_of_key[idem] = text


async def _spread_over_hours(
    site: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> Spread:
    """38 answers in the first hour, then one from the known device, then one from the known
    Telegram account, each alone in its hour."""
    open_poll = await create_open_poll(site, world)
    base = privacy.coarsen_to_hour(unlinking.now()) + timedelta(minutes=10)
    spread = Spread(
        poll=await poll_service.load(open_poll.id),
        form=open_poll,
        base=base,
        device_subject=privacy.device_subject(privacy.new_device_token(SECRET)),
        device_submission=secrets.token_hex(8),
    )
    _at(monkeypatch, base)
    for n in range(BUSY_HOUR):
        subject = privacy.device_subject(privacy.new_device_token(SECRET))
        await _submit(spread, n, subject, secrets.token_hex(8))
    _at(monkeypatch, base + timedelta(hours=1))
    await _submit(spread, 100, spread.device_subject, spread.device_submission)
    _at(monkeypatch, base + timedelta(hours=2))
    await _submit(
        spread,
        200,
        TELEGRAM_ID,
        secrets.token_hex(8),
        channel=Channel.TELEGRAM,
        messenger_account=True,
    )
    _at(monkeypatch, base + timedelta(hours=3))
    return spread


# --- the administrator's attack -----------------------------------------------------------


async def _key_orders(db: Database, table: str, poll_id: int) -> dict[str, list[str]]:
    """The poll's keys in every order the database keeps."""
    if db.backend == "postgres":
        connection = await asyncpg.connect(db.url)
        try:
            rows = await connection.fetch(
                f'SELECT "key", xmin::text::bigint AS x, ctid::text AS c FROM "{table}" '  # noqa: S608
                'WHERE "poll" = $1',
                poll_id,
            )
        finally:
            await connection.close()
        return {
            "xmin order": [r["key"] for r in sorted(rows, key=lambda r: (r["x"], _ctid(r["c"])))],
            "ctid order": [r["key"] for r in sorted(rows, key=lambda r: _ctid(r["c"]))],
        }
    # WITHOUT ROWID: the table is ordered by the key (a hash), so only the bytes keep an order
    with sqlite3.connect(f"file:{sqlite_path(db)}?mode=ro", uri=True) as connection:
        keys = [
            row[0]
            for row in connection.execute(
                f'SELECT "key" FROM "{table}" WHERE "poll" = ?',  # noqa: S608
                (poll_id,),
            )
        ]
    data = file_bytes(db)
    in_file = sorted((k for k in keys if k.encode() in data), key=lambda k: data.index(k.encode()))
    main_file = sqlite_path(db).read_bytes()
    in_main_file = sorted(
        (k for k in keys if k.encode() in main_file), key=lambda k: main_file.index(k.encode())
    )
    return {"file and WAL order": in_file, "main file order": in_main_file}


def _ctid(ctid: str) -> tuple[int, int]:
    page, item = ctid.strip("()").split(",")
    return int(page), int(item)


async def _responses_by_hour(poll_id: int) -> list[tuple[datetime, list[str]]]:
    """Each hour's responses (by the text they carry), hour by hour."""
    rows = await t.Answer.raw(
        'SELECT r."submitted_hour" AS h, a."value_text" AS m FROM "response" r '
        'JOIN "answer" a ON a."response" = r."id" '
        'WHERE r."poll" = {} AND a."value_text" IS NOT NULL',
        poll_id,
    )
    hours: dict[Any, list[str]] = {}
    for row in rows:
        hours.setdefault(row["h"], []).append(row["m"])
    return sorted(hours.items(), key=lambda item: str(item[0]))


def _paired_by_hour(
    key: str, keys_in_order: Sequence[str], hours: Sequence[tuple[datetime, list[str]]]
) -> str | None:
    """The attack: the keys are claimed in hour order, so the i-th key belongs to the hour
    whose responses, counted from the first hour, reach i. If that hour has a single
    response, that is the key's. None when the key's hour has more than one. (SQLite writes
    a page's cells from its end backwards, so its bytes keep the order reversed: the attack
    reads each order both ways.)"""
    rank = list(keys_in_order).index(key)
    seen = 0
    for _hour, markers in hours:
        seen += len(markers)
        if rank < seen:
            return markers[0] if len(markers) == 1 else None
    return None


def _rank_correlation(order: Sequence[str], truth: Sequence[str]) -> float:
    """Spearman's rho between two orders of the same keys."""
    position = {key: i for i, key in enumerate(truth)}
    ranks = [position[key] for key in order if key in position]
    n = len(ranks)
    assert n >= 30, "too few keys to judge an order"
    return 1 - 6 * sum((i - r) ** 2 for i, r in enumerate(ranks)) / (n * (n * n - 1))


async def _attack(db: Database, spread: Spread) -> dict[str, Any]:
    hours = await _responses_by_hour(spread.poll.id)
    assert [len(markers) for _, markers in hours] == [BUSY_HOUR, 1, 1]
    found: dict[str, Any] = {}
    for table, claimed in (
        ("duplicate_key", spread.claim_order),
        ("idempotency_key", spread.idempotency_order),
    ):
        for label, order in (await _key_orders(db, table, spread.poll.id)).items():
            found[f"{table}: {label}: rho"] = _rank_correlation(order, claimed)
            if table == "duplicate_key":
                for who, key in (("device", spread.device_key), ("telegram", spread.telegram_key)):
                    paired = {_paired_by_hour(key, o, hours) for o in (order, order[::-1])}
                    found[f"{table}: {label}: {who} paired"] = spread.marker_of_key[key] in paired
    return found


async def _distinct_key_xmins(db: Database, poll_id: int) -> dict[str, int]:
    connection = await asyncpg.connect(db.url)
    try:
        return {
            table: await connection.fetchval(
                f'SELECT COUNT(DISTINCT xmin::text) FROM "{table}" WHERE "poll" = $1',  # noqa: S608
                poll_id,
            )
            for table in ("duplicate_key", "idempotency_key")
        }
    finally:
        await connection.close()


# --- the tests ----------------------------------------------------------------------------


async def test_with_only_the_responses_rewritten_the_key_order_names_the_lone_response(
    site: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leak the first build left: its step rewrote the responses but kept the keys, and
    each quiet hour's lone key is found by its rank and paired with that hour's response."""
    spread = await _spread_over_hours(site, world, monkeypatch)

    async def keys_kept(engine: object, poll_ids: object) -> None:
        return None

    monkeypatch.setattr(unlinking, "_rewrite_keys", keys_kept)
    assert (await unlinking.unlink_ended_hours(spread.base + timedelta(hours=3))).responses == 40

    found = await _attack(db, spread)
    for label in (
        ["xmin order", "ctid order"] if db.backend == "postgres" else ["file and WAL order"]
    ):
        assert found[f"duplicate_key: {label}: device paired"], found
        assert found[f"duplicate_key: {label}: telegram paired"], found
        assert abs(found[f"duplicate_key: {label}: rho"]) > 0.99, found
        assert abs(found[f"idempotency_key: {label}: rho"]) > 0.99, found
    if db.backend == "postgres":  # every key still has its own transaction
        assert await _distinct_key_xmins(db, spread.poll.id) == {
            "duplicate_key": 40,
            "idempotency_key": 40,
        }


async def test_after_the_step_no_key_order_tells_its_hour(
    site: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    spread = await _spread_over_hours(site, world, monkeypatch)

    assert (await unlinking.unlink_ended_hours(spread.base + timedelta(hours=3))).responses == 40

    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == spread.poll.id) == 40
    assert await t.IdempotencyKey.count().where(t.IdempotencyKey.poll == spread.poll.id) == 40
    found = await _attack(db, spread)
    rhos = {label: rho for label, rho in found.items() if label.endswith("rho")}
    assert len(rhos) == 4
    assert all(abs(rho) < RHO_BOUND for rho in rhos.values()), found
    if db.backend == "postgres":
        assert await _distinct_key_xmins(db, spread.poll.id) == {
            "duplicate_key": 1,
            "idempotency_key": 1,
        }
        # one transaction for the keys and the responses: no xmin sets any of them apart
        connection = await asyncpg.connect(db.url)
        try:
            xmins = await connection.fetchval(
                'SELECT COUNT(DISTINCT x) FROM (SELECT xmin::text AS x FROM "duplicate_key" '
                'WHERE "poll" = $1 UNION SELECT xmin::text FROM "response" WHERE "poll" = $1) u',
                spread.poll.id,
            )
        finally:
            await connection.close()
        assert xmins == 1
    else:  # secure_delete and the truncated WAL: no old copy of a key is left in the files
        data = file_bytes(db)
        assert all(data.count(key.encode()) == 2 for key in spread.claim_order)  # table, index


async def test_the_duplicate_policy_holds_right_after_the_step(
    site: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    spread = await _spread_over_hours(site, world, monkeypatch)
    await unlinking.unlink_ended_hours(spread.base + timedelta(hours=3))
    answers = spread.form.answers("again")

    with pytest.raises(AlreadyAnswered):
        await submit_response(
            spread.poll, Submission(answers=answers, subject=spread.device_subject), secret=SECRET
        )
    with pytest.raises(AlreadyAnswered):
        await submit_response(
            spread.poll,
            Submission(
                answers=answers,
                subject=TELEGRAM_ID,
                channel=Channel.TELEGRAM,
                messenger_account=True,
            ),
            secret=SECRET,
        )
    retried = await submit_response(
        spread.poll,
        Submission(
            answers=answers,
            subject=spread.device_subject,
            submission_id=spread.device_submission,
        ),
        secret=SECRET,
    )
    assert retried.replayed
    assert await t.Response.count().where(t.Response.poll == spread.poll.id) == 40


async def test_a_second_answer_sent_during_the_step_is_refused(
    site: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The most dangerous moment: the rewrite has just deleted the poll's duplicate keys and
    not yet inserted them again. The known device answers again from another process (its
    own connection) right then; it must wait and be refused, while a new device waits and
    is stored."""
    spread = await _spread_over_hours(site, world, monkeypatch)
    answers = spread.form.answers("again")
    real_sql = unlinking._sql
    during: dict[str, Any] = {}
    waiting = Waiting(db, monkeypatch)

    def submit_elsewhere(subject: str) -> asyncio.Task[Any]:
        # a fresh context: not inside the rewrite's transaction, as another request would be
        return asyncio.get_running_loop().create_task(
            submit_response(
                spread.poll, Submission(answers=answers, subject=subject), secret=SECRET
            ),
            context=contextvars.Context(),
        )

    async def sql_with_a_second_answer(engine: Any, query: str, *args: Any) -> list[Any]:
        rows = await real_sql(engine, query, *args)
        if query.startswith('DELETE FROM "duplicate_key"') and not during:
            during["again"] = submit_elsewhere(spread.device_subject)
            during["new"] = submit_elsewhere(
                privacy.device_subject(privacy.new_device_token(SECRET))
            )
            await waiting.until(2, [during["again"], during["new"]])
            during["done meanwhile"] = during["again"].done() or during["new"].done()
        return rows

    monkeypatch.setattr(unlinking, "_sql", sql_with_a_second_answer)
    done = await unlinking.unlink_ended_hours(spread.base + timedelta(hours=3))
    monkeypatch.undo()

    assert done.responses == 40
    assert during, "the rewrite never deleted the keys"
    assert not during["done meanwhile"]  # neither slipped through while the keys were out
    with pytest.raises(AlreadyAnswered):
        await during["again"]
    assert not (await during["new"]).replayed
    assert await t.Response.count().where(t.Response.poll == spread.poll.id) == 41
    assert await t.DuplicateKey.count().where(t.DuplicateKey.key == spread.device_key) == 1
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == spread.poll.id) == 41


async def test_a_close_during_the_step_leaves_no_key(
    site: httpx.AsyncClient, world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close that starts while the rewrite has the keys out (deleted, their new copies not
    yet written) must still delete the copies the rewrite writes: it waits for the rewrite
    and then finds them."""
    spread = await _spread_over_hours(site, world, monkeypatch)
    real_sql = unlinking._sql
    during: dict[str, Any] = {}
    waiting = Waiting(db, monkeypatch)

    async def sql_with_a_close(engine: Any, query: str, *args: Any) -> list[Any]:
        rows = await real_sql(engine, query, *args)
        if query.startswith('DELETE FROM "duplicate_key"') and not during:
            during["close"] = asyncio.get_running_loop().create_task(
                unlinking.destroy_keys(spread.poll.id), context=contextvars.Context()
            )
            await waiting.until(1, [during["close"]])
            during["done meanwhile"] = during["close"].done()
        return rows

    # the close has marked the poll closed (``polls.close_poll``), its keys are still there:
    # ``destroy_keys`` takes the keys of a closed poll only (a reopened one keeps its new keys)
    await t.Poll.update({t.Poll.status: "closed"}).where(t.Poll.id == spread.poll.id)
    monkeypatch.setattr(unlinking, "_sql", sql_with_a_close)
    await unlinking.unlink_ended_hours(spread.base + timedelta(hours=3))
    monkeypatch.undo()

    assert not during["done meanwhile"]
    assert await during["close"]
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == spread.poll.id) == 0
    assert await t.IdempotencyKey.count().where(t.IdempotencyKey.poll == spread.poll.id) == 0
    assert await t.Response.count().where(t.Response.poll == spread.poll.id) == 40
