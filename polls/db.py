"""Database engines: which one the settings ask for, how it starts and stops, migrations,
and ``write()``, the fast path for the hottest write (storing a response).

Piccolo's stock ``SQLiteEngine`` opens a new connection (and a thread) for every query
outside a transaction, and for every transaction. ``FastSQLiteEngine`` keeps long-lived
connections instead: one writer, used for every write and transaction and serialized by an
``asyncio.Lock`` (SQLite allows one writer at a time anyway, and waiting on a lock beats
SQLite's busy polling), and a few readers that WAL lets run beside it.

Responses go through a group commit on SQLite (``BatchWriter``): submissions that arrive
while a commit is on disk are written together in the next transaction, with one fsync for
all. Nobody is told "stored" before the commit that holds their response has returned. A
job runs in a savepoint of its own, so one failing leaves the others whole; the jobs of one
``Bulk`` kind (submissions) run as one group, a few multi-row statements for all of them,
and a group that fails is halved until the failing job stands alone.

The write-ahead log is kept small (``WalLimit``): under steady load a passive checkpoint
rarely reaches the end of the log (readers keep older snapshots), SQLite then appends
forever and the file never shrinks (a 6 MB database was seen with a 98 MB log). So the
writer truncates the log once it passes a few MB, between two batches, and every
connection caps the file it leaves behind (``journal_size_limit``).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import io
import logging
import os
import sqlite3
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite
import asyncpg
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString
from piccolo.table import Table

from polls.settings import sqlite_synchronous_problem
from polls.tables import TABLES
from polls.writer_process import WriterProcess

T = TypeVar("T")
Item = TypeVar("Item")

BUSY_TIMEOUT_MS = 30_000

UNIQUE_VIOLATIONS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    asyncpg.UniqueViolationError,
)
"""What a write refused by a unique index raises, on SQLite and on PostgreSQL."""

Statement = tuple[str, list[Any]]
"""SQL with ``{}`` placeholders, and its arguments."""

WriteSteps = Generator[Statement, list[dict[str, Any]], T]
"""A write as a generator: it yields statements and is sent each one's rows back, so the
same steps run on SQLite's batch writer (synchronously, in its thread) and on any other
engine (asynchronously, in a transaction)."""


Outcome = tuple[bool, Any]
"""A job's end: ``(True, value)``, or ``(False, the exception its caller raises)``."""


class Bulk(Protocol[Item]):
    """A kind of write the batch writer runs for all its jobs of a batch at once.

    ``run`` stores what it can of ``items`` (in arrival order, as if one after another) on
    ``connection``, inside the batch's transaction, and gives one outcome per item; a
    refusal it expects (the poll closed, already answered) is an outcome, not an exception.
    If it raises, nothing of it is kept and the items are run again in halves, so an error
    (a random id drawn twice, an option deleted meanwhile) is the outcome of the one item
    that causes it and the others are stored as they would have been alone."""

    def run(self, connection: sqlite3.Connection, items: list[Item]) -> list[Outcome]: ...


@dataclass(frozen=True)
class _BulkJob:
    bulk: Bulk[Any]
    item: Any


Job = Callable[[], WriteSteps[Any]] | _BulkJob


