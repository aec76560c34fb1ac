"""`flask --app jnt organiser add|list|password|remove`."""

import pytest
from organisers_support import EMAIL, PASSWORD, add_organiser, login
from server import Gunicorn, query
from werkzeug.security import check_password_hash

from jnt.models import Organiser, db
from jnt.organisers import cli as organiser_cli


def stored(app) -> list[Organiser]:
    with app.app_context():
        return db.session.scalars(db.select(Organiser)).all()


def test_organiser_add_reads_piped_password_and_hashes_it(app, runner):
    result = runner.invoke(args=["organiser", "add", " Orga@Example.ORG "], input=PASSWORD + "\n")
    assert result.exit_code == 0 and "Compte organisateur créé : orga@example.org" in result.output
    [account] = stored(app)
    assert account.email == "orga@example.org"
    assert account.password_hash.startswith("scrypt:") and PASSWORD not in account.password_hash
    assert check_password_hash(account.password_hash, PASSWORD)


def test_organiser_add_prompts_twice_at_a_terminal(app, runner, monkeypatch):
    monkeypatch.setattr(organiser_cli, "stdin_is_tty", lambda: True)
    typed = f"{PASSWORD}\nune autre saisie!!\n{PASSWORD}\n{PASSWORD}\n"
    result = runner.invoke(args=["organiser", "add", EMAIL], input=typed)
    assert result.exit_code == 0, result.output
    assert "Confirmez le mot de passe" in result.output
    assert check_password_hash(stored(app)[0].password_hash, PASSWORD)


def test_organiser_add_refuses_short_password_and_duplicates(app, runner):
    short = runner.invoke(args=["organiser", "add", EMAIL], input="court\n")
    assert short.exit_code == 1 and "12" in short.output
    assert stored(app) == []
    add_organiser(app)
    again = runner.invoke(args=["organiser", "add", EMAIL.upper()], input=PASSWORD + "\n")
    assert again.exit_code == 1 and "existe déjà" in again.output
    assert len(stored(app)) == 1


def test_organiser_add_refuses_invalid_email(app, runner):
    result = runner.invoke(args=["organiser", "add", "pas-une-adresse"], input=PASSWORD + "\n")
    assert result.exit_code == 2 and stored(app) == []


def test_organiser_list_shows_emails_not_hashes(app, runner):
    assert "Aucun compte organisateur." in runner.invoke(args=["organiser", "list"]).output
    add_organiser(app)
    add_organiser(app, email="b@example.org")
    output = runner.invoke(args=["organiser", "list"]).output
    assert "orga@example.org" in output and "b@example.org" in output and "scrypt" not in output


def test_organiser_remove_deactivates_the_account_and_keeps_it(app, runner):
    add_organiser(app)
    result = runner.invoke(args=["organiser", "remove", EMAIL])
    assert result.exit_code == 0 and "désactivé" in result.output
    [account] = stored(app)
    assert account.email == EMAIL and account.deactivated_at is not None
    assert "désactivé le" in runner.invoke(args=["organiser", "list"]).output
    again = runner.invoke(args=["organiser", "remove", EMAIL])
    assert again.exit_code == 0 and "déjà désactivé" in again.output
    missing = runner.invoke(args=["organiser", "remove", "personne@example.org"])
    assert missing.exit_code == 1 and "aucun compte" in missing.output


def test_organiser_remove_normalises_the_address_like_add(app, runner):
    decomposed = "Andre\u0301@Example.ORG "  # "é" typed as "e" + combining accent, as some keyboards do
    add_organiser(app, email=decomposed)
    assert stored(app)[0].email == "andré@example.org"
    result = runner.invoke(args=["organiser", "remove", decomposed])
    assert result.exit_code == 0, result.output
    assert stored(app)[0].deactivated_at is not None
    invalid = runner.invoke(args=["organiser", "remove", "pas-une-adresse"])
    assert invalid.exit_code == 2


