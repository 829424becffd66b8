"""The admin's screens: officers (create; role, unit and name; password reset; deactivate and
reactivate), units (add, rename, move, headcount) and the audit list, through the console.

As the honest admin (each action works and is logged) and as the curious or careless one:
an admin of Mạo Khê (``mk-admin``) reaches its own subtree only (an officer or unit of its
sibling Hà Lầm, or of the national union above it, is not found), cannot lock themselves
out, cannot make a cycle of the tree or strand a poll's answers outside its unit, and every
refusal writes nothing. Roles without admin rights are refused by the route grid
(``tests/rules/test_routes.py``); here the scope of each action, per unit.
"""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest

from polls import tables as t
from polls.services import accounts, audit, units
from tests.conftest import PASSWORD, OpenPoll, World, snapshot
from tests.console.conftest import login, post_form
from tests.tools import require

OFFICERS = "/console/admin/officers"
UNITS = "/console/admin/units"
AUDIT = "/console/admin/audit"
MakeClient = Callable[..., Awaitable[httpx.AsyncClient]]
NEW_PASSWORD = re.compile(r'id="new-password".*?<code[^>]*>([^<]+)</code>', re.S)


@pytest.fixture
async def mk_admin(world: World) -> str:
    """An admin of Mạo Khê: its subtree is Mạo Khê and its two workshops."""
    await accounts.create_officer("mk-admin", PASSWORD, unit_slug="than-mao-khe", role="admin")
    world.tokens["mk_admin"] = await accounts.issue_token("mk-admin")
    return "mk-admin"


async def as_admin(client: httpx.AsyncClient, who: str = "admin") -> None:
    sent = await login(client, who)
    assert sent.status_code == 303, sent.text


async def post(client: httpx.AsyncClient, path: str, data: dict[str, str]) -> httpx.Response:
    return await post_form(client, path, data, from_page=OFFICERS)


async def actions() -> list[tuple[str, str, str]]:
    rows = await t.AuditEntry.select(
        t.AuditEntry.action, t.AuditEntry.officer_name, t.AuditEntry.detail
    ).order_by(t.AuditEntry.id)
    return [(r["action"], r["officer_name"], r["detail"]) for r in rows]


def pdf_text(content: bytes, path: Path) -> str:
    path.write_bytes(content)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


async def officer_row(username: str) -> dict:
    row = await t.Officer.select().where(t.Officer.username == username).first()
    assert row is not None
    return row


# --- officers -----------------------------------------------------------------------------


async def test_create_an_officer_then_change_role_unit_and_name(
    client: httpx.AsyncClient, make_client: MakeClient, world: World
) -> None:
    await as_admin(client)
    made = await post(
        client,
        OFFICERS,
        {
            "username": "ThuHa",
            "display_name": "Nguyễn Thu Hà",
            "unit": "mk-kt3",
            "role": "officer",
            "password": "mot-mat-khau-dai",
        },
    )
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"{OFFICERS}/thuha"
    assert (await login(await make_client(), "thuha", "mot-mat-khau-dai")).status_code == 303
    changed = await post(
        client,
        f"{OFFICERS}/thuha",
        {"display_name": "Nguyễn Thị Thu Hà", "role": "viewer", "unit": "mk-cd"},
    )
    assert changed.status_code == 303, changed.text
    row = await officer_row("thuha")
    assert (row["role"], row["display_name"]) == ("viewer", "Nguyễn Thị Thu Hà")
    assert row["unit"] == (await units.get_by_slug("mk-cd")).id
    assert await actions() == [
        ("officer.create", "thuha", "officer"),
        ("officer.role", "thuha", "officer → viewer"),
        ("officer.unit", "thuha", "Phân xưởng Khai thác 3 → Phân xưởng Cơ điện"),
        ("officer.name", "thuha", "Nguyễn Thu Hà → Nguyễn Thị Thu Hà"),
    ]
    page = await client.get(f"{AUDIT}?lang=vi")
    assert page.status_code == 200
    for shown in ("Đổi vai trò", "Lãnh đạo (chỉ xem)", "thuha", "Phân xưởng Cơ điện"):
        assert shown in page.text, shown


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"username": "x"}, 422, "Dùng 3–80"),
        ({"password": "ngan"}, 422, "ít nhất 10 ký tự"),
        ({"role": "superuser"}, 422, "Vai trò"),
        ({"unit": "khong-co"}, 422, "Không có đơn vị này"),
        ({"username": "officer"}, 409, "Tên đăng nhập này đã có người dùng"),
    ],
)
async def test_a_refused_new_officer_writes_nothing_and_says_why_in_vietnamese(
    client: httpx.AsyncClient, world: World, fields: dict[str, str], status: int, message: str
) -> None:
    await as_admin(client)
    before = await snapshot()
    form = {
        "username": "moi",
        "display_name": "",
        "unit": "mk-kt3",
        "role": "officer",
        "password": "mot-mat-khau-dai",
        **fields,
    }
    sent = await post(client, f"{OFFICERS}?lang=vi", form)
    assert sent.status_code == status, sent.text[:300]
    assert message in sent.text
    assert "mot-mat-khau-dai" not in sent.text  # the password is not sent back
    assert await snapshot() == before


