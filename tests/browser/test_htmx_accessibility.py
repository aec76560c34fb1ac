"""htmx updates a keyboard or screen-reader user can follow: focus after each swap, one persistent status region."""

import pytest
from organisers_support import EMAIL, PASSWORD, add_organiser, log_in_browser, register
from playwright.sync_api import expect
from server import Gunicorn

from browser.browser_states import fill_registration, submit, unique_email
from jnt.models import OrganiserSession, Registration, db

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAME_ELEMENT = "([before]) => before === document.getElementById('statut')"
# Focus moves when htmx has settled, a moment after the new text shows: wait for it (on a loaded machine
# the wait may be long; the limit only turns a focus that never comes into a failure).
FOCUS_WAIT = 60_000


@pytest.fixture
def checkin(tmp_path, make_app, browser):
    """The check-in page on a phone, logged in, three people expected."""
    yield from checkin_page(tmp_path, make_app, browser, capacity=3, names=["Durand", "Martin", "Petit"])


def checkin_page(tmp_path, make_app, browser, capacity: int, names: list[str]):
    """The check-in page on a phone, logged in, with people registered in this order (Alice <name>)."""
    app = make_app(IN_PERSON_CAPACITY=capacity)
    add_organiser(app)
    ids = [register(app, n=n, first_name="Alice", last_name=name) for n, name in enumerate(names)]
    settings = {"IN_PERSON_CAPACITY": capacity, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with Gunicorn(tmp_path, settings, workers=1) as server:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        log_in_browser(page, server.url, "/organisateurs/pointage")
        expect(page.locator("h1")).to_have_text("Pointage des présents")
        page.app = app
        yield page, ids
        context.close()


def settled(page) -> None:
    """Wait until htmx has finished swapping and settling (the new content is then wired up).

    A locator, not wait_for_function: the site's CSP forbids the eval Playwright would use for it.
    """
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0, timeout=FOCUS_WAIT)


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_check_in_with_the_keyboard_keeps_focus_and_announces(checkin):
    page, ids = checkin
    status = page.locator("#statut")
    before = status.element_handle()
    button = page.locator(f"#pointage-{ids[0]}")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#personne-{ids[0]}")).to_contain_text("Présence enregistrée à")
    expect(status).to_contain_text("Alice Durand\u00a0: présence enregistrée à")
    expect(status).to_contain_text("1 présent sur 3 attendus")
    expect(page.locator(f"#pointage-{ids[0]}")).to_be_focused(timeout=FOCUS_WAIT)  # the row's new button
    settled(page)  # before the next key: htmx wires the new row's form up when it settles
    page.keyboard.press("Enter")  # undo, still from the keyboard
    expect(page.locator(f"#personne-{ids[0]}")).not_to_contain_text("Présence enregistrée")
    expect(status).to_contain_text("Alice Durand\u00a0: pointage annulé – 0 présent sur 3 attendus")
    expect(page.locator(f"#pointage-{ids[0]}")).to_be_focused(timeout=FOCUS_WAIT)
    assert page.evaluate(SAME_ELEMENT, [before])  # the same live region, only its text changed


def test_search_results_are_announced_by_the_persistent_region(checkin):
    page, _ids = checkin
    status = page.locator("#statut")
    before = status.element_handle()
    page.fill("#q", "mart")
    expect(status).to_have_text("1 personne correspond")
    page.fill("#q", "zzz")
    expect(status).to_have_text("Aucune personne ne correspond à «\u00a0zzz\u00a0»")
    assert page.evaluate(SAME_ELEMENT, [before])
    # One live region per screen, and never around the results or the counter.
    assert page.locator("[aria-live], [role=status]").count() == 1
    assert page.locator("#resultats").evaluate("el => !el.closest('[aria-live], [role=status]')")


