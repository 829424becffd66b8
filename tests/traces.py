"""Where a secret could be left behind: every stored value, and everything logged."""

from __future__ import annotations

import pytest

from polls import tables as t


async def every_stored_value() -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every column of every row of every table."""
    values = []
    for table in t.TABLES:
        for row in await table.select():
            values += [(table._meta.tablename, column, str(value)) for column, value in row.items()]
    return values


def everything_logged(caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture) -> str:
    """The log records (formatted and as messages) and what reached stdout and stderr."""
    captured = capsys.readouterr()
    return (
        caplog.text
        + "\n".join(r.getMessage() for r in caplog.records)
        + captured.out
        + captured.err
    )