async def test_a_generated_password_reset_ends_a_live_session_and_token_at_once(
    client: httpx.AsyncClient,
    make_client: MakeClient,
    world: World,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    officer = await make_client()
    await login(officer, "officer")
    assert (await officer.get("/console")).status_code == 200
    assert (await officer.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 200
    await as_admin(client)
    sent = await post(client, f"{OFFICERS}/officer/password?lang=vi", {"how": "generate"})
    assert sent.status_code == 200, sent.text[:300]
    assert sent.headers["cache-control"] == "no-store"
    found = NEW_PASSWORD.search(sent.text)
    assert found, sent.text
    password = found.group(1)
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    assert "chỉ hiện một lần" in sent.text
    assert (await officer.get("/console")).status_code == 302
    assert (await officer.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    fresh = await make_client()
    assert (await login(fresh, "officer", PASSWORD)).status_code == 401
    assert (await login(fresh, "officer", password)).status_code == 303
    # the password is nowhere in the database, the audit list included (only its hash)
    assert password not in repr(await snapshot())
    assert await actions() == [("officer.password_reset", "officer", "generated")]
    assert password not in caplog.text  # nor in any log line
    again = await client.get(f"{OFFICERS}/officer")
    assert password not in again.text  # shown that once


async def test_a_chosen_password_must_meet_the_rules_and_match(
    client: httpx.AsyncClient, make_client: MakeClient, world: World
) -> None:
    await as_admin(client)
    before = await snapshot()
    for data, message in (
        ({"password": "ngan", "repeat_password": "ngan"}, "ít nhất 10 ký tự"),
        ({"password": "dai-du-roi-1", "repeat_password": "khac-roi-2"}, "không giống nhau"),
    ):
        sent = await post(client, f"{OFFICERS}/officer/password?lang=vi", {"how": "choose", **data})
        assert sent.status_code == 422
        assert message in sent.text
        assert "Không có gì được lưu" in sent.text
    assert await snapshot() == before
    sent = await post(
        client,
        f"{OFFICERS}/officer/password",
        {"how": "choose", "password": "dai-du-roi-1", "repeat_password": "dai-du-roi-1"},
    )
    assert sent.status_code == 200
    assert "dai-du-roi-1" not in sent.text
    assert (await login(await make_client(), "officer", "dai-du-roi-1")).status_code == 303
    assert await actions() == [("officer.password_reset", "officer", "chosen")]


async def test_deactivate_ends_a_live_session_and_token_then_reactivate(
    client: httpx.AsyncClient, make_client: MakeClient, world: World
) -> None:
    officer = await make_client()
    await login(officer, "officer")
    await as_admin(client)
    sent = await post(client, f"{OFFICERS}/officer/deactivate", {})
    assert sent.status_code == 303
    assert (await officer.get("/console")).status_code == 302
    assert (await officer.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    assert (await login(officer, "officer")).status_code == 401
    listed = await client.get(f"{OFFICERS}?lang=en")
    assert "Deactivated" in listed.text
    sent = await post(client, f"{OFFICERS}/officer/reactivate", {})
    assert sent.status_code == 303
    assert (await login(officer, "officer")).status_code == 303
    # the token that ended stays ended
    assert (await officer.get("/api/v1/polls", headers=world.auth("officer"))).status_code == 401
    assert [a for a, _, _ in await actions()] == ["officer.deactivate", "officer.reactivate"]


async def test_an_admin_cannot_lock_themselves_out(
    client: httpx.AsyncClient, world: World, mk_admin: str
) -> None:
    await as_admin(client, mk_admin)
    before = await snapshot()
    for path, data in (
        (f"{OFFICERS}/mk-admin", {"display_name": "", "role": "officer", "unit": "than-mao-khe"}),
        (f"{OFFICERS}/mk-admin", {"display_name": "", "role": "admin", "unit": "mk-kt3"}),
        (f"{OFFICERS}/mk-admin/password", {"how": "generate"}),
    ):
        sent = await post(client, path + "?lang=vi", data)
        assert sent.status_code == 409, (path, data, sent.text[:200])
        assert "Không có gì được lưu" in sent.text
    sent = await post(client, f"{OFFICERS}/mk-admin/deactivate?lang=vi", {})
    assert sent.status_code == 303
    assert (
        "không thể vô hiệu hóa tài khoản của chính mình"
        in (await client.get(f"{OFFICERS}/mk-admin?lang=vi")).text
    )
    assert await snapshot() == before
    # their own name they may change
    sent = await post(client, f"{OFFICERS}/mk-admin", {"display_name": "Trần Văn B"})
    assert sent.status_code == 303
    assert (await officer_row("mk-admin"))["display_name"] == "Trần Văn B"


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("officer", 200),  # own subtree: an officer of Mạo Khê
        ("mk-viewer", 200),
        ("outsider", 404),  # sibling: Hà Lầm
        ("admin", 404),  # parent: the national union
        ("viewer", 404),
        ("nobody-at-all", 404),
    ],
)
async def test_every_officer_action_is_scoped_to_the_admins_subtree(
    client: httpx.AsyncClient, world: World, mk_admin: str, target: str, status: int
) -> None:
    await as_admin(client, mk_admin)
    assert (await client.get(f"{OFFICERS}/{target}")).status_code == status
    listed = await client.get(OFFICERS)
    assert (f'{OFFICERS}/{target}"' in listed.text) == (status == 200)
    before = await snapshot()
    for path, data in (
        (f"{OFFICERS}/{target}", {"display_name": "X", "role": "viewer", "unit": "mk-cd"}),
        (f"{OFFICERS}/{target}/password", {"how": "generate"}),
        (f"{OFFICERS}/{target}/deactivate", {}),
        (f"{OFFICERS}/{target}/reactivate", {}),
    ):
        sent = await post(client, path, data)
        if status == 404:
            assert sent.status_code == 404, path
    if status == 404:
        assert await snapshot() == before


async def test_an_admin_cannot_place_an_officer_outside_the_subtree(
    client: httpx.AsyncClient, world: World, mk_admin: str
) -> None:
    await as_admin(client, mk_admin)
    before = await snapshot()
    moved = await post(
        client, f"{OFFICERS}/officer?lang=vi", {"role": "officer", "unit": "than-ha-lam"}
    )
    made = await post(
        client,
        f"{OFFICERS}?lang=vi",
        {"username": "moi", "unit": "cdtkv", "role": "admin", "password": "mot-mat-khau-dai"},
    )
    for sent in (moved, made):
        assert sent.status_code == 422
        assert "Không có đơn vị này" in sent.text
    assert await snapshot() == before


# --- units --------------------------------------------------------------------------------


async def test_add_rename_and_set_the_headcount_of_a_unit(
    client: httpx.AsyncClient, world: World, mk_admin: str
) -> None:
    await as_admin(client, mk_admin)
    form = await client.get(UNITS)
    # a unit's name, not a person's full name ("Họ tên", the officers' field)
    assert '<label class="field" for="name">Tên đơn vị</label>' in form.text
    sent = await post(
        client,
        UNITS,
        {
            "parent": "mk-kt3",
            "name": "Tổ Khai thác 1",
            "slug": "mk-kt3-to1",
            "kind": "workshop",
            "headcount": "40",
        },
    )
    assert sent.status_code == 303, sent.text
    unit = await units.get_by_slug("mk-kt3-to1")
    assert unit.path.startswith((await units.get_by_slug("mk-kt3")).path)
    sent = await post(client, f"{UNITS}/mk-kt3-to1", {"name": "Tổ KT1", "headcount": "45"})
    assert sent.status_code == 303
    unit = await units.get_by_slug("mk-kt3-to1")
    assert (unit.name, unit.headcount) == ("Tổ KT1", 45)
    assert await actions() == [
        ("unit.create", "", "Tổ Khai thác 1 (mk-kt3-to1)"),
        ("unit.rename", "", "Tổ Khai thác 1 → Tổ KT1"),
        ("unit.headcount", "", "40 → 45"),
    ]
    # Mạo Khê has no headcount of its own: its workshops' sum counts for its response rates
    page = await client.get(UNITS)
    assert ">600<" in page.text.replace("\u202f", "").replace(".", "").replace(",", "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slug": "X"}, "Dùng 3–80"),
        ({"name": ""}, "tối đa 200 ký tự"),
        ({"headcount": "٣"}, "Số người"),
        ({"headcount": "2000000"}, "Số người"),
        ({"kind": "planet"}, "Loại đơn vị"),
        ({"parent": "than-ha-lam"}, "Không có đơn vị này"),
    ],
)
async def test_a_refused_new_unit_writes_nothing(
    client: httpx.AsyncClient, world: World, mk_admin: str, fields: dict[str, str], message: str
) -> None:
    await as_admin(client, mk_admin)
    before = await snapshot()
    form = {"parent": "mk-kt3", "name": "Tổ 1", "slug": "to-1", "kind": "workshop", **fields}
    sent = await post(client, f"{UNITS}?lang=vi", form)
    assert sent.status_code == 422, sent.text[:300]
    assert message in sent.text
    assert await snapshot() == before


