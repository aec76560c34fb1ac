"""Visitor journeys in a real Chromium: tabs (mouse, keyboard, history), registration with and without JS."""

import re

from playwright.sync_api import expect

from browser.browser_states import PROOF_LINKS, fill_registration, submit, unique_email

MARKER = "window.jntNoReload = 'still here'"


def mark(page) -> None:
    """Set a property that a full page load would wipe out."""
    page.evaluate(MARKER)


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.jntNoReload") == "still here", "the page was fully reloaded"


def assert_tab(page, slug: str, path: str, text: str) -> None:
    """The tab is selected, its panel shows its content, and the URL is the tab's own."""
    expect(page.locator(f"#onglet-{slug}")).to_have_attribute("aria-selected", "true")
    expect(page.locator('[role="tab"][aria-selected="true"]')).to_have_count(1)
    expect(page.locator(f"#panneau-{slug}")).to_contain_text(text)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))


PROGRAMME = ("programme", "/", "Table-ronde")
PRACTICAL = ("infos-pratiques", "/infos-pratiques", "20 avenue de Ségur")
FORUM = ("forum", "/forum", "FranceConnect")


def test_tabs_switch_by_mouse_without_reload(page, open_site):
    page.goto(open_site.url + "/")
    assert_tab(page, *PROGRAMME)
    mark(page)
    page.get_by_role("tab", name="Infos pratiques").click()
    assert_tab(page, *PRACTICAL)
    page.get_by_role("tab", name="Forum").click()
    assert_tab(page, *FORUM)
    expect(page).to_have_title(re.compile("^Forum — "))
    assert_not_reloaded(page)


def test_tabs_switch_by_keyboard_alone(page, open_site):
    page.goto(open_site.url + "/")
    mark(page)
    for _ in range(60):  # Tab from the top of the page until the selected tab has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "onglet-programme":
            break
    else:
        raise AssertionError("the selected tab cannot be reached with the Tab key")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "onglet-infos-pratiques"
    page.keyboard.press("Enter")
    assert_tab(page, *PRACTICAL)
    expect(page.locator("#onglet-infos-pratiques")).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press(" ")
    assert_tab(page, *FORUM)
    expect(page.locator("#onglet-forum")).to_be_focused()
    page.keyboard.press("Home")
    page.keyboard.press("Enter")
    assert_tab(page, *PROGRAMME[:1], "/programme", PROGRAMME[2])
    assert_not_reloaded(page)


def test_tabs_back_and_forward_restore_the_tab(page, open_site):
    page.goto(open_site.url + "/")
    mark(page)
    page.get_by_role("tab", name="Infos pratiques").click()
    assert_tab(page, *PRACTICAL)
    page.get_by_role("tab", name="Forum").click()
    assert_tab(page, *FORUM)
    page.go_back()
    assert_tab(page, *PRACTICAL)
    page.go_back()
    assert_tab(page, *PROGRAMME)
    page.go_forward()
    assert_tab(page, *PRACTICAL)
    assert_not_reloaded(page)


def test_tabs_back_after_history_cache_miss(page, open_site):
    page.goto(open_site.url + "/forum")
    mark(page)
    page.get_by_role("tab", name="Infos pratiques").click()
    assert_tab(page, *PRACTICAL)
    # htmx 2 keeps its history snapshots in sessionStorage (htmx 1 used localStorage).
    page.evaluate("sessionStorage.removeItem('htmx-history-cache')")
    with page.expect_request(lambda r: r.headers.get("hx-history-restore-request") == "true"):
        page.go_back()
    assert_tab(page, *FORUM)
    # The restored page is whole (header, hero and tabs), not a lone fragment.
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("header.fr-header")).to_have_count(1)


def test_tabs_deep_link_opens_the_tab(page, open_site):
    page.goto(open_site.url + "/infos-pratiques")
    assert_tab(page, *PRACTICAL)
    expect(page).to_have_title(re.compile("^Infos pratiques — "))


