"""Issue 16, item 2: printed one-time codes. The officer prints a sheet; each code counts
one answer, from any phone, typed in any case or scanned from the slip's QR; a used,
unknown or mistyped code gets a clear message in the worker's language and stores nothing;
a code sent by many phones at once is stored exactly once (SQLite and PostgreSQL); closing
the poll destroys the codes' traces."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from polls import privacy
from polls import tables as t
from polls.sharing import code_sheets, codes
from tests.conftest import SECRET, OpenPoll, World, create_open_poll, snapshot
from tests.sharing.tools import decode, pdf_pages, pdf_text
from tests.tools import require

SLIP_CODE = re.compile(r"\b([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})\b")


DPI = 200
MM = DPI / 25.4


def _slip_box(index: int) -> tuple[int, int, int, int]:
    """Where the ``index``-th slip of a page lies, in pixels from the top left."""
    column, row = index % code_sheets.COLUMNS, index // code_sheets.COLUMNS
    left = code_sheets.MARGIN + column * code_sheets.SLIP_WIDTH
    top = code_sheets.MARGIN + row * code_sheets.SLIP_HEIGHT
    return (
        round(left * MM),
        round(top * MM),
        round(code_sheets.SLIP_WIDTH * MM),
        round(code_sheets.SLIP_HEIGHT * MM),
    )


def read_slip(pdf: bytes, page_png: bytes, page: int, index: int) -> tuple[str, str]:
    """One slip as a person with a phone and a pair of eyes reads it: its QR code decoded
    by zbar from the rendered page, and the code printed on it read by pdftotext."""
    x, y, width, height = _slip_box(index)
    image = Image.open(io.BytesIO(page_png)).crop((x, y, x + width, y + height))
    out = io.BytesIO()
    image.save(out, format="PNG")
    found = decode(out.getvalue())
    assert len(found) == 1, (page, index, found)
    require("pdftotext")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "codes.pdf"
        source.write_bytes(pdf)
        text = subprocess.run(
            [
                "pdftotext",
                "-f",
                str(page + 1),
                "-l",
                str(page + 1),
                "-r",
                str(DPI),
                "-x",
                str(x),
                "-y",
                str(y),
                "-W",
                str(width),
                "-H",
                str(height),
                str(source),
                "-",
            ],
            capture_output=True,
            timeout=60,
            check=True,
        ).stdout.decode()
    typed = SLIP_CODE.findall(text)
    assert len(typed) == 1, (page, index, text)
    return found[0], typed[0]


@pytest.fixture
async def site(make_client: Callable[..., Awaitable[httpx.AsyncClient]]) -> httpx.AsyncClient:
    return await make_client(rate_limit_per_ip=0, rate_limit_per_device=0)


async def code_poll(site: httpx.AsyncClient, world: World) -> tuple[OpenPoll, int]:
    poll = await create_open_poll(site, world, duplicate_policy="code")
    listed = await site.get(f"/api/v1/polls/{poll.id}/placements", headers=world.auth("officer"))
    return poll, listed.json()[0]["id"]


async def print_codes(
    site: httpx.AsyncClient, world: World, placement: int, count: int
) -> tuple[bytes, list[str]]:
    made = await site.post(
        f"/api/v1/placements/{placement}/codes.pdf",
        json={"count": count},
        headers=world.auth("officer"),
    )
    assert made.status_code == 201, made.text
    assert made.headers["content-type"] == "application/pdf"
    assert made.headers["cache-control"] == "no-store"
    printed = [c.replace("-", "") for c in SLIP_CODE.findall(pdf_text(made.content))]
    return made.content, printed


async def send(
    site: httpx.AsyncClient, poll: OpenPoll, code: str | None, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"answers": poll.answers(), **extra}
    if code is not None:
        body["code"] = code
    site.cookies.clear()  # a shared phone: no device rule applies
    return await site.post(
        f"/api/v1/forms/{poll.code}/responses", json=body, headers={"Accept-Language": "vi"}
    )


async def test_a_printed_sheet_reads_back_its_codes_as_text_and_qr(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    content, printed = await print_codes(site, world, placement, 20)
    assert len(printed) == len(set(printed)) == 20
    assert all(codes.normalize_slip_code(c) == c for c in printed)
    pages = pdf_pages(content, dpi=DPI)
    assert len(pages) == 2  # sixteen slips a page
    slip_link = re.compile(rf"HTTP://127\.0\.0\.1:8000/P/{poll.code}\?c=([A-Z0-9]{{8}})")
    on_slips = []
    for number, page in enumerate(pages):
        for index in range(min(code_sheets.SLIPS_PER_PAGE, 20 - number * 16)):
            scanned, typed = read_slip(content, page, number, index)
            matched = slip_link.fullmatch(scanned)
            assert matched, scanned
            # the QR of a slip carries the very code printed beside it
            assert matched.group(1) == typed.replace("-", ""), (scanned, typed)
            on_slips.append(matched.group(1))
    assert on_slips == printed
    text = pdf_text(content)
    assert "Mã dùng một lần" in text
    assert f"127.0.0.1:8000/p/{poll.code}" in text
    # only the codes' HMACs are stored, none of the codes
    stored = {r["key"] for r in await t.PrintedCode.select().where(t.PrintedCode.poll == poll.id)}
    assert stored == {privacy.printed_code_key(SECRET, poll.id, c) for c in printed}
    dump = repr(await snapshot())
    assert not [c for c in printed if c in dump]


async def test_each_code_counts_once_from_any_phone_in_any_case(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 3)
    first = await send(site, poll, codes.printed_slip_code(printed[0]).lower())
    assert first.status_code == 201, first.text
    again = await send(site, poll, printed[0], submission_id="another-phone")
    assert again.status_code == 409
    assert again.json()["detail"] == (
        "Mã này đã được dùng: mỗi mã chỉ tính một câu trả lời. Hãy xin một phiếu mã mới."
    )
    # the retry of the first phone's own submission is "already stored", not "used"
    retried = await send(site, poll, printed[1], submission_id="same-phone")
    assert retried.status_code == 201
    replay = await send(site, poll, printed[1], submission_id="same-phone")
    assert replay.status_code == 200
    assert replay.json()["replayed"] is True
    assert await t.Response.count().where(t.Response.poll == poll.id) == 2
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == poll.id) == 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (None, "Hãy nhập mã in trên phiếu của bạn."),
        ("", "Hãy nhập mã in trên phiếu của bạn."),
        ("ABCD-EFG", "Mã này bị gõ sai"),
        ("swap", "Mã này bị gõ sai"),
        ("unknown", "Mã này không phải mã của cuộc khảo sát này."),
    ],
)
async def test_a_missing_mistyped_or_unknown_code_is_refused_and_nothing_is_stored(
    site: httpx.AsyncClient, world: World, typed: str | None, message: str
) -> None:
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 2)
    if typed == "swap":
        code = printed[0]
        i = next(i for i in range(7) if code[i] != code[i + 1])
        typed = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    elif typed == "unknown":
        typed = codes.new_slip_code()  # checks, but this poll never printed it
    before = await snapshot()
    refused = await send(site, poll, typed)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"]["code"].startswith(message)
    assert await snapshot() == before


async def test_a_code_sent_by_many_phones_at_once_is_stored_exactly_once(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 1)

    async def phone(i: int) -> int:
        async with httpx.AsyncClient(
            transport=site._transport, base_url=str(site.base_url)
        ) as other:
            sent = await other.post(
                f"/api/v1/forms/{poll.code}/responses",
                json={"answers": poll.answers(), "code": printed[0], "submission_id": f"p{i}"},
            )
            return sent.status_code

    statuses = await asyncio.gather(*(phone(i) for i in range(24)))
    assert sorted(statuses) == [201] + [409] * 23, statuses
    assert await t.Response.count().where(t.Response.poll == poll.id) == 1
    assert await t.Answer.count().where(t.Answer.poll == poll.id) == 6
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == poll.id) == 1
    assert await t.IdempotencyKey.count().where(t.IdempotencyKey.poll == poll.id) == 1


async def test_a_code_of_one_poll_does_not_answer_another(
    site: httpx.AsyncClient, world: World
) -> None:
    _poll, placement = await code_poll(site, world)
    other, _ = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 1)
    refused = await send(site, other, printed[0])
    assert refused.status_code == 422
    assert await t.Response.count() == 0


async def test_messenger_and_device_answers_do_not_bypass_the_code(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, _ = await code_poll(site, world)
    site.cookies.set(privacy.DEVICE_COOKIE, privacy.new_device_token(SECRET))
    sent = await site.post(f"/api/v1/forms/{poll.code}/responses", json={"answers": poll.answers()})
    assert sent.status_code == 422
    assert "code" in sent.json()["errors"]


async def test_printing_needs_the_code_rule_an_open_poll_and_a_sane_count(
    site: httpx.AsyncClient, world: World
) -> None:
    device_poll = await create_open_poll(site, world)
    listed = await site.get(
        f"/api/v1/polls/{device_poll.id}/placements", headers=world.auth("officer")
    )
    refused = await site.post(
        f"/api/v1/placements/{listed.json()[0]['id']}/codes.pdf",
        json={"count": 5},
        headers={**world.auth("officer"), "Accept-Language": "vi"},
    )
    assert refused.status_code == 409
    assert "mã in" in refused.json()["detail"]
    poll, placement = await code_poll(site, world)
    for count in (0, 501, -3):
        bad = await site.post(
            f"/api/v1/placements/{placement}/codes.pdf",
            json={"count": count},
            headers=world.auth("officer"),
        )
        assert bad.status_code == 400 or bad.status_code == 422, bad.text
    closed = await site.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    late = await site.post(
        f"/api/v1/placements/{placement}/codes.pdf",
        json={"count": 5},
        headers=world.auth("officer"),
    )
    assert late.status_code == 409
    assert await t.PrintedCode.count() == 0


async def test_closing_the_poll_destroys_the_printed_and_used_codes(
    site: httpx.AsyncClient, world: World
) -> None:
    poll, placement = await code_poll(site, world)
    _, printed = await print_codes(site, world, placement, 4)
    assert (await send(site, poll, printed[0])).status_code == 201
    closed = await site.post(f"/api/v1/polls/{poll.id}/close", headers=world.auth("officer"))
    assert closed.status_code == 200
    assert await t.PrintedCode.count().where(t.PrintedCode.poll == poll.id) == 0
    assert await t.DuplicateKey.count().where(t.DuplicateKey.poll == poll.id) == 0
    late = await send(site, poll, printed[1])
    assert late.status_code == 410
    assert await t.Response.count().where(t.Response.poll == poll.id) == 1