async def test_a_move_into_its_own_subtree_or_out_of_scope_changes_nothing(
    client: httpx.AsyncClient, world: World, mk_admin: str
) -> None:
    await units.create_child(
        world.principals["admin"],
        parent_slug="mk-kt3",
        slug="mk-kt3-to1",
        name="Tổ 1",
        kind="workshop",
    )
    await as_admin(client, mk_admin)
    before = await snapshot()
    for slug, parent, status, message in (
        ("mk-kt3", "mk-kt3-to1", 422, "dưới chính nó"),  # a cycle
        ("mk-kt3", "mk-kt3", 422, "dưới chính nó"),
        ("mk-kt3", "than-ha-lam", 422, "Không có đơn vị này"),  # a sibling's unit
        ("mk-kt3", "cdtkv", 422, "Không có đơn vị này"),  # the parent above the admin
        ("than-mao-khe", "mk-cd", 409, "đơn vị của chính mình"),  # the admin's own unit
    ):
        sent = await post(
            client,
            f"{UNITS}/{slug}?lang=vi",
            {"name": "Đổi tên", "parent": parent, "headcount": "1"},
        )
        assert sent.status_code == status, (slug, parent, sent.text[:300])
        assert message in sent.text
        assert "Không có gì được lưu" in sent.text
    assert (await client.get(f"{UNITS}/than-ha-lam")).status_code == 404
    assert (await client.get(f"{UNITS}/cdtkv")).status_code == 404
    assert (await post(client, f"{UNITS}/than-ha-lam", {"name": "X"})).status_code == 404
    assert await snapshot() == before


