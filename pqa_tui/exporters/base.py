"""The exporter interface, and the data every exporter receives.

An exporter turns :class:`ExportData` (accounts with score, top reasons, triage state, owner and
last note, plus every note) into one or more files a CRM import tool takes. Exporters never
touch the database: :func:`collect` reads it once, so a plugin only formats.

Ids are stable so a re-export updates instead of duplicating: an account's external id is its
account id, a note's is ``pqa-note-<id>`` (notes are never deleted, so ids never move), a
contact's ``pqa-contact-<hash of account and user>``.

CSV files are opened in spreadsheets, where a cell starting with ``=``, ``+``, ``-``, ``@``, tab
or CR is a formula (``=IMPORTXML(...)`` can send the sheet away): :func:`csv_text` prefixes such
cells with ``'`` as OWASP recommends, unless the export asked for exact text (``raw_csv``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from ..config import Config
from ..errors import PqaError
from ..timestamps import format_ts
from ..triage import live_triage_sql
from .contacts import ExportContact, collect_contacts

TOP_REASONS = 3


class ExportError(PqaError):
    """An export that cannot be written as asked."""


@dataclass(frozen=True)
class ExportAccount:
    """One account as every exporter sees it."""

    external_id: str
    account_id: str
    name: str
    domain: str
    plan: str
    score: float
    qualified: bool
    top_reasons: list[str]
    state: str
    owner: str
    pqa_moment_at: str  # latest PQA moment, stored-time text, "" when none
    last_note: str
    last_note_at: str
    last_note_author: str


@dataclass(frozen=True)
class ExportNote:
    """One note, with enough of its account to attach it in a CRM."""

    external_id: str
    note_id: int
    account_id: str
    account_external_id: str
    account_name: str
    account_domain: str
    author: str
    at: str
    text: str


@dataclass(frozen=True)
class ExportData:
    """What an export holds. ``raw_csv`` asks for CSV cells exactly as stored (pass it on as
    ``csv_text(..., exact=data.raw_csv)``); by default formula-like cells are neutralised."""

    accounts: list[ExportAccount]
    notes: list[ExportNote]
    exported_at: str
    contacts: list[ExportContact] = field(default_factory=list)
    raw_csv: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "exported_at": self.exported_at,
            "accounts": [asdict(a) for a in self.accounts],
            "notes": [asdict(n) for n in self.notes],
            "contacts": [asdict(c) for c in self.contacts],
        }


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: ``role`` ("accounts", "notes") names it beside the others."""

    role: str
    suffix: str
    text: str
    description: str


class Exporter:
    """Base class for exporters (a plugin may subclass it or provide the same attributes).

    ``name`` is what ``pqa export --format`` takes; ``export`` returns the files, main first.
    """

    name: str = ""
    description: str = ""

    def export(self, data: ExportData) -> list[ExportFile]:
        raise NotImplementedError


def note_external_id(note_id: int) -> str:
    return f"pqa-note-{note_id}"


def reason_texts(raw: str | None) -> list[str]:
    """Reasons from a ``scores.reasons`` JSON list (strings, or objects with ``reason``)."""
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return []
    texts = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            item = item.get("reason") or item.get("text") or item.get("detector")
        if isinstance(item, str) and item:
            texts.append(item)
    return texts


def collect(
    db: sqlite_utils.Database,
    config: Config,
    *,
    notes_since: datetime | None = None,
    now: datetime | None = None,
    raw_csv: bool = False,
) -> ExportData:
    """What to export: every account that is qualified or has been triaged, best first, with
    its buyer-persona members and admins as contacts.

    ``notes_since`` limits the notes to those written at or after it (for CRMs whose import
    cannot update a note, so each note is imported once). ``raw_csv`` turns off the
    neutralising of formula-like CSV cells (see :func:`csv_text`).
    """
    now = now or datetime.now(UTC)
    cte, params = live_triage_sql(config, now=now)
    rows = db.conn.execute(
        f"""with live_triage as ({cte})
            select s.account_id, coalesce(a.name, ''), coalesce(a.domain, ''),
                   coalesce(a.plan, ''), s.score, s.qualified, s.reasons, lt.state,
                   coalesce(lt.owner, ''),
                   (select max(m.at) from pqa_moments m where m.account_id = s.account_id),
                   n.text, n.at, n.author
            from scores s
            join live_triage lt on lt.account_id = s.account_id
            left join accounts a on a.account_id = s.account_id
            left join notes n on n.id = (select max(id) from notes
                                         where notes.account_id = s.account_id)
            where s.qualified = 1
               or exists (select 1 from triage t where t.account_id = s.account_id)
            order by s.score desc, s.account_id""",
        params,
    ).fetchall()
    accounts = [
        ExportAccount(
            external_id=r[0],
            account_id=r[0],
            name=r[1] or r[0],
            domain=r[2],
            plan=r[3],
            score=round(r[4], 2),
            qualified=bool(r[5]),
            top_reasons=reason_texts(r[6])[:TOP_REASONS],
            state=r[7],
            owner=r[8],
            pqa_moment_at=r[9] or "",
            last_note=r[10] or "",
            last_note_at=r[11] or "",
            last_note_author=r[12] or "",
        )
        for r in rows
    ]
    by_id = {a.account_id: a for a in accounts}
    since = format_ts(notes_since) if notes_since else ""
    notes = []
    for note_id, account_id, author, at, text in db.conn.execute(
        "select id, account_id, author, at, text from notes where at >= ? order by id", [since]
    ):
        account = by_id.get(account_id)
        notes.append(
            ExportNote(
                external_id=note_external_id(note_id),
                note_id=note_id,
                account_id=account_id,
                account_external_id=account_id,
                account_name=account.name if account else account_id,
                account_domain=account.domain if account else "",
                author=author,
                at=at,
                text=text,
            )
        )
    contacts = collect_contacts(
        db, config, [(a.account_id, a.external_id, a.domain) for a in accounts]
    )
    return ExportData(accounts, notes, format_ts(now), contacts, raw_csv)


