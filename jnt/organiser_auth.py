"""Organisers' login, logout and the `login_required` guard of every other organiser URL."""

import functools

from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from . import login_limit
from .models import Organiser, db
from .organiser_forms import ConfirmForm, LoginForm

bp = Blueprint("auth", __name__)
SESSION_KEY = "organiser_id"
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."


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


def login_required(view):
    """Refuse anonymous visitors before the view runs: redirect to the login page, never any data."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        organiser_id = session.get(SESSION_KEY)
        organiser = db.session.get(Organiser, organiser_id) if isinstance(organiser_id, int) else None
        if organiser is None:
            session.pop(SESSION_KEY, None)
            target = url_for("organisers.auth.login", suivant=request.full_path if request.method == "GET" else None)
            if request.htmx:
                response = make_response("", 204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target, 303)
        g.organiser = organiser
        return view(*args, **kwargs)

    guarded.login_required = True
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
    """Check the credentials within the failed-attempt limits, then open the session."""
    form = LoginForm()
    if not form.validate():
        return _login_page(form, 422)
    email = form.email.data.lower()
    reservation = login_limit.reserve(email, request.remote_addr or "")
    if reservation is None:
        minutes = login_limit.retry_minutes()
        error = f"Trop de tentatives de connexion. Réessayez dans {minutes} minutes."
        return _login_page(form, 429, error)
    organiser = db.session.scalar(select(Organiser).where(Organiser.email == email))
    stored = organiser.password_hash if organiser else decoy_hash()
    if not check_password_hash(stored, form.password.data) or organiser is None:
        current_app.logger.info("Connexion organisateur refusée")
        return _login_page(form, 401, BAD_CREDENTIALS)
    login_limit.withdraw(reservation)
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = organiser.id
    current_app.logger.info("Connexion de l'organisateur %s", organiser.id)
    return redirect(_safe_next(form.next.data), 303)


@bp.post("/deconnexion")
@login_required
def logout():
    """Close the session."""
    form = ConfirmForm()
    if form.validate():
        session.clear()
    return redirect(url_for(".login"), 303)
