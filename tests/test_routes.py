"""What users and operators rely on stays put: every URL with its endpoint and methods, and every command."""

import pytest

from jnt import create_app

TOKEN = "<string(minlength=32, maxlength=64):token>"
ACTION = "<int:registration_id>/<any(promouvoir, distanciel, annuler):action>"
ROUTES = {
    ("/", "site.index", ("GET",)),
    ("/accessibilite", "site.accessibility", ("GET",)),
    ("/donnees-personnelles", "site.privacy", ("GET",)),
    ("/evenement.ics", "ical.public_file", ("GET",)),
    ("/forum", "site.forum", ("GET",)),
    ("/healthz", "ops.healthz", ("GET",)),
    ("/infos-pratiques", "site.practical", ("GET",)),
    ("/inscription", "registration.form", ("GET",)),
    ("/inscription", "registration.submit", ("POST",)),
    ("/inscription/annulee", "manage.cancelled", ("GET",)),
    ("/inscription/confirmation", "registration.confirmation", ("GET",)),
    (f"/inscription/confirmer/{TOKEN}", "registration.proof_page", ("GET",)),
    (f"/inscription/confirmer/{TOKEN}", "registration.prove", ("POST",)),
    (f"/inscription/gerer/{TOKEN}", "manage.show", ("GET",)),
    (f"/inscription/gerer/{TOKEN}/ceder", "handover.offer", ("POST",)),
    (f"/inscription/ceder/{TOKEN}", "handover.accept_page", ("GET", "POST")),
    (f"/inscription/gerer/{TOKEN}/annuler", "manage.cancel", ("POST",)),
    (f"/inscription/gerer/{TOKEN}/annuler", "manage.confirm_cancel", ("GET",)),
    (f"/inscription/gerer/{TOKEN}/evenement.ics", "manage.calendar_file", ("GET",)),
    (f"/inscription/gerer/{TOKEN}/attestation.pdf", "manage.attestation_file", ("GET",)),
    (f"/inscription/gerer/{TOKEN}/mode", "manage.switch", ("POST",)),
    # New beside the others: the remote attendees' "Rejoindre la visioconférence" (a POST, never a link).
    (f"/inscription/gerer/{TOKEN}/visioconference", "manage.join", ("POST",)),
    (f"/inscription/gerer/{TOKEN}/modifier", "manage.edit", ("GET", "POST")),
    ("/mentions-legales", "site.legal", ("GET",)),
    ("/organisateurs/", "organisers.dashboard", ("GET",)),
    ("/organisateurs/connexion", "organisers.auth.authenticate", ("POST",)),
    ("/organisateurs/connexion", "organisers.auth.login", ("GET",)),
    ("/organisateurs/connexion/proconnect", "organisers.proconnect.start", ("POST",)),
    ("/organisateurs/connexion/proconnect/retour", "organisers.proconnect.callback", ("GET",)),
    ("/organisateurs/deconnexion/proconnect", "organisers.proconnect.logged_out", ("GET",)),
    ("/organisateurs/deconnexion", "organisers.auth.logout", ("POST",)),
    ("/organisateurs/export.csv", "organisers.exports.export_csv", ("GET",)),
    ("/organisateurs/export.xlsx", "organisers.exports.export_xlsx", ("GET",)),
    (f"/organisateurs/inscriptions/{ACTION}", "organisers.actions.confirm", ("GET",)),
    (f"/organisateurs/inscriptions/{ACTION}", "organisers.actions.perform", ("POST",)),
    ("/organisateurs/messages", "organisers.messages.compose", ("GET",)),
    ("/organisateurs/messages/apercu", "organisers.messages.preview", ("POST",)),
    ("/organisateurs/messages/envoi", "organisers.messages.send", ("POST",)),
    ("/organisateurs/messages/remerciement", "organisers.messages.follow_up", ("GET",)),
    ("/organisateurs/pointage", "organisers.checkin.index", ("GET",)),
    (
        "/organisateurs/pointage/<int:registration_id>/<any(present, absent, 'hors-jauge'):mark>",
        "organisers.checkin.toggle",
        ("POST",),
    ),
    ("/organisateurs/pointage/arrivees", "organisers.checkin.arrivals_count", ("GET",)),
    ("/organisateurs/pointage/emargement", "organisers.checkin.sheet", ("GET",)),
    ("/organisateurs/pointage/sur-place", "organisers.walk_ins.add", ("POST",)),
    ("/organisateurs/pointage/sur-place", "organisers.walk_ins.form", ("GET",)),
    ("/programme", "site.programme", ("GET",)),
    ("/static/<path:filename>", "static", ("GET",)),
}
# Each command's help, as `flask --app jnt --help` lists it: in French, like everything an operator reads.
COMMANDS = {
    "backup": "Copier la base SQLite dans PATH pendant que le site continue de servir.",
    "check-config": "Afficher la configuration effective (secrets masqués) ; échoue sur une valeur incohérente.",
    "db": "Migrations du schéma (Alembic), pour le développement ; en production : init-db.",
    "init-db": "Créer la base ou la mettre à jour (migrations) ; sans effet sur une base à jour.",
    "organiser": "Comptes organisateurs (création, liste, rôle, mot de passe, désactivation).",
    "purge": "Supprimer les inscriptions non vérifiées expirées ; toutes les inscriptions après la durée de conservation.",
    "send-mail": "Envoyer maintenant les e-mails en attente (cron) ; code de sortie 1 si un envoi a échoué ou a été abandonné.",
    "send-reminders": "Préparer et envoyer les rappels (cron, la veille de la journée).",
}


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory):
    """The app as production builds it (no database needed: only its routes and commands are read)."""
    folder = tmp_path_factory.mktemp("routes")
    return create_app(
        {
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'jnt.sqlite3'}",
            "STATIC_BUILD_DIR": str(folder / "static"),
            "MAIL_BACKGROUND": False,
        }
    )


def test_urls_endpoints_and_methods_are_unchanged(bare_app):
    routes = {
        (rule.rule, rule.endpoint, tuple(sorted(rule.methods - {"HEAD", "OPTIONS"})))
        for rule in bare_app.url_map.iter_rules()
    }
    assert routes == ROUTES


def test_every_command_is_listed_with_its_french_help(bare_app):
    result = bare_app.test_cli_runner().invoke(args=["--help"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line.strip()]
    assert {name: bare_app.cli.commands[name].get_short_help_str(200) for name in listed} == COMMANDS