def test_organiser_password_follows_the_add_rules(app, runner, monkeypatch):
    add_organiser(app)
    before = stored(app)[0].password_hash
    short = runner.invoke(args=["organiser", "password", EMAIL], input="court\n")
    assert short.exit_code == 1 and "12" in short.output and stored(app)[0].password_hash == before
    unknown = runner.invoke(args=["organiser", "password", "personne@example.org"], input=PASSWORD + "\n")
    assert unknown.exit_code == 1 and "aucun compte actif" in unknown.output
    assert runner.invoke(args=["organiser", "password", "pas-une-adresse"]).exit_code == 2
    monkeypatch.setattr(organiser_cli, "stdin_is_tty", lambda: True)
    new = "un nouveau mot de passe"
    typed = f"{new}\nune autre saisie!!\n{new}\n{new}\n"
    result = runner.invoke(args=["organiser", "password", EMAIL.upper()], input=typed)
    assert result.exit_code == 0 and "Confirmez le mot de passe" in result.output, result.output
    [account] = stored(app)
    assert account.password_hash.startswith("scrypt:") and check_password_hash(account.password_hash, new)


def test_organiser_password_refuses_a_deactivated_account(app, runner):
    add_organiser(app)
    runner.invoke(args=["organiser", "remove", EMAIL])
    result = runner.invoke(args=["organiser", "password", EMAIL], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "organiser add" in result.output


@pytest.mark.slow
def test_organiser_add_through_a_real_pipe(tmp_path):
    server = Gunicorn(tmp_path, {})
    server.flask("init-db")
    result = server.flask("organiser", "add", EMAIL, input=PASSWORD + "\n")
    assert "Compte organisateur créé" in result.stdout
    assert EMAIL in server.flask("organiser", "list").stdout
    # The real cost (werkzeug's scrypt defaults): the in-process tests use a cheaper one (conftest.py).
    [(stored_hash,)] = query(server.env["JNT_SQLALCHEMY_DATABASE_URI"], "SELECT password_hash FROM organisers")
    assert stored_hash.startswith("scrypt:32768:8:1$")


@pytest.mark.parametrize("typed", [" Camille.Martin@EXAMPLE.org ", "camille.martin@exa\u0301mple.org"])
def test_one_normaliser_for_registration_login_and_command_line(typed):
    from jnt.forms import normalise_email
    from jnt.organisers.forms import canonical_email

    stored, _ = normalise_email(typed)
    assert canonical_email(typed) == stored  # the organisers' side goes through the same function
    assert stored == stored.strip().lower()


def test_organiser_add_with_role_and_proconnect_needs_no_password(app, runner):
    result = runner.invoke(args=["organiser", "add", "agent@example.gouv.fr", "--proconnect", "--role", "accueil"])
    assert result.exit_code == 0, result.output
    assert "Mot de passe" not in result.output and "ProConnect" in result.output
    [account] = stored(app)
    assert (account.role, account.proconnect, account.password_hash, account.oidc_sub) == ("accueil", True, None, None)
    assert runner.invoke(args=["organiser", "add", "x@example.org", "--role", "chef"]).exit_code == 2


def test_organiser_role_command_changes_the_role_and_list_shows_it(app, runner):
    add_organiser(app)
    add_organiser(app, email="agent@example.gouv.fr", proconnect=True)
    lines = runner.invoke(args=["organiser", "list"]).output.splitlines()
    assert "\torganisation\tmot de passe\t" in lines[1] and "\torganisation\tProConnect\t" in lines[0]
    result = runner.invoke(args=["organiser", "role", EMAIL, "accueil"])
    assert result.exit_code == 0 and "Rôle changé" in result.output
    assert {a.email: a.role for a in stored(app)} == {EMAIL: "accueil", "agent@example.gouv.fr": "organisation"}
    assert "\taccueil\tmot de passe\t" in runner.invoke(args=["organiser", "list"]).output
    assert runner.invoke(args=["organiser", "role", "inconnu@example.org", "accueil"]).exit_code == 1
    assert runner.invoke(args=["organiser", "role", EMAIL, "chef"]).exit_code == 2


def test_password_login_refused_for_a_proconnect_account(app):
    add_organiser(app, email="agent@example.gouv.fr", proconnect=True)
    client = app.test_client()
    # Not even with the password the decoy hash is made of.
    for password in ("", "jnt-decoy-password", PASSWORD):
        assert login(client, email="agent@example.gouv.fr", password=password).status_code in (401, 422)
    assert client.get("/organisateurs/").status_code == 303


def test_organiser_password_refused_for_a_proconnect_account(app, runner):
    add_organiser(app, email="agent@example.gouv.fr", proconnect=True)
    result = runner.invoke(args=["organiser", "password", "agent@example.gouv.fr"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "ProConnect" in result.output
    assert stored(app)[0].password_hash is None