def test_registration_with_htmx_shows_errors_then_confirms(page, open_site, stored):
    email = unique_email()
    page.goto(open_site.url + "/inscription")
    mark(page)
    page.get_by_label("Prénom").fill("Camille")
    submit(page)
    summary = page.locator(".fr-alert--error")
    expect(summary).to_be_focused()
    expect(page.locator("#last_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#last_name-messages")).to_contain_text("obligatoire")
    expect(page.get_by_label("Prénom")).to_have_value("Camille")  # typed values are kept
    assert stored(open_site, email) == 0
    fill_registration(page, email)
    submit(page)
    expect(page.locator("#inscription .fr-alert--success")).to_contain_text("Inscription confirmée")
    expect(page).to_have_url(re.compile(r"/inscription/confirmation$"))
    assert_not_reloaded(page)
    assert stored(open_site, email) == 1


def test_registration_without_javascript_post_redirect_get(new_context, open_site, stored):
    page = new_context(java_script_enabled=False).new_page()
    email = unique_email("sans-js")
    page.goto(open_site.url + "/inscription")
    submit(page)
    expect(page.locator(".fr-alert--error")).to_be_visible()
    fill_registration(page, email, "remote")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Confirmer mon inscription").click()
    assert navigation.value.request.method == "GET"
    assert navigation.value.request.redirected_from.method == "POST"
    expect(page).to_have_url(re.compile(r"/inscription/confirmation$"))
    expect(page.locator(".fr-alert--success")).to_contain_text("à distance")
    response = page.reload()
    assert response.request.method == "GET"
    expect(page.locator(".fr-alert--success")).to_be_visible()
    assert stored(open_site, email) == 1


def test_tabs_without_javascript_are_links(new_context, open_site):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(open_site.url + "/")
    page.get_by_role("tab", name="Forum").click()
    assert_tab(page, *FORUM)


def test_registration_closed_after_deadline(page, closed_site):
    page.goto(closed_site.url + "/")
    expect(page.locator(".jnt-call")).to_contain_text("Inscriptions closes")
    expect(page.get_by_role("link", name="S’inscrire")).to_have_count(0)
    page.goto(closed_site.url + "/inscription")
    expect(page.locator("#inscription")).to_contain_text("Inscriptions closes")
    expect(page.locator("form#inscription, #inscription form")).to_have_count(0)
    expect(page.locator(".jnt-preview")).to_contain_text("Mode aperçu")


def test_registration_full_offers_remote_or_waiting_list(page, full_site, stored):
    email = unique_email("attente")
    page.goto(full_site.url + "/")
    expect(page.locator(".jnt-call")).to_contain_text("Toutes les places en présentiel sont attribuées")
    page.get_by_role("link", name="S’inscrire").click()
    expect(page.locator(".fr-alert--warning")).to_contain_text("Présentiel complet")
    expect(page.get_by_label("liste d’attente")).to_be_visible()
    fill_registration(page, email, "in_person")
    submit(page)
    expect(page.locator("#inscription .fr-alert--warning")).to_contain_text("liste d’attente")
    assert stored(full_site, email) == 1


def test_registration_with_the_address_proof_in_chromium(page, servers):
    """The form answers 'check your inbox' (htmx, title and h1 of that state); the e-mailed link's button takes the seat."""
    site = servers("proof")
    address = unique_email("preuve")
    page.goto(site.url + "/inscription")
    fill_registration(page, address)
    submit(page)
    expect(page.locator("#inscription h1")).to_have_text("Inscription")
    expect(page.locator("#inscription .fr-alert")).to_contain_text(address)
    expect(page).to_have_title(re.compile("^Vérifiez votre boîte e-mail — "))
    page.goto(site.url + PROOF_LINKS[site.url](address))
    expect(page.locator("h1")).to_have_text("Confirmer mon inscription")
    page.get_by_role("button", name="Confirmer mon inscription").click()
    expect(page).to_have_url(re.compile("/inscription/confirmation$"))
    expect(page.locator(".fr-alert--success")).to_contain_text("Inscription confirmée")
