"""Organisers' login (password) and logout, and `requires(role)`, the guard every other organiser view declares.

Two roles: `organisation` may use everything; `accueil` (volunteers at the door) only the views declared
`@requires(Role.ACCUEIL)`: check-in and the sign-in sheet.
"""

import functools
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import write
from ..errors import render_error
from ..models import Organiser, Role, db
from ..typography import french
from . import audit, login_limit, proconnect
from . import sessions as organiser_sessions
from .forms import ConfirmForm, LoginForm, ProConnectForm, canonical_email

bp = Blueprint("auth", __name__)
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop de tentatives de connexion."


@functools.cache
def decoy_hash() -> str:
    """A hash checked for unknown accounts, so both failures take the same time."""
    return generate_password_hash("jnt-decoy-password")


def safe_next(target: str | None) -> str:
    """Only a path inside the organisers' area, never another site ("" if not)."""
    if target and target.startswith("/organisateurs/") and not target.startswith("//") and "\\" not in target:
        return target
    return ""


def home(organiser: Organiser) -> str:
    """The first page of the area this account may use."""
    return url_for("organisers.dashboard" if organiser.role == Role.ORGANISATION else "organisers.checkin.index")


def permits(organiser: Organiser, role: Role) -> bool:
    """Whether this account holds the role a view declares (organisation holds both)."""
    return role == Role.ACCUEIL or organiser.role == Role.ORGANISATION


def may(organiser: Organiser, endpoint: str) -> bool:
    """Whether this account may use the organiser view of this endpoint (False for an unknown one)."""
    role = getattr(current_app.view_functions.get(endpoint), "required_role", None)
    return role is not None and permits(organiser, role)


def landing(target: str | None, organiser: Organiser) -> str:
    """Where a login leads: the page asked for if this account may use it, else its first page."""
    path = safe_next(target)
    if path:
        try:
            endpoint, _ = current_app.create_url_adapter(request).match(urlsplit(path).path, method="GET")
        except HTTPException:
            endpoint = ""
        if may(organiser, endpoint):
            return path
    return home(organiser)


EXPIRED = "Votre session a expiré : rien n’a été enregistré. Reconnectez-vous, puis recommencez."
FORBIDDEN = "Votre compte d’accueil donne accès au pointage et à la liste d’émargement seulement."


def _to_login():
    """No live session: to the login page (then back to where the visitor was), never any data."""
    expired = session.pop(organiser_sessions.COOKIE_KEY, None) is not None
    if expired and request.method != "GET":
        # Never lose an action silently: the organiser learns it was not recorded.
        flash(french(EXPIRED), "warning")
    # After logging in again, back to the page the action came from (checked by safe_next).
    back = request.full_path if request.method == "GET" else urlsplit(request.headers.get("HX-Current-URL", "")).path
    target = url_for("organisers.auth.login", suivant=back or None)
    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, 303)


def requires(role: Role):
    """Declare who may use an organiser view, checked before it runs: visitors without a live session go to
    the login page, accounts of another role get a French 403 page; the role is kept on the view
    (`required_role`) for the menu and the tests that walk the URL map."""
    role = Role(role)

    def decorate(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            organiser = organiser_sessions.current()
            if organiser is None:
                return _to_login()
            g.organiser = organiser
            if not permits(organiser, role):
                return render_error(403, "Accès refusé", FORBIDDEN)
            return view(*args, **kwargs)

        guarded.required_role = role
        return guarded

    return decorate


def login_page(form: LoginForm | None = None, status: int = 200, error: str | None = None):
    """The login page, with an error message when there is one, and the ProConnect button when it is set up."""
    form = form or LoginForm()
    button = ProConnectForm(next=form.next.data) if proconnect.enabled() else None
    return render_template("organisers/login.html", form=form, proconnect_form=button, error=error), status


@bp.get("/connexion")
def login():
    """The login form (and the ProConnect button when it is set up)."""
    form = LoginForm(next=safe_next(request.args.get("suivant")))
    return login_page(form)


@bp.post("/connexion")
def authenticate():
    """Check the credentials within the failed-attempt limits, then open a session."""
    form = LoginForm()
    if not form.validate():
        return login_page(form, 422)
    email = canonical_email(form.email.data) or form.email.data.lower()
    attempt = login_limit.reserve(email, request.remote_addr or "")
    if isinstance(attempt, login_limit.Refusal):
        current_app.logger.info("Connexion organisateur refusée : trop de tentatives")
        unit = "minute" if attempt.minutes == 1 else "minutes"
        response = make_response(login_page(form, 429, f"{TOO_MANY} Réessayez dans {attempt.minutes} {unit}."))
        response.headers["Retry-After"] = str(attempt.seconds)
        return response
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == email))
    # A ProConnect account has no password: checked against the decoy, so it fails like a wrong one.
    stored = organiser.password_hash if organiser and organiser.password_hash else decoy_hash()
    right = check_password_hash(stored, form.password.data) and stored != decoy_hash()
    if organiser is None or not right or organiser.deactivated_at is not None:
        # Neither the typed address nor the password is recorded: only which account, if it exists.
        reason = (
            "compte inconnu" if organiser is None else "mot de passe incorrect" if not right else "compte désactivé"
        )
        with write():
            audit.record("connexion-refusee", detail=reason, organiser=organiser)
        return login_page(form, 401, BAD_CREDENTIALS)
    login_limit.withdraw(attempt)
    with write():
        organiser_sessions.start(organiser)
        g.organiser = organiser
        audit.record("connexion")
    return redirect(landing(form.next.data, organiser), 303)


@bp.post("/deconnexion")
@requires(Role.ACCUEIL)
def logout():
    """End this session, for every copy of its cookie; then the ProConnect session too, if it opened this one."""
    form = ConfirmForm()
    if not form.validate():
        return redirect(url_for(".login"), 303)
    with write():
        id_token = organiser_sessions.end_current()
        audit.record("deconnexion")
    if id_token:
        return proconnect.end_session(id_token)
    return redirect(url_for(".login"), 303)
