"""Reading the app's CSV exports back: each is written for the Excel of its language
(``polls.analytics.exports``), ``;``-separated in Vietnamese and ``,``-separated in English."""

from __future__ import annotations

import csv
import io


def csv_rows(content: bytes) -> list[list[str]]:
    """The rows of an export, its separator told by its language's decimal sign in the
    header row's words: the separator is the one that splits every row into the same
    number of cells (``;`` first: a Vietnamese text may hold commas)."""
    text = content.decode("utf-8-sig")
    for separator in (";", ","):
        rows = list(csv.reader(io.StringIO(text), delimiter=separator))
        if rows and len(rows[0]) > 1 and len({len(row) for row in rows}) == 1:
            return rows
    raise AssertionError("not a table of one width: " + text[:200])


def csv_dicts(content: bytes) -> list[dict[str, str]]:
    header, *rows = csv_rows(content)
    return [dict(zip(header, row, strict=True)) for row in rows]
