"""Operations: `flask check-config`, `flask backup`, /healthz, and what a new gunicorn worker must do."""

import os
import re
import sqlite3
from pathlib import Path

import click
import flask.cli
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from . import config, health
from .models import db

SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY", re.IGNORECASE)
URI_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
SHOWN_PREFIXES = ("SESSION_COOKIE_", "SQLALCHEMY_", "MAIL_", "WTF_")
# The operators read `flask --app jnt --help` in French: Flask's own commands and
# Flask-Migrate's `db` subcommands get a French summary (their options stay Click's).
FLASK_HELP = {
    "routes": "Lister les adresses (routes) du site.",
    "run": "Lancer le serveur de développement (jamais en production : gunicorn).",
    "shell": "Ouvrir une console Python dans le contexte du site.",
}
MIGRATE_HELP = {
    "branches": "Afficher les points de branchement des migrations.",
    "check": "Vérifier qu'aucune migration ne manque par rapport aux modèles.",
    "current": "Afficher la révision actuelle de la base.",
    "downgrade": "Revenir à une révision antérieure.",
    "edit": "Modifier un fichier de révision.",
    "heads": "Afficher les dernières révisions disponibles.",
    "history": "Lister les révisions dans l'ordre.",
    "init": "Créer un dossier de migrations (déjà fait : jnt/migrations).",
    "list-templates": "Lister les modèles de dossier de migrations.",
    "merge": "Fusionner deux révisions dans une nouvelle.",
    "migrate": "Générer une révision à partir des modèles (alias de revision --autogenerate).",
    "revision": "Créer un fichier de révision.",
    "show": "Afficher une révision.",
    "stamp": "Marquer la base à une révision sans rien migrer.",
    "upgrade": "Passer la base à une révision plus récente (en production : init-db).",
}


def french_help(app: Flask) -> None:
    """Put the French summaries on Flask's and Flask-Migrate's commands (the summary is the help's first line)."""
    for name, text in FLASK_HELP.items():
        command = getattr(flask.cli, f"{name}_command")
        command.help = command.short_help = text
    db_group = app.cli.commands.get("db")
    for name, text in MIGRATE_HELP.items():
        command = db_group.commands.get(name) if db_group else None
        if command is not None:
            command.help = command.short_help = text


def after_fork(app: Flask) -> None:
    """In a new worker: never use a database connection inherited from the master (one socket, two processes)."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # forget the master's connections without closing them under its feet


# What a new worker would otherwise build on its first requests: each tab as a page and as an
# htmx fragment, in each encoding. Rendered once in the master (gunicorn's when_ready), inherited.
WARM_PATHS = ("/", "/programme", "/infos-pratiques", "/forum")
WARM_HEADERS = ({}, {"HX-Request": "true"})
WARM_ENCODINGS = ("", "gzip", "br")


def warm(app: Flask) -> int:
    """Render the cached pages in this process (the master, before forking); returns how many were made.

    A failure (a database not reachable yet) is logged and leaves the workers to render on demand.
    """
    made = 0
    try:
        client = app.test_client()
        for path in WARM_PATHS:
            for headers in WARM_HEADERS:
                for encoding in WARM_ENCODINGS:
                    response = client.get(
                        path, base_url=app.config["PUBLIC_URL"], headers={**headers, "Accept-Encoding": encoding}
                    )
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} : {response.status}")
                    made += 1
    except Exception as exc:
        app.logger.warning("Préchauffage des pages impossible (%s) : les workers les rendront à la demande.", exc)
        made = 0
    finally:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose()  # no connection of the master's may reach a worker
    return made


def masked(name: str, value):
    """A setting's value as safe to print: secrets hidden, passwords in URIs hidden."""
    if value is None:
        return None
    if SECRET_NAMES.search(name):
        return "********" if value else value
    if isinstance(value, str) and "://" in value:
        try:
            return make_url(value).render_as_string(hide_password=True)
        except Exception:
            return URI_PASSWORD.sub(r"\1***@", value)
    return value


def shown_settings(app: Flask) -> dict:
    """Our settings (DEFAULTS) and the Flask ones an operator sets, masked."""
    names = set(config.DEFAULTS) | {k for k in app.config if k.startswith(SHOWN_PREFIXES)}
    names |= {"DEBUG", "TESTING"}
    return {name: masked(name, app.config.get(name)) for name in sorted(names)}


@click.command("check-config")
@with_appcontext
def check_config_command() -> None:
    """Afficher la configuration effective (secrets masqués) ; échoue sur une valeur incohérente."""
    app = current_app._get_current_object()
    for name, value in shown_settings(app).items():
        click.echo(f"{name} = {value!r}")
    event = app.extensions["jnt_event"]
    # The deadlines in force: the content file's, or the settings that replace them.
    for field, moment in vars(event.deadlines).items():
        click.echo(f"deadlines.{field} = {moment.isoformat()} ({event.tz_label})")
    try:
        config.check(app)
        config.check_event(event)
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    for warning in config.production_warnings(app.config):
        click.echo(f"Attention : {warning}", err=True)
    click.echo("Configuration cohérente.")


def sqlite_path(uri: str) -> Path:
    """The file behind a sqlite:/// URI, or a ClickException for another database."""
    path = health.sqlite_file(uri)
    if path is None:
        raise click.ClickException(
            "backup : seule une base SQLite (fichier) est copiée ainsi ; pour PostgreSQL, utilisez pg_dump."
        )
    return path


def backup(source: Path, target: Path) -> None:
    """A consistent online copy with SQLite's backup API (readers and writers keep going)."""
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        with dst:
            src.backup(dst)  # all pages in one step: one consistent snapshot
        dst.execute("PRAGMA journal_mode = DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    os.replace(tmp, target)


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copier la base SQLite dans PATH pendant que le site continue de servir."""
    source = sqlite_path(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if not source.is_file():
        raise click.ClickException(f"backup : base introuvable ({source})")
    backup(source, path)
    click.echo(f"Copie de la base écrite dans {path}.")


def init_app(app: Flask) -> None:
    """Register /healthz and the commands."""
    app.register_blueprint(health.bp)
    app.cli.add_command(check_config_command)
    app.cli.add_command(backup_command)
    french_help(app)
