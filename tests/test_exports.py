"""CSV and XLSX exports, read back with the csv module and openpyxl."""

import csv
import io
import re

import openpyxl
import pytest
from organisers_support import add_organiser, login, register

from jnt.models import AuditEntry, db
from jnt.organisers.exports import HEADER

TRICKY = {
    "last_name": '=HYPERLINK("http://x")',
    "first_name": "Hélène",
    "organisation": "+33 6 12 34 56 78",
    "job_title": '-Cheffe; "projet"',
    "accessibility_needs": "@SUM(A1)\nsur deux lignes",
}


@pytest.fixture
def org(app):
    """A logged-in organiser; one ordinary registration and one full of spreadsheet traps."""
    add_organiser(app)
    register(app, n=1, last_name="Zoé", organisation="Conseil départemental de l’Hérault")
    register(app, n=2, **TRICKY)
    register(app, n=3, first_name="\tTab", last_name="\rRetour", mode="remote")
    client = app.test_client()
    login(client)
    return client


def by_email(rows: list[list]) -> dict:
    return {row[2]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}


def test_csv_export_opens_with_accents_and_neutralised_formulas(org):
    response = org.get("/organisateurs/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    # The preview clock says 2 January 2023.
    assert response.headers["Content-Disposition"] == 'attachment; filename="inscriptions-jnt-2023-01-02.csv"'
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == list(HEADER) and len(rows) == 4
    people = by_email(rows)
    assert people["personne1@example.org"]["Organisation"] == "Conseil départemental de l’Hérault"
    trap = people["personne2@example.org"]
    assert trap["Nom"] == '\'=HYPERLINK("http://x")'
    assert trap["Prénom"] == "Hélène"
    assert trap["Organisation"] == "'+33 6 12 34 56 78"
    assert trap["Fonction"] == '\'-Cheffe; "projet"'
    assert trap["Besoins d’accessibilité"] == "'@SUM(A1)\nsur deux lignes"
    assert (
        re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", trap["Date d’inscription"])
        and trap["Présence enregistrée le"] == ""
    )
    other = people["personne3@example.org"]
    assert other["Prénom"] == "'\tTab" and other["Nom"] == "'\rRetour" and other["Mode"] == "À distance"
    for row in rows:
        assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_xlsx_export_read_back_with_openpyxl(org):
    response = org.get("/organisateurs/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="inscriptions-jnt-2023-01-02.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert tuple(rows[0]) == HEADER and len(rows) == 4
    trap = by_email(rows)["personne2@example.org"]
    assert trap["Nom"] == '\'=HYPERLINK("http://x")' and trap["Prénom"] == "Hélène"
    assert trap["Organisation"] == "'+33 6 12 34 56 78"
    assert trap["Date d’inscription"].year >= 2023  # a real date cell, not text
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_xlsx_has_a_bold_frozen_header_filters_and_widths(org):
    sheet = openpyxl.load_workbook(io.BytesIO(org.get("/organisateurs/export.xlsx").data)).active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1]) and not any(cell.font.bold for cell in sheet[2])
    assert sheet.auto_filter.ref == "A1:N4"
    assert all(sheet.column_dimensions[col].width >= 12 for col in "ABCDEFGHIJKLMN")


def test_exports_share_the_same_rows(org):
    text = org.get("/organisateurs/export.csv").data.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    sheet = openpyxl.load_workbook(io.BytesIO(org.get("/organisateurs/export.xlsx").data)).active
    xlsx_rows = [[("" if v is None else v) for v in row] for row in sheet.iter_rows(values_only=True)]
    # XML (inside XLSX) reads a carriage return back as a line feed; the text is otherwise identical.
    assert [[c.replace("\r", "\n") for c in r[:9]] for r in csv_rows] == [r[:9] for r in xlsx_rows]


def test_exports_are_logged_without_personal_data(app, org, caplog):
    caplog.set_level("INFO")
    org.get("/organisateurs/export.csv")
    org.get("/organisateurs/export.xlsx")
    with app.app_context():
        exports = AuditEntry.action.like("export-%")  # not the login's entry
        entries = db.session.scalars(db.select(AuditEntry).where(exports).order_by(AuditEntry.id)).all()
        assert [(e.action, e.detail, e.registration_id) for e in entries] == [
            ("export-csv", "3 lignes", None),
            ("export-xlsx", "3 lignes", None),
        ]
        assert all(e.organiser_id == 1 for e in entries)
    assert "export-csv" in caplog.text and "3 lignes" in caplog.text
    assert "personne" not in caplog.text and "Hélène" not in caplog.text