@pytest.fixture
def dashboard(tmp_path, make_app, browser):
    """The dashboard on a desktop, logged in, five registrations, two per page."""
    app = make_app(IN_PERSON_CAPACITY=10, ORGANISER_PAGE_SIZE=2)
    add_organiser(app)
    for n in range(5):
        register(app, n=n)
    settings = {"ORGANISER_PAGE_SIZE": 2, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    with Gunicorn(tmp_path, settings, workers=1) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        log_in_browser(page, server.url)
        expect(page.locator("#inscriptions-compte")).to_contain_text("page 1 sur 3")
        yield page
        context.close()


def test_pagination_moves_focus_to_the_results_and_says_the_page(dashboard):
    page = dashboard
    assert "page 1 sur 3" in page.title()
    status = page.locator("#statut")
    before = status.element_handle()
    page.get_by_role("link", name="Page suivante").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#inscriptions-compte")).to_contain_text("page 2 sur 3")
    expect(page.locator("#inscriptions-compte")).to_be_focused(timeout=FOCUS_WAIT)  # not <body>
    assert page.title().startswith("Inscriptions — page 2 sur 3 — Espace organisateurs")
    expect(status).to_have_text("5 inscriptions, page 2 sur 3")
    page.keyboard.press("Tab")  # the next stop is in the results, not the footer
    assert page.evaluate("!!document.activeElement.closest('#inscriptions')")
    assert page.evaluate(SAME_ELEMENT, [before])
    assert page.locator("#inscriptions").evaluate("el => !el.closest('[aria-live], [role=status]')")


def test_typing_a_search_keeps_focus_in_the_box_and_announces_the_count(dashboard):
    page = dashboard
    page.fill("#q", "personne3")
    expect(page.locator("#statut")).to_have_text("1 inscription correspond")
    settled(page)
    assert focused_id(page) == "q"  # settled, and focus still where the person types


def test_the_message_after_a_redirect_takes_focus(checkin):
    page, ids = checkin
    page.goto(page.url.split("/organisateurs")[0] + f"/organisateurs/inscriptions/{ids[2]}/distanciel")
    page.get_by_role("button", name="Passer à distance").click()
    expect(page.locator(".fr-alert--success")).to_contain_text("participe maintenant à distance")
    expect(page.locator(".fr-alert--success")).to_be_focused(timeout=FOCUS_WAIT)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "sans JavaScript"])
def test_every_state_of_the_form_has_its_title_and_heading(new_context, servers, javascript):
    page = new_context(java_script_enabled=javascript).new_page()
    page.goto(servers("open").url + "/inscription")
    title = "Journée Numérique & Territoires"
    assert page.title() == f"Inscription — {title}"
    submit(page)  # empty: errors
    expect(page).to_have_title(f"Erreur — Inscription — {title}")
    expect(page.locator("h1")).to_have_text(f"S’inscrire à la {title}")
    fill_registration(page, unique_email())
    submit(page)
    expect(page).to_have_url(servers("open").url + "/inscription/confirmation")
    expect(page).to_have_title(f"Inscription enregistrée — {title}")
    expect(page.locator("h1")).to_have_text("Votre inscription")
    assert page.locator("h1").count() == 1


def test_an_expired_session_never_loses_a_check_in_silently(checkin):
    page, ids = checkin
    with page.app.app_context():  # the session ends on the server (expiry, logout elsewhere)
        db.session.execute(db.delete(OrganiserSession))
        db.session.commit()
    page.locator(f"#pointage-{ids[1]}").click()
    expect(page.locator("h1")).to_have_text("Connexion à l’espace organisateurs")
    expect(page.locator(".fr-alert--warning")).to_contain_text("Votre session a expiré\u00a0: rien n’a été enregistré")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Pointage des présents")  # back where the action was
    expect(page.locator(f"#personne-{ids[1]}")).not_to_contain_text("Présence enregistrée")


def test_organisers_area_has_a_menu_skip_link_and_marks_the_current_page(checkin):
    page, _ids = checkin
    page.keyboard.press("Tab")  # the skip links come first
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Menu")
    page.keyboard.press("Enter")
    expect(page.locator("#navigation-organisateurs")).to_be_focused(timeout=FOCUS_WAIT)
    expect(page.locator("#navigation-organisateurs [aria-current=page]")).to_have_text("Pointage")


@pytest.fixture
def door(tmp_path, make_app, browser):
    """The check-in page on a phone, logged in; the one seat taken, one person waiting."""
    yield from checkin_page(tmp_path, make_app, browser, capacity=1, names=["Durand", "Martin"])


