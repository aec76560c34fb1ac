"""Forms of the organisers' area (login, confirmations, check-in buttons)."""

from email_validator import EmailNotValidError
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Optional

from ..forms import normalise_email

REQUIRED = "Ce champ est obligatoire."


def canonical_email(value: str) -> str | None:
    """An organiser's address as stored (validated, normalised, lower-cased), or None when invalid.

    The command line and the login form both go through it, so `Orga@Exemple.fr ` is one account.
    """
    try:
        return normalise_email(value)[0]
    except EmailNotValidError:
        return None


class LoginForm(FlaskForm):
    """The organisers' login form."""

    email = EmailField(
        "Adresse e-mail",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false", "inputmode": "email"},
    )
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired(REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField(validators=[Optional(), Length(max=300)])


class ProConnectForm(FlaskForm):
    """The "S'identifier avec ProConnect" button, carrying the page to go back to after the sign-in."""

    next = HiddenField(validators=[Optional(), Length(max=300)])


class ConfirmForm(FlaskForm):
    """A POST that only needs its CSRF token (logout)."""


class ActionForm(FlaskForm):
    """Confirm an action on a registration, saying which state of it the page showed."""

    seen = HiddenField(validators=[Optional(), Length(max=64)])
