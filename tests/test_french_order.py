"""French order and search folding: the dashboard, both exports, check-in and the sign-in sheet agree."""

import csv
import io
import re

import openpyxl
import pytest
from organisers_support import add_organiser, login, register

# In French (and Unicode) order; code-point order would put Çakır, Ébrard, Łukasz and Ørsted after Zola.
IN_ORDER = ["Çakır", "Dupont", "Ébrard", "Lœuvre", "Łukasz", "Ørsted", "Straße", "Zola"]


@pytest.fixture
def org(make_app):
    """A logged-in organiser; every person confirmed in person, registered in scrambled order."""
    app = make_app(IN_PERSON_CAPACITY=20, ORGANISER_PAGE_SIZE=3)
    add_organiser(app)
    for n, last_name in enumerate(["Zola", "Ørsted", "Straße", "Ébrard", "Çakır", "Łukasz", "Dupont", "Lœuvre"]):
        organisation = "Musée de l’Œuvre" if last_name == "Dupont" else f"Mairie {n}"
        register(app, n=n, last_name=last_name, first_name="Jean-Marc", organisation=organisation)
    client = app.test_client()
    login(client)
    return client


def dashboard_names(client, **query) -> list[str]:
    """Last names of the dashboard list, every page followed in turn."""
    names, page = [], 1
    while True:
        text = client.get("/organisateurs/", query_string={**query, "page": page}).text
        names += re.findall(r'<th scope="row">([^<]+?) Jean-Marc</th>', text)
        if f"page {page} sur {page}" in text or "page " not in text:
            return names
        page += 1


def test_dashboard_sorts_names_in_french_order_across_pages(org):
    assert dashboard_names(org, tri="nom") == IN_ORDER
    assert dashboard_names(org, tri="-nom") == IN_ORDER[::-1]


def test_both_exports_and_the_sign_in_sheet_use_the_same_order(org):
    text = org.get("/organisateurs/export.csv").data.decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(text, newline=""), delimiter=";")][1:] == IN_ORDER
    sheet = openpyxl.load_workbook(io.BytesIO(org.get("/organisateurs/export.xlsx").data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == IN_ORDER
    sign_in = org.get("/organisateurs/pointage/emargement").text
    assert re.findall(r"<tr><td>([^<]+)</td><td>Jean-Marc</td>", sign_in) == IN_ORDER
    checkin = org.get("/organisateurs/pointage").text
    assert re.findall(r"<strong>([^<]+)</strong> Jean-Marc", checkin) == IN_ORDER


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("loeuvre", {"Lœuvre", "Dupont"}),  # œ spelled out, apostrophe dropped (Musée de l’Œuvre)
        ("strasse", {"Straße"}),
        ("orsted", {"Ørsted"}),
        ("lukasz", {"Łukasz"}),
        ("cakir", {"Çakır"}),
        ("EBRARD", {"Ébrard"}),
        ("jeanmarc zola", {"Zola"}),  # hyphen dropped
        ("l'oeuvre", {"Lœuvre", "Dupont"}),
    ],
)
def test_search_folds_the_same_on_the_dashboard_and_at_check_in(org, typed, found):
    assert set(dashboard_names(org, q=typed)) == found
    checkin = org.get("/organisateurs/pointage", query_string={"q": typed}).text
    assert set(re.findall(r"<strong>([^<]+)</strong> Jean-Marc", checkin)) == found