def test_override_with_the_keyboard_keeps_focus_and_announces(door):
    page, ids = door
    waiting = ids[1]
    status = page.locator("#statut")
    before = status.element_handle()
    expect(page.locator(f"#personne-{waiting}")).to_contain_text("Liste d’attente")
    page.locator(f"#pointage-{waiting}").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#personne-{waiting}")).to_contain_text("Aucune place n’est libre en présentiel")
    expect(status).to_contain_text("Alice Martin\u00a0: aucune place libre en présentiel, présence non enregistrée")
    override = page.locator(f"#pointage-{waiting}")  # the same id: focus stays on the row's button
    expect(override).to_have_text("Enregistrer hors jauge (la salle le permet) : Alice Martin".replace(" :", "\u00a0:"))
    expect(override).to_be_focused(timeout=FOCUS_WAIT)
    box = override.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # the long label wraps on the phone, no sideways scroll
    settled(page)
    page.keyboard.press("Enter")
    expect(page.locator(f"#personne-{waiting}")).to_contain_text("Présence enregistrée à")
    expect(page.locator(f"#personne-{waiting}")).to_contain_text("Hors jauge")
    expect(status).to_contain_text("place en présentiel attribuée hors jauge – 1 présent sur 2 attendus")
    expect(page.locator("#compteur")).to_contain_text("(dont 1 hors jauge)")
    expect(page.locator(f"#pointage-{waiting}")).to_be_focused(timeout=FOCUS_WAIT)
    assert page.evaluate(SAME_ELEMENT, [before])
    assert page.locator("[aria-live], [role=status]").count() == 1


def test_walk_in_form_with_the_keyboard_when_no_seat_is_free(door):
    page, _ids = door
    page.get_by_role("link", name="Ajouter une personne non inscrite").click()
    expect(page.locator("h1")).to_have_text("Ajouter une personne non inscrite")
    page.locator("#first_name").focus()
    page.keyboard.type("Paul")
    page.keyboard.press("Tab")
    page.keyboard.type("Passant")
    page.keyboard.press("Tab")
    page.keyboard.type("Mairie de Tulle")
    page.keyboard.press("Enter")  # the e-mail is optional
    alert = page.locator(".fr-alert--warning")
    expect(alert).to_contain_text("Aucune place n’est libre en présentiel")
    expect(alert).to_be_focused(timeout=FOCUS_WAIT)  # the reason is read first
    expect(page.locator("#last_name")).to_have_value("Passant")  # nothing typed is lost
    page.locator("#sur-place-hors-jauge").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Pointage des présents")
    success = page.locator(".fr-alert--success")
    expect(success).to_contain_text("Présence enregistrée pour Paul Passant (ajout sur place).")
    expect(success).to_be_focused(timeout=FOCUS_WAIT)
    row = page.locator("#resultats li", has_text="Passant")
    expect(row).to_contain_text("Ajout sur place")
    expect(row).to_contain_text("Hors jauge")
    expect(row).to_contain_text("Présence enregistrée à")


def test_dashboard_arrivals_follow_check_ins_silently(door):
    page, ids = door
    page.clock.install()  # the page's timers run only when the test moves this clock: no waiting, no race
    page.goto(page.url.split("/organisateurs")[0] + "/organisateurs/")
    arrivals = page.locator("#arrivees")
    expect(arrivals).to_contain_text("0 / 1 arrivée")
    status = page.locator("#statut")
    before = status.element_handle()
    with page.app.app_context():  # a volunteer checks someone in at the door meanwhile
        db.session.execute(db.update(Registration).where(Registration.id == ids[0]).values(checked_in_at=db.func.now()))
        db.session.commit()
    page.clock.run_for("00:31")
    expect(arrivals).to_contain_text("1 / 1 arrivée")
    settled(page)
    expect(status).to_have_text("")  # nothing read out: the figures wait where the reader finds them
    assert page.evaluate(SAME_ELEMENT, [before])
    assert page.locator("[aria-live], [role=status]").count() == 1
    assert arrivals.evaluate("el => !el.closest('[aria-live], [role=status]')")
