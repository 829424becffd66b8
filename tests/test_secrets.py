"""Secrets that hold: ``polls serve`` refuses a guessable ``SECRET_KEY`` outside ``--demo``,
and the generated development secret lives beside the SQLite database (a restart from
another directory finds it), or is refused for PostgreSQL."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from polls import cli
from polls.settings import Settings, secret_file_for, secret_key_problem
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "secret",
    [secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)],
)
def test_random_secrets_of_32_bytes_are_accepted(secret: str) -> None:
    assert secret_key_problem(secret) is None


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        ("short-secret", "needs at least 32"),
        (secrets.token_urlsafe(16), "needs at least 32"),  # 22 characters
        ("x" * 40, "repeated"),
        ("abc123" * 8, "repeated"),
        (secrets.token_hex(16), "guessable"),  # 32 characters but 16 random bytes
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "guessable"),
        (SECRET, "guessable"),  # the test suite's own: fine for tests, never to serve
        ("changeme-changeme-changeme-changeme!", "guessable"),
    ],
)
def test_guessable_secrets_are_refused(secret: str, problem: str) -> None:
    found = secret_key_problem(secret)
    assert found is not None
    assert problem in found


def test_the_generated_secret_lives_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "data" / "polls.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}"}
    monkeypatch.chdir(tmp_path)
    first = Settings.from_env(env)
    assert first.secret_key_generated
    kept = secret_file_for(database)
    assert kept == tmp_path / "data" / "polls.sqlite3.secret"
    assert kept.read_text() == first.secret_key
    assert kept.stat().st_mode & 0o777 == 0o600
    assert secret_key_problem(first.secret_key) is None
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Settings.from_env(env).secret_key == first.secret_key
    assert not (elsewhere / ".polls-secret").exists()
    assert not (tmp_path / ".polls-secret").exists()


def test_an_existing_database_keeps_the_secret_of_an_earlier_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "polls.sqlite3").write_bytes(b"")  # the database of an earlier version
    (tmp_path / ".polls-secret").write_text("legacy-" + secrets.token_urlsafe(32))
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///polls.sqlite3"})
    assert settings.secret_key == (tmp_path / ".polls-secret").read_text()
    assert (tmp_path / "polls.sqlite3.secret").read_text() == settings.secret_key
    # a new database does not inherit it
    fresh = Settings.from_env({"DATABASE_URL": "sqlite:///fresh.sqlite3"})
    assert fresh.secret_key != settings.secret_key


def test_a_set_secret_key_is_used_as_given_and_writes_no_file(tmp_path: Path) -> None:
    database = tmp_path / "polls.sqlite3"
    strong = secrets.token_urlsafe(32)
    settings = Settings.from_env({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": strong})
    assert settings.secret_key == strong
    assert not settings.secret_key_generated
    assert not secret_file_for(database).exists()


def test_postgresql_needs_a_secret_key() -> None:
    with pytest.raises(ValueError, match="SECRET_KEY must be set with PostgreSQL"):
        Settings.from_env({"DATABASE_URL": "postgresql://polls@db:5432/polls"})
    assert Settings.from_env(
        {"DATABASE_URL": "postgresql://polls@db:5432/polls", "SECRET_KEY": SECRET}
    )


@pytest.mark.parametrize("weak", ["short", SECRET, "x" * 64])
def test_serve_refuses_a_guessable_secret_key(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    weak: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'polls.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", weak)
    monkeypatch.setenv("BASE_URL", "http://127.0.0.1:1")
    assert cli.main(["serve", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "SECRET_KEY" in err
    assert "secrets.token_urlsafe(32)" in err
    assert not (tmp_path / "polls.sqlite3").exists(), "nothing is migrated before refusing"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serves(tmp_path: Path, env: dict[str, str], *args: str) -> str:
    """Start ``polls serve`` in ``tmp_path``; its output up to "serving on", then stop it."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "polls", "serve", "--port", str(port), *args],
        cwd=tmp_path,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")},
            "PYTHONPATH": str(ROOT),
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = ""
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while "serving on" not in output and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            output += line
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
    return output


def test_the_demo_serves_from_a_fresh_directory_with_its_secret_beside_the_database(
    tmp_path: Path,
) -> None:
    output = _serves(tmp_path, {}, "--demo")
    assert "serving on" in output, output
    assert (tmp_path / "polls.sqlite3.secret").exists()
    assert not (tmp_path / ".polls-secret").exists()


def test_the_demo_accepts_a_weak_secret_key_with_a_warning(tmp_path: Path) -> None:
    output = _serves(tmp_path, {"SECRET_KEY": "demo"}, "--demo")
    assert "serving on" in output, output
    assert "warning: SECRET_KEY is 4 bytes long" in output
