"""A real ``polls serve`` process for the tests that need one (browser, crash, load, fuzz):
its own database and free port, started and stopped by the test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from polls import privacy

POLLS = [sys.executable, "-m", "polls"]
SECRET_KEY = "crash-tests-secret-key-0123456789"
START_SECONDS = 180
"""A cap, not a wait: the start is polled, done as soon as /livez answers (a loaded machine
needed more than 30 s), failing at once if the server exits."""


def new_device() -> dict[str, str]:
    """Headers of a phone that opened the form: a device token the deployments sign."""
    return {"X-Polls-Device": privacy.new_device_token(SECRET_KEY)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Deployment:
    workdir: Path
    database_url: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    """Where the server's stdout and stderr go (discarded when None)."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SECRET_KEY,
            "POLLS_RATE_LIMIT_PER_DEVICE": "0",
            "POLLS_RATE_LIMIT_PER_IP": "0",
            **self.extra_env,
        }

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [*POLLS, *args],
            cwd=self.workdir,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def start(self) -> None:
        with contextlib.ExitStack() as stack:
            output = stack.enter_context(self.log.open("ab")) if self.log else subprocess.DEVNULL
            self.process = subprocess.Popen(
                [*POLLS, "serve", "--port", str(self.port)],
                cwd=self.workdir,
                env=self.env,
                stdout=output,
                stderr=output,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited ({self.process.returncode}) before it answered"
                )
            try:
                if httpx.get(self.url + "/livez", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()  # never leave behind a server that started too late
        raise RuntimeError(f"the server did not answer within {START_SECONDS} s")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:  # a pool still closing through a cut link
                self.process.kill()
                self.process.wait(10)
