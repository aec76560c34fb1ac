"""`flask --app jnt organiser add|list|role|password|remove`: organiser accounts, on the command line only."""

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..database import write
from ..models import Organiser, Role, db, utcnow
from . import audit
from . import sessions as organiser_sessions
from .forms import canonical_email

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


def new_password_hash() -> str:
    """Read a password within the length rules; its scrypt hash (werkzeug's default, memory-hard, salted)."""
    password = read_password()
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise click.ClickException(f"le mot de passe doit compter de {MIN_PASSWORD} à {MAX_PASSWORD} caractères")
    return generate_password_hash(password, method="scrypt")


def normalise(email: str) -> str:
    """The address as stored: validated, normalised, lower-cased (the same for every command)."""
    address = canonical_email(email)
    if address is None:
        raise click.BadParameter("adresse e-mail invalide", param_hint="EMAIL")
    return address


def account(email: str) -> Organiser | None:
    """The account of this (normalised) address, active or not."""
    return db.session.scalar(select(Organiser).where(Organiser.email == email))


def audited(action: str, organiser: Organiser) -> None:
    """Record an account change made on the command line (inside the caller's write)."""
    audit.record(action, detail="ligne de commande", organiser=organiser)


organiser = AppGroup("organiser", help="Comptes organisateurs (création, liste, rôle, mot de passe, désactivation).")
ROLE_OPTION = click.Choice([r.value for r in Role])


@organiser.command("add")
@click.argument("email")
@click.option(
    "--role",
    type=ROLE_OPTION,
    default=Role.ORGANISATION.value,
    show_default=True,
    help="organisation : tout l'espace ; accueil : pointage et liste d'émargement seulement.",
)
@click.option("--proconnect", is_flag=True, help="Connexion avec ProConnect, sans mot de passe.")
def add(email: str, role: str, proconnect: bool) -> None:
    """Créer un compte organisateur, ou réactiver un compte désactivé, avec un nouveau mot de passe (ou ProConnect)."""
    email = normalise(email)
    found = account(email)
    if found is not None and found.deactivated_at is None:
        raise click.ClickException(f"le compte {email} existe déjà")
    password_hash = None if proconnect else new_password_hash()  # typed before the write lock is taken
    with write():
        found = account(email)
        if found is not None and found.deactivated_at is None:
            raise click.ClickException(f"le compte {email} existe déjà")
        if found is None:
            found = Organiser(email=email, password_hash=password_hash, role=role, proconnect=proconnect)
            db.session.add(found)
            db.session.flush()
            audited("compte-cree", found)
            message = f"Compte organisateur créé : {email}"
        else:
            # Same address, same account: its audit history and id carry on. Its ProConnect identity is
            # bound afresh at the next sign-in: the address may have passed to someone else meanwhile.
            found.password_hash, found.deactivated_at = password_hash, None
            found.role, found.proconnect, found.oidc_sub = role, proconnect, None
            organiser_sessions.end_all(found.id)
            audited("compte-reactive", found)
            message = f"Compte organisateur réactivé : {email}"
    click.echo(f"{message} ({Role(role).label}{', ProConnect' if proconnect else ''})")


@organiser.command("list")
def list_() -> None:
    """Lister les comptes organisateurs, avec leur rôle et leur façon de se connecter."""
    accounts = db.session.scalars(select(Organiser).order_by(Organiser.email)).all()
    if not accounts:
        click.echo("Aucun compte organisateur.")
    for a in accounts:
        state = f"\tdésactivé le {a.deactivated_at:%Y-%m-%d %H:%M} UTC" if a.deactivated_at else ""
        ways = ", ".join(w for w, on in (("mot de passe", a.password_hash), ("ProConnect", a.proconnect)) if on)
        created = f"créé le {a.created_at:%Y-%m-%d %H:%M} UTC"
        click.echo(f"{a.id}\t{a.email}\t{a.role}\t{ways}\t{created}{state}")


@organiser.command("role")
@click.argument("email")
@click.argument("role", type=ROLE_OPTION)
def role(email: str, role: str) -> None:
    """Changer le rôle d'un compte (organisation ou accueil) ; il vaut dès la requête suivante."""
    email = normalise(email)
    with write():
        found = account(email)
        if found is None or found.deactivated_at is not None:
            raise click.ClickException(f"aucun compte actif {email}")
        changed = found.role != role
        if changed:
            found.role = role
            audit.record("role-change", detail=f"ligne de commande : {role}", organiser=found)
    click.echo(f"Rôle {'changé' if changed else 'inchangé'} : {email} ({Role(role).label})")


@organiser.command("password")
@click.argument("email")
def password(email: str) -> None:
    """Changer le mot de passe d'un compte (ses sessions ouvertes sont fermées)."""
    email = normalise(email)
    refused = f"aucun compte actif {email} (un compte désactivé se réactive avec : organiser add {email})"
    found = account(email)
    if found is None or found.deactivated_at is not None:
        raise click.ClickException(refused)
    if found.proconnect:
        raise click.ClickException(f"{email} se connecte avec ProConnect, sans mot de passe")
    password_hash = new_password_hash()  # typed before the write lock is taken
    with write():
        found = account(email)
        if found is None or found.deactivated_at is not None:
            raise click.ClickException(refused)
        found.password_hash = password_hash
        ended = organiser_sessions.end_all(found.id)
        audited("mot-de-passe-change", found)
    click.echo(f"Mot de passe changé : {email} ({ended} session(s) fermée(s))")


@organiser.command("remove")
@click.argument("email")
def remove(email: str) -> None:
    """Désactiver un compte organisateur (ses sessions ouvertes sont fermées ; le journal garde son nom)."""
    email = normalise(email)
    with write():
        found = account(email)
        if found is None:
            raise click.ClickException(f"aucun compte {email}")
        if found.deactivated_at is not None:
            message = f"Compte organisateur déjà désactivé : {email}"
        else:
            found.deactivated_at = utcnow()
            ended = organiser_sessions.end_all(found.id)
            audited("compte-desactive", found)
            message = f"Compte organisateur désactivé : {email} ({ended} session(s) fermée(s))"
    click.echo(message)
