"""Organisers' sign-in with ProConnect, the State's identity federation for public agents (OpenID Connect).

The authorization code flow, through Authlib's Flask client. State and nonce are random (43 characters:
ProConnect wants 32 at least), kept in the signed session cookie and checked at the return; only the
parameters ProConnect accepts are sent (it refuses any other). An agent gets in only if the organiser list
has a ProConnect account with their e-mail: the first sign-in binds that account to the provider's `sub`,
which alone identifies the agent from then on (ProConnect sends no `email_verified` and recommends `sub`).
ProConnect answers userinfo with a signed JWT (`application/jwt`), other providers with JSON: both are read,
the JWT checked against the provider's published keys. Logout ends the ProConnect session too.
"""

import hmac
import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, request, session, url_for
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.errors import JoseError as JoseRfcError
from joserfc.jwk import KeySet
from sqlalchemy import select

from ..config import OIDC_SETTINGS
from ..database import write
from ..models import Organiser, db
from ..typography import french
from ..urls import public_url
from . import audit, auth
from . import sessions as organiser_sessions
from .forms import ProConnectForm, canonical_email

bp = Blueprint("proconnect", __name__)
NAME = "proconnect"
# What ProConnect gives every service; only the e-mail (first sign-in) and `sub` are kept.
SCOPE = "openid email given_name usual_name"
TIMEOUT = 10  # seconds for each call to the provider: a provider that hangs never holds a worker longer
NEXT_KEY, LOGOUT_KEY = "proconnect_next", "proconnect_logout_state"
# Everything a provider's bad or hostile answer can raise: the agent gets a French page, never a 500.
FAILURES = (AuthlibBaseError, JoseRfcError, requests.RequestException, ValueError, KeyError, TypeError)
UNAVAILABLE = "La connexion avec ProConnect n’a pas abouti. Réessayez, ou connectez-vous avec votre mot de passe."
NOT_ALLOWED = (
    "Votre compte ProConnect n’est pas sur la liste des organisateurs. Demandez à l’équipe technique de vous y ajouter."
)


def enabled(app: Flask | None = None) -> bool:
    """Whether ProConnect is set up (issuer, client id and secret all given)."""
    cfg = (app or current_app).config
    return all(cfg.get(name) for name in OIDC_SETTINGS)


def init_app(app: Flask) -> None:
    """Register this app's ProConnect client (its provider metadata is fetched at the first use)."""
    if not enabled(app):
        return
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        # ProConnect's documentation has the secret sent in the token request's body.
        client_kwargs={"scope": SCOPE, "default_timeout": TIMEOUT, "token_endpoint_auth_method": "client_secret_post"},
    )
    app.extensions["jnt_proconnect"] = oauth.create_client(NAME)


def _client():
    """The ProConnect client of this app (404 when ProConnect is not set up)."""
    if not enabled():
        abort(404)
    return current_app.extensions["jnt_proconnect"]


def _refused(reason: str, message: str, status: int, organiser: Organiser | None = None):
    """The login page with the message; the refusal is audited (the reason, no personal data)."""
    with write():
        audit.record("connexion-refusee", detail=f"ProConnect : {reason}", organiser=organiser)
    return auth.login_page(status=status, error=message)


@bp.post("/connexion/proconnect")
def start():
    """Send the agent to ProConnect, with a fresh state and nonce kept in the session cookie."""
    client = _client()
    form = ProConnectForm()  # its CSRF token is checked by CSRFProtect before this view runs
    try:
        found = client.create_authorization_url(
            public_url(".callback"), state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32)
        )
    except FAILURES as exc:
        current_app.logger.warning("ProConnect injoignable : %s", type(exc).__name__)
        return auth.login_page(status=502, error=UNAVAILABLE)
    # Only the latest attempt stays valid: presses never taken to the end do not pile up in the cookie.
    for key in [k for k in session if k.startswith(f"_state_{NAME}_")]:
        del session[key]
    client.save_authorize_data(redirect_uri=public_url(".callback"), **found)
    session[NEXT_KEY] = auth.safe_next(form.next.data)
    return redirect(found["url"], 303)


