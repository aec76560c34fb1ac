"""Every e-mail carries its own working management link; a cancellation, by the person or an organiser, is e-mailed."""

import re

from mailtools import manage_path, outbox_rows, register
from organisers_support import add_organiser, hidden_fields, login
from support import csrf_token

from jnt.mail import reminders

LINK = re.compile(r"https?://[^\s\"<]+(/inscription/gerer/[A-Za-z0-9_-]+)")


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def links(row) -> tuple[list[str], list[str]]:
    """The management links of an e-mail's text and HTML bodies."""
    return LINK.findall(row.body_text), LINK.findall(row.body_html)


def mails(app, address: str, kind: str) -> list:
    return [r for r in outbox_rows(app) if r.recipient == address and r.dedupe_key.startswith(kind + ":")]


def test_each_e_mail_has_its_own_working_link_until_the_registration_ends(make_app):
    app = make_app(IN_PERSON_CAPACITY=1)
    ann, bob = app.test_client(), app.test_client()
    register(ann, email="ann@example.org")
    register(bob, email="bob@example.org")  # waiting
    ann_path = manage_path(app, "ann@example.org")
    page = ann.get(ann_path).text
    ann.post(ann_path + "/mode", data={"csrf_token": csrf_token(page), "mode": "remote"})  # Bob promoted
    page = ann.get(ann_path).text
    ann.post(ann_path + "/mode", data={"csrf_token": csrf_token(page), "mode": "in_person"})  # Ann waits
    with app.app_context():  # queued only: a message sent keeps no body
        assert reminders.queue_reminders() == 2

    expected = {
        "ann@example.org": ["confirmation", "mode", "mode", "reminder"],
        "bob@example.org": ["confirmation", "promotion", "reminder"],
    }
    paths = []
    for address, kinds in expected.items():
        rows = [r for r in outbox_rows(app) if r.recipient == address]
        assert [r.dedupe_key.split(":")[0] for r in rows] == kinds
        for row in rows:
            text_links, html_links = links(row)
            assert text_links and html_links and set(text_links) == set(html_links), row.dedupe_key
            paths += sorted(set(text_links))
            for path in set(text_links):
                assert address in app.test_client().get(path).text, row.dedupe_key
    assert len(paths) == len(set(paths)) == 7  # each e-mail minted its own
    [reminder] = mails(app, "ann@example.org", "reminder")
    assert "Vous ne pouvez plus venir ? Libérez votre place" in plain(reminder.body_text)
    assert "Vous ne pouvez plus venir ? <a" in plain(reminder.body_html)

    page = ann.get(ann_path + "/annuler").text
    assert ann.post(ann_path + "/annuler", data={"csrf_token": csrf_token(page)}).status_code == 303
    [cancelled] = mails(app, "ann@example.org", "cancellation")
    assert "comme vous l’avez demandé" in cancelled.body_text and links(cancelled) == ([], [])
    assert "http://127.0.0.1:5000/inscription" in cancelled.body_text  # to register again
    for path in paths[:4]:  # all of Ann's links died with her registration
        assert app.test_client().get(path).status_code == 404


def test_a_cancellation_by_an_organiser_is_e_mailed(make_app):
    app = make_app()
    register(app.test_client(), email="ann@example.org")
    add_organiser(app)
    org = app.test_client()
    login(org)
    page = org.get("/organisateurs/inscriptions/1/annuler")
    assert org.post("/organisateurs/inscriptions/1/annuler", data=hidden_fields(page.text)).status_code == 303
    [cancelled] = mails(app, "ann@example.org", "cancellation")
    assert "annulée par l’équipe d’organisation" in cancelled.body_text
    assert "annulée par l’équipe d’organisation" in cancelled.body_html


def test_a_switch_by_an_organiser_is_e_mailed_with_a_link(make_app):
    app = make_app()
    register(app.test_client(), email="ann@example.org")
    add_organiser(app)
    org = app.test_client()
    login(org)
    page = org.get("/organisateurs/inscriptions/1/distanciel")
    org.post("/organisateurs/inscriptions/1/distanciel", data=hidden_fields(page.text))
    [switched] = mails(app, "ann@example.org", "mode")
    [path] = set(links(switched)[0])
    assert "À distance" in app.test_client().get(path).text
