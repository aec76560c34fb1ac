"""A browser sees only the registration it made: never by id, never someone else's after a replay."""

import pytest
from mailtools import manage_path
from sqlalchemy import delete, select, update
from support import csrf_token, form_fields, valid_registration

from jnt.models import ManageToken, OutboxMessage, Registration, db

CONFIRMATION = "/inscription/confirmation"


def post_form(client, fields: dict | None = None, **overrides):
    """Send the registration form, with the hidden fields of a freshly loaded form unless given."""
    fields = fields or form_fields(client.get("/inscription").text)
    return client.post("/inscription", data={**fields, **valid_registration(**overrides)})


def ids(app) -> dict[str, int]:
    with app.app_context():
        return dict(db.session.execute(select(Registration.email, Registration.id)).all())


def cancel_by_link(app, client, email: str) -> None:
    """Cancel through the private management link, as its owner would."""
    path = manage_path(app, email)
    page = client.get(path + "/annuler").text
    assert client.post(path + "/annuler", data={"csrf_token": csrf_token(page)}).status_code == 303


def give_id(app, email: str, registration_id: int) -> None:
    """Move a registration to a given id: what SQLite without AUTOINCREMENT did on its own."""
    with app.app_context():
        current = db.session.scalar(select(Registration.id).filter_by(email=email))
        # The row holding that id (a cancelled one, kept until purge) is purged first.
        db.session.execute(delete(Registration).filter_by(id=registration_id))
        db.session.execute(delete(OutboxMessage).filter_by(registration_id=current))
        db.session.execute(delete(ManageToken).filter_by(registration_id=current))
        db.session.execute(update(Registration).filter_by(id=current).values(id=registration_id))
        db.session.commit()


@pytest.mark.both_databases
@pytest.mark.parametrize("forced_reuse", [False, True])
def test_confirmation_after_cancelling_never_shows_the_next_person(app, forced_reuse):
    first, second = app.test_client(), app.test_client()
    post_form(first, email="alice@example.org", first_name="Alice", organisation="Mairie d’Annecy")
    cancelled_id = ids(app)["alice@example.org"]
    cancel_by_link(app, first, "alice@example.org")
    post_form(second, email="bruno@example.org", first_name="Bruno", last_name="Durand", organisation="Préfecture B")
    if forced_reuse:  # even if the id came back, the first browser holds no id
        give_id(app, "bruno@example.org", cancelled_id)
    assert ids(app)["bruno@example.org"] != cancelled_id or forced_reuse
    response = first.get(CONFIRMATION)
    assert response.status_code == 302 and response.headers["Location"].endswith("/inscription")
    assert "Bruno" not in response.text and "Préfecture B" not in response.text
    assert "Bruno Durand" in second.get(CONFIRMATION).text


def test_the_browser_keeps_a_key_stored_hashed_never_the_id(app):
    client = app.test_client()
    post_form(client)
    with client.session_transaction() as session:
        kept = dict(session)
    assert str(ids(app)["camille.martin@example.org"]) not in {str(v) for v in kept.values()}
    with app.app_context():
        stored = db.session.scalar(select(Registration.browser_key_hash))
    assert len(stored) == 64 and stored not in {str(v) for v in kept.values()}


def test_another_browser_replaying_the_submission_id_sees_nothing_of_the_first(app):
    first, other = app.test_client(), app.test_client()
    fields = form_fields(first.get("/inscription").text)
    assert post_form(first, fields).status_code == 303
    replay = {**form_fields(other.get("/inscription").text), "submission_id": fields["submission_id"]}
    same = post_form(other, replay)
    assert same.status_code == 409  # the address is taken: a new link goes to its owner, nothing is shown
    assert "Camille" not in same.text and "Commune de Lyon" not in same.text
    assert other.get(CONFIRMATION).status_code == 302
    changed = post_form(other, replay, email="dora@example.org", first_name="Dora")
    assert changed.status_code == 303
    page = other.get(CONFIRMATION).text
    assert "Dora Martin" in page and "Camille" not in page
    assert set(ids(app)) == {"camille.martin@example.org", "dora@example.org"}


def test_same_form_with_other_content_is_a_new_registration(app):
    client = app.test_client()
    fields = form_fields(client.get("/inscription").text)
    post_form(client, fields)
    assert post_form(client, fields, email="collegue@example.org", first_name="Lou").status_code == 303
    assert set(ids(app)) == {"camille.martin@example.org", "collegue@example.org"}
    assert "Lou Martin" in client.get(CONFIRMATION).text


def test_double_click_sent_with_the_cookie_of_before_is_still_one_registration(app):
    client = app.test_client()
    fields = form_fields(client.get("/inscription").text)
    before = client.get_cookie("session").value
    post_form(client, fields)
    client.set_cookie("session", before)  # the second click left before the first answer arrived
    second = post_form(client, fields)
    assert second.status_code == 303
    assert len(ids(app)) == 1
    assert "Camille Martin" in client.get(CONFIRMATION).text


@pytest.mark.parametrize("htmx", [False, True])
def test_confirmation_is_never_stored_by_a_cache(app, htmx):
    client = app.test_client()
    headers = {"HX-Request": "true"} if htmx else {}
    fields = form_fields(client.get("/inscription").text)
    posted = client.post("/inscription", data={**fields, **valid_registration()}, headers=headers)
    responses = [posted, client.get(CONFIRMATION)] if htmx else [client.get(CONFIRMATION)]
    for response in responses:
        assert response.status_code == 200 and "Camille Martin" in response.text
        assert response.headers["Cache-Control"] == "no-store"
