"""Operations: `flask check-config`, `flask backup`, /healthz, and what a new gunicorn worker must do."""

import os
import re
import sqlite3
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from . import config, health
from .models import db

SECRET_NAMES = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY", re.IGNORECASE)
URI_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
SHOWN_PREFIXES = ("SESSION_COOKIE_", "SQLALCHEMY_", "MAIL_", "WTF_")


def after_fork(app: Flask) -> None:
    """In a new worker: never use a database connection inherited from the master (one socket, two processes)."""
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # forget the master's connections without closing them under its feet


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
