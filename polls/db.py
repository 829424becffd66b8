"""Database engines: which one the settings ask for, how it starts and stops, migrations.

Piccolo's stock ``SQLiteEngine`` opens a new connection (and a thread) for every query
outside a transaction, and for every transaction. ``FastSQLiteEngine`` keeps long-lived
connections instead: one writer, used for every write and transaction and serialized by an
``asyncio.Lock`` (SQLite allows one writer at a time anyway, and waiting on a lock beats
SQLite's busy polling), and a few readers that WAL lets run beside it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
from typing import Any

import aiosqlite
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

from polls.tables import TABLES


class FastSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, synchronous: str = "FULL", readers: int = 2) -> None:
        super().__init__(path=path, timeout=30)
        self.synchronous = synchronous
        self.reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: asyncio.Queue[aiosqlite.Connection] | None = None
        self._all: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.execute("PRAGMA busy_timeout = 30000")
        self._all.append(connection)
        return connection

    async def start(self) -> None:
        async with self._start_lock:
            if self._writer is not None:
                return
            self._writer = await self._connect()
            readers: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
            for _ in range(self.reader_count):
                readers.put_nowait(await self._connect())
            self._readers = readers

    async def close(self) -> None:
        for connection in self._all:
            with contextlib.suppress(Exception):
                await connection.close()
        self._all.clear()
        self._writer = None
        self._readers = None

    async def writer(self) -> aiosqlite.Connection:
        if self._writer is None:
            await self.start()
        assert self._writer is not None
        return self._writer

    async def _execute(self, connection: aiosqlite.Connection, query: str, args: list[Any]) -> Any:
        async with connection.execute(query, args) as cursor:
            return await cursor.fetchall()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        args = args or []
        if query_type == "select":
            if self._readers is None:
                await self.start()
            assert self._readers is not None
            connection = await self._readers.get()
            try:
                return await self._execute(connection, query, args)
            finally:
                self._readers.put_nowait(connection)
        writer = await self.writer()
        async with self._write_lock:
            return await self._execute(writer, query, args)

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        return await self._execute(connection, query, args or [])

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False) -> Any:
        query, query_args = querystring.compile_string(engine_type=self.engine_type)
        current = self.current_transaction.get()
        if current:
            return await self._execute(current.connection, query, query_args)
        return await self._run_in_new_connection(
            query, query_args, query_type=querystring.query_type
        )

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.immediate,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return _WriterTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


class _WriterTransaction(SQLiteTransaction):
    """A transaction on the engine's one writer connection, holding its lock throughout."""

    engine: FastSQLiteEngine

    async def get_connection(self) -> aiosqlite.Connection:
        writer = await self.engine.writer()
        await self.engine._write_lock.acquire()
        return writer

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                try:
                    await self.commit()
                except BaseException:
                    with contextlib.suppress(Exception):
                        await self.rollback()
                    raise
        finally:
            self.engine._write_lock.release()
            self.engine.current_transaction.reset(self.context)
        return exception is None


def engine_for_url(database_url: str, sqlite_synchronous: str = "FULL") -> Engine:
    if database_url.startswith("sqlite"):
        return FastSQLiteEngine(
            path=database_url.removeprefix("sqlite:///"), synchronous=sqlite_synchronous
        )
    if database_url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": database_url})
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://: {database_url!r}")


def activate(engine: Engine) -> None:
    """Point every table, and Piccolo's own migration machinery, at ``engine``."""
    import piccolo_conf

    piccolo_conf.DB = engine
    for table in (*TABLES, Migration):
        table._meta.db = engine


async def start(engine: Engine) -> None:
    if isinstance(engine, FastSQLiteEngine):
        await engine.start()
    elif isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)


async def stop(engine: Engine) -> None:
    if isinstance(engine, FastSQLiteEngine):
        await engine.close()
    elif isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()


async def migrate(engine: Engine, *, quiet: bool = False) -> None:
    """Apply every migration not yet applied; raises if one fails."""
    activate(engine)
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="polls")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{output.getvalue()}")


async def ping(engine: Engine) -> bool:
    """True when the database answers a trivial query."""
    try:
        await asyncio.wait_for(engine._run_in_new_connection("SELECT 1")
                               if isinstance(engine, FastSQLiteEngine)
                               else engine.run_querystring(QueryString("SELECT 1")), 3)
    except (OSError, sqlite3.Error, asyncio.TimeoutError, Exception):  # noqa: BLE001
        return False
    return True
