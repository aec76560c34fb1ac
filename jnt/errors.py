"""French error pages, in the site's layout, for normal and htmx requests."""

import logging

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .typography import french

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Requête invalide", "La requête envoyée n’a pas pu être comprise."),
    403: ("Accès refusé", "Vous n’avez pas accès à cette page."),
    404: ("Page non trouvée", "La page que vous cherchez est introuvable. Vérifiez l’adresse, ou revenez à l’accueil."),
    405: ("Méthode non autorisée", "Cette adresse ne peut pas être utilisée de cette façon."),
    413: ("Envoi trop volumineux", "Les données envoyées dépassent la taille autorisée. Raccourcissez vos réponses."),
    429: ("Trop de tentatives", "Vous avez fait trop de demandes en peu de temps. Patientez quelques minutes."),
    500: ("Erreur du serveur", "Une erreur inattendue est survenue. Réessayez dans quelques instants."),
}
CSRF_MESSAGE = (
    "Session expirée",
    "Le formulaire a expiré ou n’a pas pu être vérifié (jeton de sécurité absent ou invalide). "
    "Rechargez la page et envoyez-le à nouveau : rien n’a été enregistré.",
)


def render_error(code: int, title: str, text: str):
    """The error page, or only its message for an htmx request (swapped in place)."""
    title, text = french(title), french(text)
    if not request.htmx:
        return render_template("errors/error.html", code=code, title=title, text=text), code
    # htmx: show the message above the page's content, keeping what the visitor typed.
    headers = {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML", "Vary": "HX-Request"}
    return render_template("errors/_error.html", code=code, title=title, text=text), code, headers


def handle_http(exc: HTTPException):
    """Any HTTP error: a French page with the right status."""
    code = exc.code or 500
    title, text = MESSAGES.get(code, (exc.name, "La requête n’a pas abouti."))
    return render_error(code, title, text)


def handle_csrf(_exc: CSRFError):
    """A missing or wrong CSRF token: 400, nothing stored."""
    return render_error(400, *CSRF_MESSAGE)


def handle_unexpected(exc: Exception):
    """An uncaught exception: logged (without request data), then a plain 500 page."""
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    log.exception("Erreur inattendue sur %s %s", request.method, request.path)
    return handle_http(InternalServerError())


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
