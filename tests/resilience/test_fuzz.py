"""Schemathesis against the app's own OpenAPI document, on a live server with demo data.

Bounded (a fixed number of generated cases per operation, a fixed seed) so it fits CI. It
fails on any server error, an undeclared status code, a response that breaks its schema,
or a wrong content type. The Telegram routes that send (publish, share-results) are left
out: they need the Bot API, which the fuzzing server does not have, so they answer 503 (their
tests use a fake Bot API).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKENDS
from tests.resilience.test_crash import deployment
from tests.servers import Deployment

EXAMPLES_PER_OPERATION = os.environ.get("POLLS_FUZZ_EXAMPLES", "15")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_api_survives_schemathesis(backend: str, tmp_path: Path) -> None:
    with deployment(backend, tmp_path) as site:
        _fuzz(site)


def _fuzz(site: Deployment) -> None:
    site.run("demo")
    site.start()
    try:
        token = site.run("issue-token", "admin")
        cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
        assert cli, "schemathesis is a dev dependency: uv sync"
        run = subprocess.run(
            [
                cli,
                "run",
                f"{site.url}/schema/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                "not_a_server_error,status_code_conformance,"
                "response_schema_conformance,content_type_conformance",
                "--phases",
                "fuzzing,stateful",
                "--max-examples",
                EXAMPLES_PER_OPERATION,
                "--seed",
                "1211",
                "--exclude-path-regex",
                "/(publish|share-results)$",
                "--request-timeout",
                "30",  # a busy CI machine is slow, not broken
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        )
        assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    finally:
        site.stop()
