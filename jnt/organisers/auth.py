"""Organisers' login and logout, and the `login_required` guard of every other organiser URL."""

import functools
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import write
from ..models import Organiser, db
from ..typography import french
from . import audit, login_limit
from . import sessions as organiser_sessions
from .forms import ConfirmForm, LoginForm, canonical_email

bp = Blueprint("auth", __name__)
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
TOO_MANY = "Trop de tentatives de connexion."


@functools.cache
def decoy_hash() -> str:
    """A hash checked for unknown accounts, so both failures take the same time."""
    return generate_password_hash("jnt-decoy-password")


def _safe_next(target: str | None) -> str:
    """Only a path inside the organisers' area, never another site."""
    home = url_for("organisers.dashboard")
    if target and target.startswith("/organisateurs/") and not target.startswith("//") and "\\" not in target:
        return target
    return home


EXPIRED = "Votre session a expiré : rien n’a été enregistré. Reconnectez-vous, puis recommencez."


def login_required(view):
    """Refuse visitors without a live session before the view runs: redirect to the login page, never any data."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        organiser = organiser_sessions.current()
        if organiser is None:
            expired = session.pop(organiser_sessions.COOKIE_KEY, None) is not None
            if expired and request.method != "GET":
                # Never lose an action silently: the organiser learns it was not recorded.
                flash(
                    french("Votre session a expiré : rien n’a été enregistré. Reconnectez-vous, puis recommencez."),
                    "warning",
                )
            # After logging in again, back to the page the action came from (checked by _safe_next).
            back = (
                request.full_path
                if request.method == "GET"
                else urlsplit(request.headers.get("HX-Current-URL", "")).path
            )
            target = url_for("organisers.auth.login", suivant=back or None)
            if request.htmx:
                response = make_response("", 204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, 303)
        g.organiser = organiser
        return view(*args, **kwargs)

    return guarded


def _login_page(form: LoginForm, status: int = 200, error: str | None = None):
    """The login page, with an error message when there is one."""
    return render_template("organisers/login.html", form=form, error=error), status


@bp.get("/connexion")
def login():
    """The login form."""
    form = LoginForm(next=_safe_next(request.args.get("suivant")))
    return _login_page(form)


@bp.post("/connexion")
def authenticate():
    """Check the credentials within the failed-attempt limits, then open a session."""
    form = LoginForm()
    if not form.validate():
        return _login_page(form, 422)
    email = canonical_email(form.email.data) or form.email.data.lower()
    attempt = login_limit.reserve(email, request.remote_addr or "")
    if isinstance(attempt, login_limit.Refusal):
        current_app.logger.info("Connexion organisateur refusée : trop de tentatives")
        unit = "minute" if attempt.minutes == 1 else "minutes"
        response = make_response(_login_page(form, 429, f"{TOO_MANY} Réessayez dans {attempt.minutes} {unit}."))
        response.headers["Retry-After"] = str(attempt.seconds)
        return response
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == email))
    stored = organiser.password_hash if organiser else decoy_hash()
    right = check_password_hash(stored, form.password.data)
    if organiser is None or not right or organiser.deactivated_at is not None:
        # Neither the typed address nor the password is recorded: only which account, if it exists.
        reason = (
            "compte inconnu" if organiser is None else "mot de passe incorrect" if not right else "compte désactivé"
        )
        with write():
            audit.record("connexion-refusee", detail=reason, organiser=organiser)
        return _login_page(form, 401, BAD_CREDENTIALS)
    login_limit.withdraw(attempt)
    with write():
        organiser_sessions.start(organiser)
        g.organiser = organiser
        audit.record("connexion")
    return redirect(_safe_next(form.next.data), 303)


@bp.post("/deconnexion")
@login_required
def logout():
    """End this session, for every copy of its cookie."""
    form = ConfirmForm()
    if form.validate():
        with write():
            organiser_sessions.end_current()
            audit.record("deconnexion")
    return redirect(url_for(".login"), 303)
