"""Why an ingest stopped: the errors the pipeline raises (the CLI turns them into messages)."""

from __future__ import annotations

from ..errors import PqaError


class IngestError(PqaError):
    """An input that cannot be ingested at all (unknown format, unreadable file)."""


class StrictReject(IngestError):
    """``--strict`` and a line was rejected: the file was rolled back."""

    exit_code = 3
