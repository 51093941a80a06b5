"""Reading and preparing a big file in a second process while this one writes to SQLite.

Parsing JSON and building rows is about half the CPU of an ingest, and the SQLite writing the
other half; on two cores they overlap. A forked child reads the file's records, prepares each
batch (``prepare``, no database) and sends it through a pipe; the parent does every database
step in its one transaction, exactly as when it reads the file itself.

Failure handling: if the child raises, the exception is sent and re-raised in the parent
(which rolls the file back); if the child dies, the parent sees the pipe close and raises
:class:`ReadAheadError`. If the parent dies (Ctrl-C, SIGKILL), the child's next send fails on
the broken pipe and it exits; it ignores SIGINT so that Ctrl-C reaches the parent only.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from multiprocessing.connection import Connection
from typing import Any

from ..errors import PqaError


class ReadAheadError(PqaError):
    """The process reading the file ended without finishing it."""


def available() -> bool:
    """True where a reading process can be forked: POSIX, called from the main thread.

    The child runs only the reader (file, gzip, orjson, pickle, the pipe), none of which takes
    a lock another thread may hold at the fork (the CLI's progress bar thread holds only Rich's
    own); an ingest run from a worker thread (an app's) keeps the one-process path.
    """
    return (
        "fork" in multiprocessing.get_all_start_methods()
        and threading.current_thread() is threading.main_thread()
    )


@contextmanager
def read_ahead(
    items: Iterable[Any],
    prepare: Callable[[list[Any]], Any],
    batch_size: int,
    position: Callable[[], int | None],
    source: str,
) -> Iterator[Iterator[tuple[Any, int | None]]]:
    """Yield an iterator of ``(prepare(batch), position after it)`` computed in a child.

    The child is stopped when the ``with`` block ends, whether the file was finished or not.
    """
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_produce,
        args=(receiver, sender, items, prepare, batch_size, position),
        name=f"pqa ingest reader: {source}",
        daemon=True,  # ended by multiprocessing when this process exits normally
    )
    child.start()
    sender.close()  # only the child writes: its death closes the pipe
    try:
        yield _receive(receiver, child, source)
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _receive(
    receiver: Connection, child: multiprocessing.process.BaseProcess, source: str
) -> Iterator[tuple[Any, int | None]]:
    while True:
        try:
            message = receiver.recv()
        except EOFError:
            child.join(timeout=5)
            raise ReadAheadError(
                f"{source}: the process reading this file ended unexpectedly (exit code "
                f"{child.exitcode}); nothing from this file was kept. Run the command again; "
                "if it happens again, the machine may be out of memory."
            ) from None
        if message is None:
            return
        if isinstance(message, BaseException):
            raise message
        yield message


def _produce(
    receiver: Connection,
    sender: Connection,
    items: Iterable[Any],
    prepare: Callable[[list[Any]], Any],
    batch_size: int,
    position: Callable[[], int | None],
) -> None:
    """The child: read, prepare and send batches; then ``None``, or the exception raised."""
    receiver.close()  # else the pipe would stay open for the child itself if the parent died
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.disable()  # as in the parent's batch loop: records hold no cycles
    try:
        items = iter(items)
        while batch := list(islice(items, batch_size)):
            prepared = prepare(batch)
            batch.clear()
            sender.send((prepared, position()))
        sender.send(None)
    except BrokenPipeError:
        return  # the parent is gone: nobody to tell
    except Exception as e:  # noqa: BLE001 - any failure of a format's reader goes to the parent
        sender.send(_sendable(e))


def _sendable(error: Exception) -> Exception:
    """``error`` itself when it survives pickling, else a :class:`ReadAheadError` saying it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # noqa: BLE001 - an exception class whose arguments do not round-trip
        return ReadAheadError(f"{type(error).__name__}: {error}")
    return error