async def test_a_move_carries_the_subtree_and_its_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    await units.create_child(
        world.principals["admin"],
        parent_slug="mk-kt3",
        slug="mk-kt3-to1",
        name="Tổ 1",
        kind="workshop",
    )
    await as_admin(client)
    sent = await post(
        client,
        f"{UNITS}/mk-kt3",
        {"name": "Phân xưởng Khai thác 3", "parent": "than-ha-lam", "headcount": "400"},
    )
    assert sent.status_code == 303, sent.text
    ha_lam = await units.get_by_slug("than-ha-lam")
    kt3 = await units.get_by_slug("mk-kt3")
    team = await units.get_by_slug("mk-kt3-to1")
    assert kt3.parent_id == ha_lam.id
    assert kt3.path == f"{ha_lam.path}{kt3.id}/"
    assert team.path == f"{kt3.path}{team.id}/"
    listed = await client.get("/api/v1/units", headers=world.auth("officer"))
    assert {"mk-kt3", "mk-kt3-to1"}.isdisjoint({u["slug"] for u in listed.json()})
    listed = await client.get("/api/v1/units", headers=world.auth("outsider"))
    assert {"mk-kt3", "mk-kt3-to1"} <= {u["slug"] for u in listed.json()}
    assert await actions() == [
        ("unit.create", "", "Tổ 1 (mk-kt3-to1)"),
        ("unit.move", "", "Công đoàn Công ty Than Mạo Khê → Công đoàn Công ty Than Hà Lầm"),
    ]
    # filed under both sides: an admin of Mạo Khê still reads the move out of it
    await accounts.create_officer("mk-admin", PASSWORD, unit_slug="than-mao-khe", role="admin")
    mk = await accounts.principal_by_id((await officer_row("mk-admin"))["id"])
    assert mk is not None
    assert [e.action for e in (await audit.entries_for(mk)).entries] == ["unit.move"]


