"""The public event page, its tabs (full page vs htmx fragment) and the legal pages."""

import json
import re

import pytest

from jnt.typography import french

TAB_URLS = ["/", "/programme", "/infos-pratiques", "/forum"]
PAGES = [*TAB_URLS, "/accessibilite", "/mentions-legales", "/donnees-personnelles", "/inscription"]
HTMX = {"HX-Request": "true"}

# Every fact of the announcement, and the page(s) it must appear on.
FACTS = {
    "/": [
        "Journée Numérique &amp; Territoires",
        "Journée d&#39;échanges",
        "vous convient à la première édition de la Journée Numérique &amp; Territoires",
        "mercredi 18 janvier 2023",
        "9h",
        "17h30",
        "Direction interministérielle du numérique",
        "20 avenue de Ségur, 75007 Paris",
        "visioconférence",
        "Entrée libre, inscription obligatoire",
        "Le nombre de places étant limité, nous vous invitons à confirmer votre présence avant le 6 janvier 2023.",
        "deuxième anniversaire du fonds France Relance",
        "« Transformation numérique des collectivités territoriales »",
        "mettra à l’honneur les lauréats du fonds et leurs réalisations",
        "mutualiser et d&#39;accélérer les projets de communs numériques",
        "ouverte à tous les agents et élus des collectivités territoriales",
        "rencontrer et échanger avec vos pairs et des représentants de l’État",
        "S’inscrire",
    ],
    "/programme": [
        "9h</time>–<time",
        "Accueil des participants",
        "Accueil café / petit-déjeuner",
        "quels résultats 2 ans après ?",
        "1ère séquence plénière",
        "<em>Quels types de projets ont été financés ? Quelles collectivités ont bénéficié des près de 88 millions €",
        "<strong>Patrick Ruestchmann</strong>, chef de la mission transformation numérique de l’État",
        "<strong>Caroline Corbal</strong>, directrice de la mission incubateur des territoires",
        "<strong>Maria Cotora</strong>, cheffe du programme transformation numérique des territoires",
        "<strong>Claire Orosco</strong>, responsable du fonds pour la transformation de l’action publique",
        "<strong>Amélie Durozoy</strong>, coordinatrice du réseau des laboratoires d’innovation",
        "<strong>Gwenaëlle Martinet</strong>, conseillère auprès du directeur général, cheffe de projet « France Relance »",
        "Agence nationale de la sécurité des systèmes d’information (ANSSI)",
        "Des pitchs de présentation/démonstration de projets lauréats sont également prévus.",
        "Table-ronde « Comment accélérer la mutualisation des produits et services numériques entre acteurs publics ? »",
        "2e séquence plénière",
        "Le panel sera composé d’intervenants issus de l’administration centrale (DINUM, DITP, ANCT)",
        "Un « Forum » sur la transformation numérique des territoires",
        "12h30",
        "14h",
        "16h",
    ],
    "/infos-pratiques": [
        "mercredi 18 janvier 2023",
        "De <time",
        "17h30",
        "20 avenue de Ségur",
        "75007 Paris",
        "Entrée libre, inscription obligatoire",
        "Nous encourageons toutefois vivement une participation <em>in situ</em>",
        "Le nombre de places étant limité",
        "avant le 6 janvier 2023",
        "jusqu’au jeudi 5 janvier 2023 à 23h59 (heure de Paris)",
        "SGAR et chargés de transformation numérique",
        "Direction interministérielle du numérique (DINUM)",
        "Agence nationale de la cohésion des territoires (ANCT)",
        "Direction interministérielle de la transformation publique (DITP)",
    ],
    "/forum": [
        "Exemples de produits et services",
        ">API</a>",
        ">FranceConnect</a>",
        ">Incubateur des territoires</a>",
        "Laboratoires d’innovation territoriale",
        "De 16h à 17h30",
    ],
}


@pytest.fixture
def client(read_only_client):
    """These tests only read pages: they share one app."""
    return read_only_client


def html_of(client, url, **kw):
    response = client.get(url, **kw)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "fact"), [(u, f) for u, facts in FACTS.items() for f in facts])
def test_announcement_fact_on_its_page(client, url, fact):
    # The announcement's words, with French typography (« 1re », ’, no-break spaces).
    assert french(fact.replace("&#39;", "'")) in html_of(client, url)


# Statements the announcement does not make, and a word a visitor cannot place.
NOT_IN_THE_ANNOUNCEMENT = ["sans limite de places", "Stand de", "équipe de la", "annonce", "France Connect"]


@pytest.mark.parametrize("url", PAGES)
def test_nothing_invented_reads_as_fact(client, url):
    text = html_of(client, url)
    assert [phrase for phrase in NOT_IN_THE_ANNOUNCEMENT if phrase in text] == []