class WalLimit:
    """Truncate the WAL, from the writer's thread, once it is larger than ``limit`` bytes.

    ``wal_checkpoint(TRUNCATE)`` copies the log into the database, waits for the readers
    still on older snapshots, and empties the file. It runs after a batch whose commit left
    the log past the limit, on the writer's own connection, so no write is in the way (the
    log exceeds the limit by one batch at most). It waits at most ``wait_ms`` for readers (a
    long results query); if they are still there, it is tried again only after
    ``retry_seconds``, not after every batch, so writes never stall behind it."""

    def __init__(
        self, wal: Path, limit: int, *, wait_ms: int = 200, retry_seconds: float = 0.1
    ) -> None:
        self.wal = wal
        self.limit = limit
        self.wait_ms = wait_ms
        self.retry_seconds = retry_seconds
        self._retry_at = 0.0

    def size(self) -> int:
        try:
            return os.stat(self.wal).st_size
        except FileNotFoundError:
            return 0

    def enforce(self, connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
        if self.size() <= self.limit or time.monotonic() < self._retry_at:
            return
        began = time.monotonic()
        connection.execute(f"PRAGMA busy_timeout = {self.wait_ms}")
        try:
            busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            done = not (busy["busy"] if isinstance(busy, dict) else busy[0])
        except sqlite3.Error:  # locked: the next try will do it
            done = False
        finally:
            connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        waited = time.monotonic() - began
        # refused at once: the passive checkpoint of a reader was running, try after the
        # next batch; refused after waiting: a long read, leave the writes alone a while
        slow = not done and waited * 1000 >= self.wait_ms / 2
        self._retry_at = time.monotonic() + self.retry_seconds if slow else 0.0


class WriterLock:
    """One writer at a time across the processes of a server (``polls serve --workers N``),
    handed over at once.

    Each process has its own batch writer. Without this, the second one to ``BEGIN
    IMMEDIATE`` waits in SQLite's busy handler, which sleeps and looks again (after 1, 2,
    5, ... up to 100 ms), so the lock often sits free while a batch waits. An exclusive
    ``flock`` on a file beside the database is given to the waiting writer by the kernel
    the moment the other releases it. It is taken in the writer's own thread, around the
    whole batch (transaction, commit, WAL truncation), so the event loop never waits on it
    and a batch is still one transaction, answered only after its commit."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self) -> Generator[None, None, None]:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class BatchWriter:
    """Group commit on one SQLite connection, in one thread of its own."""

    MAX_BATCH = 256

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        wal_limit: WalLimit | None = None,
        lock: WriterLock | None = None,
        remote: WriterProcess | None = None,
    ) -> None:
        self._connect = connect
        self._wal_limit = wal_limit
        self._lock = lock
        self._remote = remote
        """Runs the ``Bulk`` jobs (submissions) of each batch in a process of its own."""
        self._connection: sqlite3.Connection | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="polls-writer")
        self._pending: list[tuple[Job, asyncio.Future[Any]]] = []
        self._running: asyncio.Task[None] | None = None

    async def write(self, steps: Callable[[], WriteSteps[T]]) -> T:
        return await self._submit(steps)

    async def write_bulk(self, bulk: Bulk[Item], item: Item) -> Any:
        """``item`` written by ``bulk`` together with the batch's other items of it."""
        return await self._submit(_BulkJob(bulk, item))

    async def _submit(self, job: Job) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending[: self.MAX_BATCH], self._pending[self.MAX_BATCH :]
            try:
                outcomes = await loop.run_in_executor(
                    self._executor, self._run_batch, [job for job, _ in batch]
                )
            except BaseException as error:  # the commit itself failed: nothing was stored
                outcomes = [(False, error)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    def _held(self) -> contextlib.AbstractContextManager[None]:
        return self._lock.held() if self._lock is not None else contextlib.nullcontext()

    def _run_batch(self, jobs: list[Job]) -> list[Outcome]:
        if self._remote is None:
            with self._held():
                return self._run_batch_holding(jobs)
        # the other writes first, here, as a batch runs them before its bulk groups
        outcomes: list[Outcome | None] = [None] * len(jobs)
        local = [index for index, job in enumerate(jobs) if not isinstance(job, _BulkJob)]
        remote = [index for index, job in enumerate(jobs) if isinstance(job, _BulkJob)]
        if local:
            with self._held():
                done = self._run_batch_holding([jobs[index] for index in local])
            for index, outcome in zip(local, done, strict=True):
                outcomes[index] = outcome
        if remote:
            try:
                done = self._remote.run([jobs[index] for index in remote])
            except Exception as failed:  # its commit failed, or it is gone: none of them stored
                done = [(False, failed)] * len(remote)  # the others' commit stands
            for index, outcome in zip(remote, done, strict=True):
                outcomes[index] = outcome
        return outcomes  # type: ignore[return-value]  # every job has its outcome now

    def _run_batch_holding(self, jobs: list[Job]) -> list[Outcome]:
        if self._connection is None:
            self._connection = self._connect()
        connection = self._connection
        outcomes: list[Outcome | None] = [None] * len(jobs)
        groups: dict[Bulk[Any], list[int]] = {}  # each kind's jobs, in arrival order
        connection.execute("BEGIN IMMEDIATE")
        try:
            for index, job in enumerate(jobs):
                if isinstance(job, _BulkJob):
                    groups.setdefault(job.bulk, []).append(index)
                else:
                    outcomes[index] = _in_savepoint(connection, _drive_job, connection, job)
            for bulk, indexes in groups.items():
                items = [jobs[index].item for index in indexes]  # type: ignore[union-attr]
                for index, outcome in zip(indexes, _run_bulk(connection, bulk, items), strict=True):
                    outcomes[index] = outcome
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")
            raise
        if self._wal_limit is not None:
            self._wal_limit.enforce(connection, BUSY_TIMEOUT_MS)
        return outcomes  # type: ignore[return-value]  # every job has its outcome now

    async def keep_wal_small(self) -> None:
        """The same check outside a batch (when writes have stopped), in the writer's
        thread so it never runs beside a batch."""
        if self._wal_limit is None:
            return

        def check() -> None:
            if self._connection is None:
                self._connection = self._connect()
            assert self._wal_limit is not None
            with self._held():
                self._wal_limit.enforce(self._connection, BUSY_TIMEOUT_MS)

        await asyncio.get_running_loop().run_in_executor(self._executor, check)

    def open(self) -> None:
        """Open the connection now rather than at the first batch."""
        if self._connection is None:
            self._connection = self._connect()

    async def start(self) -> None:
        """Start the writer process, if there is one, from the writer's own thread: only
        that thread ever touches the process (it starts a new one after a death too)."""
        if self._remote is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._remote.start)

    def close_here(self) -> None:
        """Close the connection and the lock from the calling thread (the writer process,
        which runs batches in its main thread)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._lock is not None:
            self._lock.close()
        if self._remote is not None:
            self._remote.close()

    def close(self) -> None:
        self._executor.submit(self.close_here).result()


def _in_savepoint(connection: sqlite3.Connection, run: Callable[..., Any], *args: Any) -> Outcome:
    """``run(*args)``'s value, or its exception with all it wrote undone."""
    connection.execute("SAVEPOINT job")
    try:
        value = run(*args)
    except Exception as error:
        connection.execute("ROLLBACK TO job")
        connection.execute("RELEASE job")
        return (False, error)
    connection.execute("RELEASE job")
    return (True, value)


def _run_bulk(connection: sqlite3.Connection, bulk: Bulk[Item], items: list[Item]) -> list[Outcome]:
    """``bulk.run(items)``; if it raises, each half again, down to the one item that fails."""
    ok, value = _in_savepoint(connection, bulk.run, connection, items)
    if ok:
        return value
    if len(items) == 1:
        return [(False, value)]
    half = len(items) // 2
    return _run_bulk(connection, bulk, items[:half]) + _run_bulk(connection, bulk, items[half:])


def _drive_job(connection: sqlite3.Connection, job: Callable[[], WriteSteps[T]]) -> T:
    return _drive_sync(connection, job())


def _drive_sync(connection: sqlite3.Connection, steps: WriteSteps[T]) -> T:
    rows: list[dict[str, Any]] | None = None
    try:
        while True:
            sql, args = steps.send(rows)  # type: ignore[arg-type]
            rows = connection.execute(sql.replace("{}", "?"), args).fetchall()
    except StopIteration as done:
        return done.value


async def _drive_async(engine: Engine, steps: WriteSteps[T]) -> T:
    rows: list[dict[str, Any]] | None = None
    try:
        while True:
            sql, args = steps.send(rows)  # type: ignore[arg-type]
            rows = await engine.run_querystring(QueryString(sql, *args))
    except StopIteration as done:
        return done.value


async def write(engine: Engine, steps: Callable[[], WriteSteps[T]]) -> T:
    """Run ``steps`` atomically: all its statements are stored, or none."""
    if isinstance(engine, FastSQLiteEngine):
        return await engine.batch_writer.write(steps)
    async with engine.transaction():
        return await _drive_async(engine, steps())


async def write_bulk(engine: Engine, bulk: Bulk[Item], item: Item) -> Any:
    """``item`` stored by ``bulk`` in the batch writer's next batch, with the others (SQLite
    only: PostgreSQL stores each write in a statement of its own)."""
    if not isinstance(engine, FastSQLiteEngine):
        raise TypeError(f"no batch writer on {type(engine).__name__}")
    return await engine.batch_writer.write_bulk(bulk, item)


def variable_limit(connection: sqlite3.Connection) -> int:
    """How many ``?`` one statement may hold on this SQLite build (999 on old ones)."""
    return connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


async def read(engine: Engine, sql: str, args: list[Any]) -> list[dict[str, Any]]:
    """Run one ``SELECT`` (``{}`` placeholders) on a reader, outside any transaction: the
    cheap lookup of a hot path, without building a Piccolo query for it."""
    return list(await engine.run_querystring(QueryString(sql, *args, query_type="select")))


class _ReadOnSnapshot:
    """Stands for a transaction in ``current_transaction``: queries go to ``connection``."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self.connection = connection


class _RepeatableRead(PostgresTransaction):
    async def begin(self) -> None:
        self.transaction = self.connection.transaction(isolation="repeatable_read", readonly=True)
        await self.transaction.start()


@contextlib.asynccontextmanager
async def read_snapshot(engine: Engine) -> AsyncIterator[None]:
    """Every query inside reads one snapshot of the database: what was committed when the
    first of them ran, and nothing committed after. On SQLite a read transaction on one
    reader connection (WAL keeps its snapshot while the writer goes on); on PostgreSQL a
    read-only ``REPEATABLE READ`` transaction. Nothing inside may write."""
    if isinstance(engine, PostgresEngine):
        async with _RepeatableRead(engine):
            yield
        return
    if not isinstance(engine, FastSQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.deferred):  # type: ignore[call-arg]
            yield
        return
    if engine._readers is None:
        await engine.start()
    assert engine._readers is not None
    connection = await engine._readers.acquire()
    context = engine.current_transaction.set(_ReadOnSnapshot(connection))  # type: ignore[arg-type]
    try:
        await connection.execute("BEGIN")
        try:
            yield
        finally:
            await connection.execute("ROLLBACK")
    finally:
        engine.current_transaction.reset(context)
        engine._readers.release(connection)


def is_postgres(engine: Engine) -> bool:
    """PostgreSQL writes several tables in one statement (data-modifying ``WITH``)."""
    return isinstance(engine, PostgresEngine)


async def write_one(engine: Engine, sql: str, args: list[Any]) -> list[Any]:
    """Run one statement on its own, outside a transaction block: one round trip. A single
    statement is atomic by itself, so this is all or nothing like ``write``."""
    if isinstance(engine, FastSQLiteEngine):

        def one() -> WriteSteps[list[Any]]:
            return (yield (sql, args))

        return await engine.batch_writer.write(one)
    return list(await engine.run_querystring(QueryString(sql, *args)))


class FairPool:
    """Connections handed out in the order they were asked for.

    ``asyncio.Queue`` lets a newcomer take a connection that was just returned before the
    waiter it woke gets to run; under steady load one waiter can starve for seconds. Here a
    returned connection goes straight to the longest waiter.
    """

    def __init__(self, connections: list[aiosqlite.Connection]) -> None:
        self._idle: deque[aiosqlite.Connection] = deque(connections)
        self._waiters: deque[asyncio.Future[aiosqlite.Connection]] = deque()

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle and not self._waiters:
            return self._idle.popleft()
        waiter: asyncio.Future[aiosqlite.Connection] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())
            raise

    def release(self, connection: aiosqlite.Connection) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._idle.append(connection)


class FastSQLiteEngine(SQLiteEngine):
    CHECKPOINT_EVERY = 1.0
    WAL_LIMIT_BYTES = 4 * 1024 * 1024
    """The log is truncated past this, and no connection leaves a larger file behind."""

    def __init__(
        self,
        path: str,
        synchronous: str = "FULL",
        readers: int = 2,
        wal_limit_bytes: int | None = WAL_LIMIT_BYTES,
        writer_lock: bool = True,
        writer_process: bool = False,
    ) -> None:
        problem = sqlite_synchronous_problem(synchronous)
        if problem:
            raise ValueError(problem)
        super().__init__(path=path, timeout=30)
        self.wal_limit_bytes = wal_limit_bytes
        """None: no limit (SQLite's own behaviour, for the WAL bench's comparison)."""
        self.batch_writer = BatchWriter(
            self._connect_sync,
            WalLimit(Path(path + "-wal"), wal_limit_bytes) if wal_limit_bytes else None,
            WriterLock(Path(path + "-writer")) if writer_lock else None,
            WriterProcess(_process_writer, path, synchronous, wal_limit_bytes, writer_lock)
            if writer_process
            else None,
        )
        self.synchronous = synchronous
        self.reader_count = readers
        self._writer: aiosqlite.Connection | None = None
        self._readers: FairPool | None = None
        self._all: list[aiosqlite.Connection] = []
        self._write_lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self._checkpointer: asyncio.Task[None] | None = None

    def _pragmas(self) -> list[str]:
        limit = [f"PRAGMA journal_size_limit = {self.wal_limit_bytes}"]
        return [
            "PRAGMA journal_mode = WAL",
            f"PRAGMA synchronous = {self.synchronous}",
            "PRAGMA foreign_keys = ON",
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            *(limit if self.wal_limit_bytes else []),
            # deleted rows (the unlinking step's old copies, destroyed keys) are zeroed in
            # the file instead of lingering in free pages
            "PRAGMA secure_delete = ON",
        ]

    def _connect_sync(self) -> sqlite3.Connection:
        connection = sqlite3.connect(**{**self.connection_kwargs, "check_same_thread": False})
        connection.row_factory = dict_factory
        for pragma in self._pragmas():
            connection.execute(pragma)
        # The batch writer never stops to checkpoint the WAL; a reader does it beside it.
        connection.execute("PRAGMA wal_autocheckpoint = 0")
        return connection

    async def _checkpoint_forever(self) -> None:
        """Every second: with a WAL limit, the writer truncates a log past it (the load
        may have stopped just after the batch that grew it); without one, a reader folds
        the log back into the database without blocking writers (SQLite's way, which
        cannot keep the file small under load). Never both: two checkpointers refuse each
        other and the log outgrows the limit."""
        while True:
            await asyncio.sleep(self.CHECKPOINT_EVERY)
            if self.wal_limit_bytes:
                with contextlib.suppress(sqlite3.Error):
                    await self.batch_writer.keep_wal_small()
                continue
            if self._readers is None:
                continue
            connection = await self._readers.acquire()
            try:
                await connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error:
                pass
            finally:
                self._readers.release(connection)

    async def _connect(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in self._pragmas():
            await connection.execute(pragma)
        self._all.append(connection)
        return connection

    async def start(self) -> None:
        async with self._start_lock:
            if self._writer is not None:
                return
            await self.batch_writer.start()
            self._writer = await self._connect()
            self._readers = FairPool([await self._connect() for _ in range(self.reader_count)])
            self._checkpointer = asyncio.create_task(self._checkpoint_forever())

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
        await asyncio.get_running_loop().run_in_executor(None, self.batch_writer.close)
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
        if query_type == "select" or (
            query_type == "raw" and query.lstrip()[:6].upper() == "SELECT"
        ):
            if self._readers is None:
                await self.start()
            assert self._readers is not None
            connection = await self._readers.acquire()
            try:
                return await self._execute(connection, query, args)
            finally:
                self._readers.release(connection)
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


def _process_writer(
    path: str, synchronous: str, wal_limit_bytes: int | None, writer_lock: bool
) -> BatchWriter:
    """The writer process's own batch writer (``writer_process.WriterProcess``)."""
    engine = FastSQLiteEngine(
        path, synchronous, wal_limit_bytes=wal_limit_bytes, writer_lock=writer_lock
    )
    return engine.batch_writer


def engine_for_url(
    database_url: str, sqlite_synchronous: str = "FULL", *, writer_process: bool = False
) -> Engine:
    """The engine of ``database_url``. ``writer_process``: SQLite's submissions are written
    by a process of their own (a server's worker; ``writer_process``)."""
    if database_url.startswith("sqlite"):
        return FastSQLiteEngine(
            path=database_url.removeprefix("sqlite:///"),
            synchronous=sqlite_synchronous,
            writer_process=writer_process,
        )
    if database_url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": database_url})
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://: {database_url!r}")


def activate(engine: Engine) -> None:
    """Point every table, and Piccolo's own migration machinery, at ``engine``."""
    import piccolo_conf

    piccolo_conf.DB = engine  # type: ignore[attr-defined]
    tables: tuple[type[Table], ...] = (*TABLES, Migration)
    for table in tables:
        table._meta.db = engine


async def _keep_session(connection: Any) -> None:
    """What a connection goes back to the pool with, instead of asyncpg's reset query
    (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``, a round trip after
    every query: half of a submission's). asyncpg still rolls back a transaction left open
    and drops listeners before calling this. The app leaves nothing else in a session: no
    ``SET`` (asyncpg restores the ``jit`` it turns off to introspect types), no session
    advisory lock (``pg_try_advisory_xact_lock`` ends with its transaction), no ``LISTEN``,
    no cursor outside a transaction; ``tests/test_db.py`` checks a pooled connection is
    handed out clean."""


POOL_OPTIONS: dict[str, Any] = {"min_size": 2, "max_size": 20, "reset": _keep_session}


async def start(engine: Engine) -> None:
    if isinstance(engine, FastSQLiteEngine):
        await engine.start()
    elif isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(**POOL_OPTIONS)


POOL_CLOSE_SECONDS = 10.0
"""How long shutdown waits for PostgreSQL connections still in use before ending them."""


async def stop(engine: Engine) -> None:
    if isinstance(engine, FastSQLiteEngine):
        await engine.close()
    elif isinstance(engine, PostgresEngine) and engine.pool is not None:
        # asyncpg's close() waits for every connection to come back; one that never does
        # (its request cut off while the server ended it) must not hang the shutdown.
        pool, engine.pool = engine.pool, None
        try:
            await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
        except TimeoutError:
            logging.getLogger("polls.db").warning(
                "PostgreSQL connections still in use after %.0f s: ended", POOL_CLOSE_SECONDS
            )
            pool.terminate()


async def migrate(engine: Engine, *, quiet: bool = False) -> None:
    """Apply every migration not yet applied; raises if one fails."""
    activate(engine)
    output = io.StringIO()
    with contextlib.redirect_stdout(output) if quiet else contextlib.nullcontext():
        result = await run_forwards(app_name="polls")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{output.getvalue()}")


LOGGED_STATEMENTS = frozenset({"all", "mod"})
"""``log_statement`` values that write every INSERT, with its answers and keys, to the
server's log."""

log = logging.getLogger("polls.db")


async def statement_logging(engine: Engine) -> str | None:
    """PostgreSQL's ``log_statement`` for this session (database and role settings
    included); None on SQLite."""
    if not isinstance(engine, PostgresEngine):
        return None
    rows = await engine.run_querystring(QueryString("SHOW log_statement"))
    return str(rows[0]["log_statement"]) if rows else None


async def warn_if_statements_logged(engine: Engine) -> bool:
    """Log a warning at start when PostgreSQL logs every write: its log would hold each
    answer beside its duplicate key, whatever the application does (README, privacy)."""
    try:
        setting = await statement_logging(engine)
    except Exception:  # the database not answering is the readiness check's business
        return False
    if setting in LOGGED_STATEMENTS:
        log.warning(
            "PostgreSQL log_statement is %r: the server log records every answer with its "
            "duplicate key. Set it to 'ddl' or 'none' for this database "
            "(ALTER DATABASE ... SET log_statement = 'none').",
            setting,
        )
        return True
    return False
