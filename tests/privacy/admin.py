"""The server administrator's tools against anonymity: a copy of the database (``psql``,
``sqlite3``, ``pg_dump``, the file itself), SECRET_KEY, and device tokens and messenger ids
known from elsewhere. Each attack ranks the keys and the responses by something the database
keeps, pairs them rank by rank, and counts how many pairs are right.

With ``n`` responses in random order, the number of right pairs is about Poisson(1): seven
or more right out of 30 happens by chance about once in 14,000 tries. ``CHANCE_BOUND`` is
that line; the tests assert that after the unlinking step no attack (forwards or backwards)
crosses it, and, where the database really does keep an order within the hour, that the
same attack pairs nearly all of them before the step (so the attacks are real).
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from polls import privacy
from tests.conftest import POSTGRES_URL, SECRET, Database, _with_database

RESPONSES = 30
CHANCE_BOUND = 6


@dataclass
class Known:
    """What the administrator knows: each person's key (recomputed with SECRET_KEY from a
    known device token or messenger id) and, for checking only, the answer they gave."""

    poll_id: int
    marker_of_key: dict[str, str] = field(default_factory=dict)
    """duplicate key -> the unique text answer its person sent"""
    idempotency_marker: dict[str, str] = field(default_factory=dict)
    """idempotency key -> the unique text answer sent with that submission id"""


def marker(n: int) -> str:
    return f"mk{n:03d}q{secrets.token_hex(6)}"


async def submit_from_devices(
    client: httpx.AsyncClient, code: str, poll_id: int, answers: Any, n: int = RESPONSES
) -> Known:
    """``n`` answers through the JSON API, each from a known device token with a known
    submission id, each with a unique text answer to recognise it by."""
    known = Known(poll_id)
    for i in range(n):
        token = privacy.new_device_token(SECRET)
        submission_id = secrets.token_hex(8)
        text = marker(i)
        client.cookies.clear()
        client.cookies.set(privacy.DEVICE_COOKIE, token)
        sent = await client.post(
            f"/api/v1/forms/{code}/responses",
            json={"answers": answers(text), "submission_id": submission_id},
        )
        assert sent.status_code == 201, sent.text
        subject = privacy.device_subject(token)
        known.marker_of_key[privacy.duplicate_key(SECRET, poll_id, subject)] = text
        known.idempotency_marker[privacy.idempotency_key(SECRET, poll_id, submission_id)] = text
    client.cookies.clear()
    return known


def right_pairs(keys_in_order: Sequence[str], markers_in_order: Sequence[str], known: Known) -> int:
    """Pair the i-th key with the i-th response, forwards and backwards; the better count."""
    truth = {**known.marker_of_key, **known.idempotency_marker}
    keys = [k for k in keys_in_order if k in truth]
    markers = [m for m in markers_in_order if m in truth.values()]
    forwards = sum(truth[k] == m for k, m in zip(keys, markers, strict=False))
    backwards = sum(truth[k] == m for k, m in zip(keys, reversed(markers), strict=False))
    return max(forwards, backwards)


# --- PostgreSQL ---------------------------------------------------------------------------


async def pg_attacks(url: str, known: Known) -> dict[str, int]:
    """Right pairs by: the same ``xmin``, ``xmin`` order, ``ctid`` order, the response's id
    order, the answer's id order; for the duplicate keys and the idempotency keys."""
    connection = await asyncpg.connect(url)
    try:
        found: dict[str, int] = {}
        for table in ("duplicate_key", "idempotency_key"):
            keys = await connection.fetch(
                f'SELECT "key", xmin::text::bigint AS x, ctid::text AS c FROM "{table}" '  # noqa: S608
                'WHERE "poll" = $1',
                known.poll_id,
            )
            responses = await connection.fetch(
                'SELECT r."id", r.xmin::text::bigint AS x, r.ctid::text AS c, a."value_text" AS m, '
                'a."id" AS answer_id FROM "response" r JOIN "answer" a ON a."response" = r."id" '
                'WHERE r."poll" = $1 AND a."value_text" IS NOT NULL',
                known.poll_id,
            )
            truth = {**known.marker_of_key, **known.idempotency_marker}
            by_xmin: dict[int, list[str]] = {}
            for r in responses:
                by_xmin.setdefault(r["x"], []).append(r["m"])
            # joined on the transaction id: right only if that xmin names exactly one response
            found[f"{table}: same xmin"] = sum(
                by_xmin.get(k["x"], []) == [truth.get(k["key"])] for k in keys
            )

            def ordered(rows: Sequence[Any], sort: Any, column: str) -> list[str]:
                return [r[column] for r in sorted(rows, key=sort)]

            found[f"{table}: xmin order"] = right_pairs(
                ordered(keys, lambda r: (r["x"], _ctid_key(r["c"])), "key"),
                ordered(responses, lambda r: (r["x"], _ctid_key(r["c"])), "m"),
                known,
            )
            found[f"{table}: ctid order"] = right_pairs(
                ordered(keys, lambda r: _ctid_key(r["c"]), "key"),
                ordered(responses, lambda r: _ctid_key(r["c"]), "m"),
                known,
            )
            found[f"{table}: id order"] = right_pairs(
                ordered(keys, lambda r: _ctid_key(r["c"]), "key"),
                ordered(responses, lambda r: r["id"], "m"),
                known,
            )
            found[f"{table}: answer id order"] = right_pairs(
                ordered(keys, lambda r: _ctid_key(r["c"]), "key"),
                ordered(responses, lambda r: r["answer_id"], "m"),
                known,
            )
        return found
    finally:
        await connection.close()