@pytest.mark.parametrize("url", TAB_URLS)
def test_tab_url_is_a_full_page_without_htmx(client, url):
    html = html_of(client, url)
    assert html.startswith("<!doctype html>")
    assert 'class="fr-header"' in html and 'class="fr-footer"' in html
    assert html.count('role="tabpanel"') == 1
    assert html.count('aria-selected="true"') == 1


@pytest.mark.parametrize(("url", "slug"), [("/", "programme"), ("/programme", "programme"), ("/forum", "forum")])
def test_selected_tab_matches_url(client, url, slug):
    html = html_of(client, url)
    assert re.search(rf'id="onglet-{slug}"[^>]*aria-selected="true" aria-controls="panneau-{slug}"', html)
    assert f'id="panneau-{slug}"' in html


@pytest.mark.parametrize("url", TAB_URLS)
def test_tab_fragment_for_htmx(client, url):
    response = client.get(url, headers=HTMX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<head" not in html and "fr-header" not in html
    assert html.strip().startswith('<div id="onglets"')
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize("url", TAB_URLS)
def test_full_page_also_varies_on_hx_request(client, url):
    assert "HX-Request" in client.get(url).headers["Vary"]


def test_history_restore_gets_the_full_page(client):
    html = html_of(client, "/forum", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert html.startswith("<!doctype html>")


def test_tab_fragment_is_the_panel_template_of_the_full_page(client):
    fragment = html_of(client, "/forum", headers=HTMX).strip()
    assert fragment in html_of(client, "/forum")


def test_tabs_use_valid_data_hx_attributes(client):
    html = html_of(client, "/")
    assert "data-hx-get=" in html
    assert not re.search(r"\shx-[a-z]", html)


@pytest.mark.parametrize("url", PAGES)
def test_page_loads_nothing_from_another_host(client, url):
    html = html_of(client, url)
    for attr in re.findall(r'<(?:script|link|img)[^>]*(?:src|href)="([^"]+)"', html):
        assert attr.startswith("/static/") or attr.startswith(client.application.config["PUBLIC_URL"] + "/"), attr


def test_event_page_metadata(client):
    html = html_of(client, "/")
    assert "<title>Programme — Journée Numérique &amp; Territoires — mercredi 18 janvier 2023</title>" in html
    assert '<meta name="description" content="' in html
    assert '<meta property="og:title"' in html and '<meta property="og:description"' in html
    assert '<link rel="canonical" href="http://127.0.0.1:5000/">' in html  # PUBLIC_URL, never the Host header


def test_event_json_ld_describes_the_event(client):
    html = html_of(client, "/")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Event"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["startDate"] == "2023-01-18T09:00:00+01:00"
    assert data["endDate"] == "2023-01-18T17:30:00+01:00"
    assert data["isAccessibleForFree"] is True
    place, virtual = data["location"]
    assert place["address"]["streetAddress"] == "20 avenue de Ségur"
    assert virtual["@type"] == "VirtualLocation"
    assert [o["name"] for o in data["organizer"]] == [
        "Direction interministérielle du numérique",
        "Agence nationale de la cohésion des territoires",
        "Direction interministérielle de la transformation publique",
    ]


def test_header_names_the_three_organisers(client):
    html = html_of(client, "/mentions-legales")
    header = html.split('<header class="fr-header">')[1].split("</header>")[0]
    for acronym in ("DINUM", "ANCT", "DITP"):
        assert f">{acronym}</abbr>" in header
    assert "République<br>Française" in header


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/accessibilite", "Déclaration d’accessibilité"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
    ],
)
def test_footer_mandatory_page_exists(client, url, title):
    assert f'href="{url}"' in html_of(client, "/")
    assert f"<h1>{title}</h1>" in html_of(client, url)


def test_unknown_page_is_a_french_404(client):
    response = client.get("/nulle-part")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Page non trouvée" in html and 'class="fr-header"' in html


def test_preview_banner_on_every_page(client):
    for url in PAGES:
        assert "Mode aperçu" in html_of(client, url), url


def test_no_preview_banner_without_preview_clock(make_app):
    client = make_app(PREVIEW_NOW=None).test_client()
    assert "Mode aperçu" not in html_of(client, "/")


def test_user_independent_pages_are_escaped(client):
    # The content file is data, not markup: its & is escaped in every page.
    assert "Numérique & Territoires" not in html_of(client, "/").split("<script")[0]


def test_vendored_stylesheet_references_only_shipped_files():
    from pathlib import Path

    css_path = Path(__file__).parent.parent / "jnt" / "static" / "vendor" / "dsfr" / "dsfr.min.css"
    css = css_path.read_text(encoding="utf-8")
    for ref in re.findall(r"url\(([^)]+)\)", css):
        ref = ref.strip("'\"")
        if not ref.startswith("data:"):
            assert (css_path.parent / ref).is_file(), ref
