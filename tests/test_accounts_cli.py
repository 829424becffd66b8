"""``polls issue-token``, ``tokens``, ``revoke-token`` and ``deactivate-officer`` against a
database of their own (SQLite; the services under them run on both databases elsewhere)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from polls import cli
from polls import db as polls_db
from polls.services import accounts
from polls.settings import Settings

STRONG = "cli-accounts-0123456789-abcdefghijklmnop-QRSTUV"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("POLLS_PASSWORD", "correct-horse-battery")
    assert cli.main(["migrate"]) == 0
    engine = polls_db.engine_for_url(url, "NORMAL")

    async def unit() -> None:
        from polls.services import units

        polls_db.activate(engine)
        await units.create_unit(slug="cdtkv", name="Công đoàn TKV", kind="national", parent=None)
        await polls_db.stop(engine)

    asyncio.run(unit())
    assert cli.main(["create-officer", "maokhe", "--unit", "cdtkv", "--role", "officer"]) == 0
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_token(url: str, token: str) -> bool:
    async def check() -> bool:
        engine = polls_db.engine_for_url(url, "NORMAL")
        polls_db.activate(engine)
        try:
            return await accounts.principal_for_token(token) is not None
        finally:
            await polls_db.stop(engine)

    return asyncio.run(check())


def test_tokens_are_issued_listed_and_revoked(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    code, out, _ = run(capsys, "issue-token", "maokhe", "--name", "báo cáo tuần", "--days", "30")
    assert code == 0
    token = out.strip()
    assert token.startswith("pt_")
    assert check_token(database, token)
    code, out, _ = run(capsys, "tokens", "maokhe")
    assert code == 0
    header, line = out.strip().splitlines()
    assert header.split("\t") == ["id", "state", "created", "expires", "name"]
    token_id, state, _created, _expires, name = line.split("\t")
    assert (state, name) == ("active", "báo cáo tuần")
    assert token not in out
    code, out, _ = run(capsys, "revoke-token", token_id)
    assert code == 0
    assert f"token {token_id} of maokhe revoked" in out
    assert not check_token(database, token)
    assert run(capsys, "tokens", "maokhe")[1].strip().splitlines()[1].split("\t")[1] == "revoked"


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["issue-token", "nobody"], "There is no officer nobody."),
        (["issue-token", "maokhe", "--days", "0"], "A token lasts from 1 to 3650 days."),
        (["tokens", "nobody"], "There is no officer nobody."),
        (["revoke-token", "999"], "There is no API token 999."),
        (["deactivate-officer", "nobody"], "There is no officer nobody."),
    ],
)
def test_refusals_are_said_with_exit_status_2(
    database: str, capsys: pytest.CaptureFixture[str], argv: list[str], complaint: str
) -> None:
    capsys.readouterr()
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert complaint in err


def test_deactivating_ends_the_tokens_at_once(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    token = run(capsys, "issue-token", "maokhe")[1].strip()
    code, out, _ = run(capsys, "deactivate-officer", "maokhe")
    assert code == 0
    assert "maokhe deactivated; their sessions and API tokens have ended" in out
    assert not check_token(database, token)
    assert run(capsys, "issue-token", "maokhe")[0] == 2


def test_postgresql_without_a_secret_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://polls@127.0.0.1:5432/polls")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    code, _, err = run(capsys, "units")
    assert code == 2
    assert "SECRET_KEY must be set with PostgreSQL" in err
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings.from_env({"DATABASE_URL": "postgresql://polls@127.0.0.1:5432/polls"})
