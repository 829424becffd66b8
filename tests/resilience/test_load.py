"""A bounded run of bench/load.py: phones load the form and submit, on one and two server
processes; accepted submissions, stored responses and the results' total must agree."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, POSTGRES_URL, _with_database

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("backend", BACKENDS)
def test_counts_are_exact_under_load(backend: str, workers: int, tmp_path: Path) -> None:
    args = [sys.executable, str(LOAD), "--respondents", "600", "--concurrency", "60"]
    args += ["--workers", str(workers)]
    database = ""
    if backend == "postgres":
        name = "polls_load_" + secrets.token_hex(4)
        subprocess.run(["psql", POSTGRES_URL, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        database = _with_database(POSTGRES_URL, name)
        args += ["--database", database]
    try:
        run = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    finally:
        if database:
            subprocess.run(
                ["psql", POSTGRES_URL, "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'], check=False
            )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(run.stdout)
    assert report["accepted"] == report["stored"] == report["results_total"] == 600
    assert report["errors"] == {}