def _ctid_key(ctid: str) -> tuple[int, int]:
    page, item = ctid.strip("()").split(",")
    return int(page), int(item)


async def pg_dump_restore_attacks(url: str, known: Known, tmp: Path) -> dict[str, int]:
    """``pg_dump`` the database, restore it into a new one, and attack the copy by physical
    order (and by the order of the rows in the dump itself)."""
    dump = tmp / "copy.dump"
    await _run(["pg_dump", "-Fc", "-f", str(dump), url])
    name = "polls_restored_" + secrets.token_hex(4)
    admin = await asyncpg.connect(POSTGRES_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    restored = _with_database(POSTGRES_URL, name)
    try:
        await _run(["pg_restore", "--no-owner", "-d", restored, str(dump)])
        found = {
            f"restored {k}": v
            for k, v in (await pg_attacks(restored, known)).items()
            if "same xmin" not in k  # the restore wrote everything in one transaction
        }
        text = await _run(["pg_restore", "-f", "-", str(dump)])
        found["dump text order"] = right_pairs(
            _in_text_order(text, list(known.marker_of_key)),
            _in_text_order(text, list(known.marker_of_key.values())),
            known,
        )
        found["dump text order (idempotency)"] = right_pairs(
            _in_text_order(text, list(known.idempotency_marker)),
            _in_text_order(text, list(known.marker_of_key.values())),
            known,
        )
        return found
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def _run(command: list[str]) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


def _in_text_order(text: str, needles: Sequence[str]) -> list[str]:
    return sorted((n for n in needles if n in text), key=text.index)


# --- SQLite -------------------------------------------------------------------------------


def sqlite_path(database: Database) -> Path:
    return Path(database.url.removeprefix("sqlite:///"))


def file_bytes(database: Database) -> bytes:
    """The database file and its WAL, as someone copying the data directory gets them."""
    path = sqlite_path(database)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def sqlite_attacks(database: Database, known: Known) -> dict[str, int]:
    """Right pairs by: rowid/id order, and the order in which keys and answers lie in the
    file's bytes (pages, and cells within a page)."""
    data = file_bytes(database)

    def offsets(needles: Sequence[str]) -> list[str]:
        present = [n for n in needles if n.encode() in data]
        return sorted(present, key=lambda n: data.index(n.encode()))

    markers_in_file = offsets(list(known.marker_of_key.values()))
    with sqlite3.connect(f"file:{sqlite_path(database)}?mode=ro", uri=True) as connection:
        by_id = [
            row[0]
            for row in connection.execute(
                'SELECT a."value_text" FROM "response" r JOIN "answer" a '
                'ON a."response" = r."id" WHERE r."poll" = ? AND a."value_text" IS NOT NULL '
                'ORDER BY r."id"',
                (known.poll_id,),
            )
        ]
        by_answer_rowid = [
            row[0]
            for row in connection.execute(
                'SELECT "value_text" FROM "answer" WHERE "poll" = ? AND "value_text" IS NOT NULL '
                "ORDER BY rowid",
                (known.poll_id,),
            )
        ]
    found = {}
    for label, keys in (
        ("duplicate_key", list(known.marker_of_key)),
        ("idempotency_key", list(known.idempotency_marker)),
    ):
        keys_in_file = offsets(keys)
        found[f"{label}: file order"] = right_pairs(keys_in_file, markers_in_file, known)
        found[f"{label}: response id order"] = right_pairs(keys_in_file, by_id, known)
        found[f"{label}: answer rowid order"] = right_pairs(keys_in_file, by_answer_rowid, known)
    return found
