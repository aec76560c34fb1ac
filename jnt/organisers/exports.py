"""Exports of the registrations: one row generator, a CSV writer and an XLSX writer."""

import csv
import datetime as dt
import io
from collections.abc import Iterator

from flask import Blueprint, Response, current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from .. import clock, collation
from ..database import write
from ..forms import STRUCTURE_TYPES
from ..models import CANCELLED, Registration, Role, db
from . import audit
from .auth import requires

bp = Blueprint("exports", __name__)
HEADER = (
    "Nom", "Prénom", "Adresse e-mail", "Organisation", "Type de structure", "Fonction", "Mode",
    "Statut", "Besoins d’accessibilité", "Date d’inscription", "Présence enregistrée le",
    "Connexion à distance le", "Origine", "Hors jauge",
)  # fmt: skip
# A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would run as a formula; the text itself is kept."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC timestamp as a naive time of the event's zone (what the organisers read)."""
    tz = current_app.extensions["jnt_event"].tz
    return moment.replace(tzinfo=dt.UTC).astimezone(tz).replace(tzinfo=None) if moment else None


def rows() -> Iterator[tuple]:
    """The header, then one row per registration (in French name order): the only source of both exports."""
    types = dict(STRUCTURE_TYPES)
    yield HEADER
    live = select(Registration).where(Registration.status != CANCELLED)
    for r in sorted(db.session.scalars(live), key=collation.person_key):
        texts = (r.last_name, r.first_name, r.email or "", r.organisation,
                 types.get(r.structure_type, r.structure_type), r.job_title, r.mode.label, r.status.label,
                 r.accessibility_needs or "")  # fmt: skip
        origin = "Ajout sur place" if r.walk_in else "Inscription"
        yield (*(neutralise(t) for t in texts), _local(r.created_at), _local(r.checked_in_at), _local(r.joined_at),
               origin, "Oui" if r.over_capacity else "")  # fmt: skip


def _csv_cell(value) -> str:
    """A CSV cell: dates as « AAAA-MM-JJ HH:MM », nothing for None."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def write_csv(source: Iterator[tuple]) -> tuple[bytes, int]:
    """UTF-8 with BOM and semicolons (French Excel), RFC 4180 quoting and CRLF; returns (bytes, data rows)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    count = -1
    for row in source:
        writer.writerow([_csv_cell(v) for v in row])
        count += 1
    return ("\ufeff" + buffer.getvalue()).encode("utf-8"), count


# Column widths in characters, in HEADER's order: wide enough to read without resizing.
XLSX_WIDTHS = (20, 18, 32, 32, 24, 24, 12, 16, 32, 17, 17, 17, 16, 12)


def write_xlsx(source: Iterator[tuple]) -> tuple[bytes, int]:
    """An XLSX workbook written by openpyxl: bold frozen header, filters, column widths; returns (bytes, data rows)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Inscriptions")
    # A write-only sheet takes its layout before its first row.
    sheet.freeze_panes = "A2"
    for i, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    header = next(source)
    cells = []
    for title in header:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for row in source:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count


def _download(kind: str, content: bytes, count: int, mimetype: str) -> Response:
    """Send the file as an attachment named with today's date, after logging the export."""
    with write():
        audit.record(f"export-{kind}", detail=f"{count} lignes")
    today = clock.now().astimezone(current_app.extensions["jnt_event"].tz).date()
    name = f"inscriptions-jnt-{today.isoformat()}.{kind}"
    response = Response(content, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.get("/export.csv")
@requires(Role.ORGANISATION)
def export_csv():
    """All registrations as CSV."""
    content, count = write_csv(rows())
    return _download("csv", content, count, "text/csv; charset=utf-8")


@bp.get("/export.xlsx")
@requires(Role.ORGANISATION)
def export_xlsx():
    """All registrations as XLSX."""
    content, count = write_xlsx(rows())
    return _download("xlsx", content, count, XLSX_TYPE)
