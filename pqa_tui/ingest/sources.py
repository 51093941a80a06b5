"""Where an ingest's bytes come from: a file, stdin, a ``.gz`` or an export ``.zip``.

Opens the input, decompresses it part by part, and tells its format from the first bytes
(``--format auto``), without consuming what it peeked at.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from typing import IO

from .errors import IngestError
from .formats import InputFormat

SNIFF_BYTES = 64 * 1024


def detect_format(formats: dict[str, InputFormat], head: bytes, filename: str) -> InputFormat:
    """The first format (by ``sniff_order``) whose ``sniff`` accepts the head of the file."""
    for fmt in sorted(formats.values(), key=lambda f: (getattr(f, "sniff_order", 50), f.name)):
        try:
            if fmt.sniff(head, filename):
                return fmt
        except Exception:  # noqa: BLE001 - a plugin's sniff must not break detection
            continue
    raise IngestError(
        f"{filename}: cannot tell the format from its first bytes; pass --format "
        f"({', '.join(sorted(formats))})"
    )


def open_input(path: str, stack: ExitStack) -> tuple[IO[bytes], Iterator[tuple[str, IO[bytes]]]]:
    """The raw byte stream (for progress) and the decompressed parts: (member name, stream)."""
    if path == "-":
        raw: IO[bytes] = sys.stdin.buffer
        if not hasattr(raw, "peek"):
            raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    else:
        raw = stack.enter_context(open(path, "rb", buffering=1 << 20))
    magic = raw.peek(4)[:4]  # type: ignore[attr-defined]
    if magic.startswith(b"PK\x03\x04"):
        if path == "-":  # zipfile needs to seek: spool stdin to a temporary file
            spooled = stack.enter_context(tempfile.TemporaryFile())
            shutil.copyfileobj(raw, spooled)
            spooled.seek(0)
            raw = spooled  # type: ignore[assignment]
        try:
            archive = stack.enter_context(zipfile.ZipFile(raw))
        except zipfile.BadZipFile as e:
            raise IngestError(f"{path}: not a readable zip file: {e}") from None
        return raw, zip_parts(archive, stack)
    if magic[:2] == b"\x1f\x8b":
        gz = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))
        return raw, iter([("", io.BufferedReader(gz, 1 << 20))])  # type: ignore[arg-type]
    return raw, iter([("", raw)])


def zip_parts(archive: zipfile.ZipFile, stack: ExitStack) -> Iterator[tuple[str, IO[bytes]]]:
    """Each file of an Amplitude-style export zip, in name order, gunzipped when ``.gz``."""
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        if info.is_dir() or os.path.basename(info.filename).startswith((".", "__MACOSX")):
            continue
        member = stack.enter_context(archive.open(info))
        if info.filename.endswith(".gz"):
            stream = io.BufferedReader(gzip.GzipFile(fileobj=member, mode="rb"), 1 << 20)
        else:
            stream = io.BufferedReader(member, 1 << 20)  # type: ignore[arg-type]
        yield info.filename, stream


def peek_first(parts: Iterator[tuple[str, IO[bytes]]]):
    """The head of the first part (for sniffing) and that part, not consumed."""
    first = next(parts, None)
    if first is None:
        return b"", None
    try:
        head = first[1].peek(SNIFF_BYTES)[:SNIFF_BYTES]  # type: ignore[attr-defined]
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise IngestError(f"cannot read the input: {e}") from None
    return head, first


def chain_first(first, parts):
    """The part :func:`peek_first` took out, then the others."""
    if first is not None:
        yield first
        yield from parts