async def test_a_move_that_would_strand_a_polls_answers_is_refused(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll
) -> None:
    """The poll of Mạo Khê has a placement in Khai thác 3: moving the workshop to Hà Lầm
    would put it outside its poll's unit (and give Hà Lầm's officers its unit's figures)."""
    await as_admin(client)
    before = await snapshot()
    sent = await post(
        client,
        f"{UNITS}/mk-kt3?lang=vi",
        {"name": "Phân xưởng Khai thác 3", "parent": "than-ha-lam", "headcount": "400"},
    )
    assert sent.status_code == 409, sent.text[:300]
    assert "Không có gì được lưu" in sent.text
    assert await snapshot() == before
    # within Mạo Khê it may move: the poll's unit still holds it
    sent = await post(
        client,
        f"{UNITS}/mk-kt3",
        {"name": "Phân xưởng Khai thác 3", "parent": "mk-cd", "headcount": "400"},
    )
    assert sent.status_code == 303


async def test_a_new_headcount_shows_in_the_next_report_at_once(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, tmp_path: Path
) -> None:
    """The report is cached per release; the response rate's base is part of its key."""
    require("pdftotext")
    await as_admin(client)

    async def report_text() -> str:
        got = await client.get(f"/console/polls/{open_poll.id}/report.pdf?lang=en")
        assert got.status_code == 200
        return pdf_text(got.content, tmp_path / "report.pdf")

    assert "of 600 workers" in await report_text()
    sent = await post(
        client, f"{UNITS}/mk-kt3", {"name": "Phân xưởng Khai thác 3", "headcount": "1000"}
    )
    assert sent.status_code == 303
    assert "of 1,200 workers" in await report_text()


# --- the audit list -----------------------------------------------------------------------


async def test_the_audit_list_holds_no_worker_data_and_pages(
    client: httpx.AsyncClient, world: World, open_poll: OpenPoll, mk_admin: str
) -> None:
    columns = {c._meta.db_column_name for c in t.AuditEntry._meta.columns}
    assert columns == {
        "id",
        "at",
        "actor",
        "actor_name",
        "action",
        "officer",
        "officer_name",
        "unit",
        "from_unit",
        "detail",
    }
    admin = world.principals["admin"]
    for i in range(55):
        await units.set_headcount(admin, "mk-cd", 200 + i + 1)
    await units.set_headcount(admin, "than-ha-lam", 3001)
    await as_admin(client, mk_admin)
    first = await client.get(f"{AUDIT}?lang=vi")
    assert first.status_code == 200
    assert first.text.count("Đổi số người") == 50
    assert "Trang 1/2" in first.text
    second = await client.get(f"{AUDIT}?page=2&lang=vi")
    assert second.text.count("Đổi số người") == 5
    assert "3001" not in first.text + second.text  # Hà Lầm's entry is not Mạo Khê's
    for bad in ("0", "٢", "x", "1e3"):
        refused = await client.get(f"{AUDIT}?page={bad}&lang=vi")
        assert refused.status_code == 422, bad
    api = await client.get("/api/v1/audit?page=2", headers=world.auth("mk_admin"))
    assert api.status_code == 200
    body = api.json()
    assert (body["page"], body["pages"], body["total"]) == (2, 2, 55)
    assert {e["action"] for e in body["entries"]} == {"unit.headcount"}
    root = await client.get("/api/v1/audit", headers=world.auth("admin"))
    assert root.json()["total"] == 56