@bp.get("/connexion/proconnect/retour")
def callback():
    """Back from ProConnect: check state and nonce, read who it is, then open a session for an allowed agent."""
    client = _client()
    try:
        token = client.authorize_access_token()  # state (session) and the ID token with its nonce, checked
        sub = token["userinfo"]["sub"]
        claims = _userinfo(client, token, sub)
    except FAILURES as exc:
        current_app.logger.warning("Connexion ProConnect refusée : %s", type(exc).__name__)
        return _refused("réponse invalide ou refusée", UNAVAILABLE, 400)
    email = canonical_email(claims["email"]) if isinstance(claims.get("email"), str) else None
    landing = session.pop(NEXT_KEY, "")
    with write():
        organiser = _account(sub, email)
        if organiser is not None and organiser.deactivated_at is None and organiser.proconnect:
            organiser_sessions.start(organiser, id_token=token["id_token"])
            g.organiser = organiser
            audit.record("connexion", detail="ProConnect")
    if g.get("organiser") is None:
        return _refused("compte inconnu ou désactivé", NOT_ALLOWED, 403, organiser)
    return redirect(auth.landing(landing, organiser), 303)


def _account(sub: str, email: str | None) -> Organiser | None:
    """The account of this `sub`; else the ProConnect account of this e-mail not bound yet, bound now."""
    bound = db.session.scalar(select(Organiser).where(Organiser.oidc_sub == sub))
    if bound is not None or email is None:
        return bound
    found = db.session.scalar(
        select(Organiser).where(Organiser.email == email, Organiser.proconnect.is_(True), Organiser.oidc_sub.is_(None))
    )
    if found is not None and found.deactivated_at is None:
        found.oidc_sub = sub
        audit.record("compte-lie-proconnect", organiser=found)
    return found


def _userinfo(client, token: dict, sub: str) -> dict:
    """The agent's claims from the userinfo endpoint, a signed JWT or JSON; about the ID token's `sub` only."""
    metadata = client.load_server_metadata()
    response = client.get(metadata["userinfo_endpoint"], token=token)
    response.raise_for_status()
    if response.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/jwt":
        claims = _verified_jwt(client, response.text.strip(), metadata)
    else:
        claims = response.json()
    if not isinstance(claims, dict) or claims.get("sub") != sub:
        raise ValueError("userinfo about another subject")
    return claims


def _verified_jwt(client, text: str, metadata: dict) -> dict:
    """The claims of a userinfo JWT signed with one of the provider's keys, issued by it for this client."""
    algorithms = metadata.get("userinfo_signing_alg_values_supported") or metadata.get(
        "id_token_signing_alg_values_supported"
    )
    try:
        decoded = jwt.decode(text, KeySet.import_key_set(client.fetch_jwk_set()), algorithms=algorithms)
    except InvalidKeyIdError:  # the provider rotated its keys since they were fetched
        decoded = jwt.decode(text, KeySet.import_key_set(client.fetch_jwk_set(force=True)), algorithms=algorithms)
    # iss and aud are optional in a userinfo JWT; when there, they must be the provider and this client.
    jwt.JWTClaimsRegistry(
        iss={"essential": False, "value": metadata["issuer"]},
        aud={"essential": False, "value": current_app.config["OIDC_CLIENT_ID"]},
    ).validate(decoded.claims)
    return decoded.claims


def end_session(id_token: str):
    """After the local logout: the browser goes to ProConnect's end-session endpoint, then back here."""
    if not enabled():  # set up when this session opened, not any more
        return redirect(url_for("organisers.auth.login"), 303)
    state = secrets.token_urlsafe(32)
    try:
        found = _client().create_logout_url(
            post_logout_redirect_uri=public_url("organisers.proconnect.logged_out"), id_token_hint=id_token, state=state
        )
    except (*FAILURES, RuntimeError) as exc:
        current_app.logger.warning("Déconnexion ProConnect impossible : %s", type(exc).__name__)
        return redirect(url_for("organisers.auth.login"), 303)
    session[LOGOUT_KEY] = state
    return redirect(found["url"], 303)


@bp.get("/deconnexion/proconnect")
def logged_out():
    """Back from ProConnect's logout: its state checked, then the login page."""
    expected = session.pop(LOGOUT_KEY, None)
    if isinstance(expected, str) and hmac.compare_digest(expected.encode(), request.args.get("state", "").encode()):
        flash(french("Vous êtes déconnecté de l’espace organisateurs et de ProConnect."), "success")
    return redirect(url_for("organisers.auth.login"), 303)