# OWASP "CSV Injection": cells a spreadsheet reads as a formula start with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def neutralise_formula(cell: str) -> str:
    """``'`` before a cell a spreadsheet would run as a formula; plain numbers stay numbers."""
    if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]], *, exact: bool = False) -> str:
    """RFC 4180 CSV (CRLF, quoted as needed, UTF-8 text), what CRM importers read.

    Text cells that would run as a spreadsheet formula get a leading ``'``
    (:func:`neutralise_formula`) unless ``exact``; the header is the exporter's own text.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    if exact:
        writer.writerows(rows)
    else:
        writer.writerows(
            [neutralise_formula(c) if isinstance(c, str) else c for c in row] for row in rows
        )
    return buf.getvalue()


def day_of(ts: str) -> str:
    """``YYYY-MM-DD`` of a stored time ("" stays "")."""
    return ts[:10]


def crm_account_cells(a: ExportAccount) -> tuple[str, ...]:
    """The cells CRM account files share, in their column order: external id, name, domain,
    plan, score (2 decimals), qualified (``true``/``false``), top reasons (``; ``), state,
    owner, day of the latest PQA moment. Each CRM adds its own last-note cells."""
    return (
        a.external_id,
        a.name,
        a.domain,
        a.plan,
        f"{a.score:.2f}",
        "true" if a.qualified else "false",
        "; ".join(a.top_reasons),
        a.state,
        a.owner,
        day_of(a.pqa_moment_at),
    )


def output_paths(exporter_name: str, files: list[ExportFile], out: Path | None) -> list[Path]:
    """Where each file goes: ``out`` for the main one, ``<out stem>-<role><suffix>`` beside it.

    Without ``out``: ``pqa-<exporter>-<role><suffix>`` in the current folder.
    """
    if out is None:
        return [Path(f"pqa-{exporter_name}-{f.role}{f.suffix}") for f in files]
    paths = [out]
    for f in files[1:]:
        paths.append(out.with_name(f"{out.stem}-{f.role}{f.suffix}"))
    return paths


def write_files(files: list[ExportFile], paths: list[Path]) -> None:
    """Write each file whole (UTF-8, newlines as given) next to the others."""
    for f, path in zip(files, paths, strict=True):
        if path.parent and not path.parent.exists():
            raise ExportError(f"cannot write {path}: folder {path.parent} does not exist")
        path.write_text(f.text, encoding="utf-8", newline="")


def run_exporter(
    plugins: Any,
    fmt: str,
    data: ExportData,
) -> list[ExportFile]:
    """Run the exporter named ``fmt`` from the loaded plugins; a failing plugin is named."""
    exporter = plugins.exporters.get(fmt)
    if exporter is None:
        known = ", ".join(sorted(plugins.exporters)) or "none loaded"
        raise ExportError(f"no exporter {fmt!r}; available: {known} (see `pqa plugins`)")
    try:
        files = list(exporter.export(data))
    except Exception as e:  # noqa: BLE001 - a plugin's bug is reported with its name
        owner = plugins.owners.get(("exporter", fmt), "?")
        raise ExportError(
            f"exporter {fmt!r} (plugin {owner}) failed: {type(e).__name__}: {e}"
        ) from e
    if not files:
        raise ExportError(f"exporter {fmt!r} returned no files")
    return files
