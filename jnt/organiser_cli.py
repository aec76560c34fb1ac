"""`flask --app jnt organiser add|list|remove`: organiser accounts, on the command line only."""

import sys

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from .models import Organiser, db

MIN_PASSWORD = 12
MAX_PASSWORD = 1024


def stdin_is_tty() -> bool:
    """Whether someone types at a terminal (else the password is piped in)."""
    return sys.stdin.isatty()


def read_password() -> str:
    """Prompt twice at a terminal; read one line when piped (`echo "$PW" | flask ... add`)."""
    if stdin_is_tty():
        return click.prompt("Mot de passe", hide_input=True, confirmation_prompt="Confirmez le mot de passe")
    return sys.stdin.readline().rstrip("\r\n")


def normalise(email: str) -> str:
    """The address as stored: validated, normalised, lower-cased."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise click.BadParameter("adresse e-mail invalide", param_hint="EMAIL") from None


organiser = AppGroup("organiser", help="Comptes organisateurs (création, liste, suppression).")


@organiser.command("add")
@click.argument("email")
def add(email: str) -> None:
    """Créer un compte organisateur (mot de passe demandé deux fois, ou lu sur l'entrée standard)."""
    email = normalise(email)
    if db.session.scalar(select(Organiser).where(Organiser.email == email)):
        raise click.ClickException(f"le compte {email} existe déjà")
    password = read_password()
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise click.ClickException(f"le mot de passe doit compter de {MIN_PASSWORD} à {MAX_PASSWORD} caractères")
    # scrypt (werkzeug's default method), memory-hard; parameters and salt are stored in the hash.
    db.session.add(Organiser(email=email, password_hash=generate_password_hash(password, method="scrypt")))
    db.session.commit()
    click.echo(f"Compte organisateur créé : {email}")


@organiser.command("list")
def list_() -> None:
    """Lister les comptes organisateurs."""
    accounts = db.session.scalars(select(Organiser).order_by(Organiser.email)).all()
    if not accounts:
        click.echo("Aucun compte organisateur.")
    for account in accounts:
        click.echo(f"{account.id}\t{account.email}\tcréé le {account.created_at:%Y-%m-%d %H:%M} UTC")


@organiser.command("remove")
@click.argument("email")
def remove(email: str) -> None:
    """Supprimer un compte organisateur (ses sessions ouvertes sont refusées aussitôt)."""
    account = db.session.scalar(select(Organiser).where(Organiser.email == email.strip().lower()))
    if account is None:
        raise click.ClickException(f"aucun compte {email}")
    db.session.delete(account)
    db.session.commit()
    click.echo(f"Compte organisateur supprimé : {email.strip().lower()}")
