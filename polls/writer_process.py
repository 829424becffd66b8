"""The SQLite group commit's submissions written by a process of its own (``polls serve``).

In one process, the batch writer's thread has to take the interpreter lock back from the
event loop after every statement of a batch (SQLite gives it up while it works): under a
phone's flow a batch of about 32 submissions took 27-41 ms of wall time for 12-17 ms of
the thread's CPU, and a phone's submission waited for most of that. Here the thread hands
the batch's submissions (``db.Bulk`` jobs, plain data) to a child process over a pipe and
waits without the lock; the child runs the same ``BatchWriter`` code on a connection of its
own, under the same ``WriterLock`` as every other writer of the database, and sends back
the outcomes. Nobody is told "stored" before the child's commit has returned, as before.

If the child is gone (killed, crashed), the batch fails as a database out of reach would
(``sqlite3.OperationalError``: 503, the phone keeps its answers and sends them again), and
the next batch starts a new child.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import multiprocessing
import sqlite3
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

STOP = None
"""Sent instead of a batch: the child closes its connection and ends."""
JOBS_MODULE = "polls.services.submission"
"""Where the jobs' classes (``_SqliteItem``, ``SQLITE_SUBMISSIONS``) come from."""
READY = "ready"
"""The child's first message, once it can write."""


class WriterProcess:
    """A child process that runs batches of ``db.Bulk`` jobs for the batch writer's thread.
    ``make_writer`` (picklable: a module-level function and its arguments) builds, in the
    child, the ``BatchWriter`` whose ``_run_batch`` does the work."""

    def __init__(self, make_writer: Callable[..., Any], *args: Any) -> None:
        self._make_writer = make_writer
        self._args = args
        self._pipe: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        """Start the child now and wait until it can write (it imports the app's modules:
        about half a second, which a server spends before it serves, not on a phone)."""
        if self._pipe is None:
            self._start()

    def _start(self) -> Connection:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(theirs, self._make_writer, self._args),
            name="polls-writer",
            daemon=False,  # a uvicorn worker may itself be a daemon's child: ended by STOP
        )
        process.start()
        theirs.close()
        self._pipe, self._process = ours, process
        try:
            ready = ours.recv()
        except (EOFError, OSError) as gone:
            self._forget()
            raise sqlite3.OperationalError("the writer process did not start") from gone
        if isinstance(ready, BaseException):
            self._forget()
            raise ready
        return ours

    def run(self, jobs: list[Any]) -> list[Any]:
        """The outcomes of ``jobs``, run and committed by the child (in the caller's thread,
        which waits on the pipe without the interpreter lock)."""
        pipe = self._pipe or self._start()
        try:
            pipe.send(jobs)
            answer = pipe.recv()
        except (EOFError, OSError) as gone:
            self._forget()
            raise sqlite3.OperationalError("the writer process stopped") from gone
        if isinstance(answer, BaseException):  # the commit itself failed: nothing stored
            raise answer
        return answer

    def _forget(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
        if self._process is not None:
            self._process.join(timeout=5)
        self._pipe = self._process = None

    def close(self) -> None:
        if self._pipe is not None:
            with contextlib.suppress(OSError):
                self._pipe.send(STOP)
        self._forget()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


def _serve(pipe: Connection, make_writer: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        writer = make_writer(*args)
        writer.open()
        # what unpickling the first batch would import, with a phone waiting on it
        importlib.import_module(JOBS_MODULE)
    except BaseException as error:
        pipe.send(error)
        return
    gc.collect()
    gc.freeze()  # as the server's workers do (``app._freeze_startup_heap``)
    pipe.send(READY)
    try:
        while True:
            try:
                jobs = pipe.recv()
            except EOFError:  # the server's process is gone
                return
            if jobs is STOP:
                return
            try:
                pipe.send(writer._run_batch(jobs))
            except BaseException as error:  # sent to the waiting thread, which raises it
                pipe.send(error)
    finally:
        writer.close_here()
