"""Forms of the organisers' area (login, confirmations, check-in buttons, walk-ins, messages)."""

from email_validator import EmailNotValidError
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp, ValidationError

from ..forms import length, no_control_characters, normalise_email, text_field, visible_text
from ..typography import french
from .segments import DEFAULT, SEGMENTS

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
    """A POST that only needs its CSRF token (logout, the check-in buttons)."""


class ActionForm(FlaskForm):
    """Confirm an action on a registration, saying which state of it the page showed."""

    seen = HiddenField(validators=[Optional(), Length(max=64)])


class WalkInForm(FlaskForm):
    """Someone not registered, added at the entrance; the e-mail is optional (and never written to)."""

    first_name = text_field("Prénom", 100, render_kw={"autocomplete": "off"})
    last_name = text_field("Nom", 100, render_kw={"autocomplete": "off"})
    organisation = text_field("Organisation", 200, render_kw={"autocomplete": "off"})
    email = StringField(
        "Adresse e-mail (facultatif)",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional(), length(254)],
        description="Aucun e-mail ne lui est envoyé tant que l’adresse n’est pas vérifiée.",
        render_kw={"autocomplete": "off", "type": "email", "spellcheck": "false"},
    )
    # Set by the second button, offered only once no seat was free: the room allows one more.
    beyond_capacity = BooleanField(false_values=("", "non"))

    def validate_email(self, field):
        """Keep the normalised address, as everywhere else (one person, one address)."""
        address = canonical_email(field.data)
        if address is None:
            raise ValidationError("Saisissez une adresse e-mail valide, par exemple nom@domaine.fr, ou laissez vide.")
        field.data = address


SUBJECT_MAX, BODY_MAX = 150, 10_000


def _lines(value):
    """The text as typed, with one kind of line break (browsers send CRLF) and no trailing blanks."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip() if isinstance(value, str) else value


class MessageForm(FlaskForm):
    """A message to registrants: subject, text and segment (the thank-you message has its segment set)."""

    subject = text_field("Objet", SUBJECT_MAX)
    body = TextAreaField(
        "Texte",
        description=french(
            "Chaque personne le reçoit précédé de « Bonjour » et de son prénom, et suivi de son lien "
            "personnel de gestion et de la signature de l’équipe."
        ),
        filters=[_lines],
        validators=[DataRequired(REQUIRED), length(BODY_MAX), no_control_characters(multiline=True), visible_text],
    )
    # Radio buttons written in organisers/messages.html; AnyOf, not RadioField, for a French error.
    segment = StringField(
        "Destinataires",
        default=DEFAULT,
        validators=[AnyOf(list(SEGMENTS), message="Choisissez les destinataires dans la liste.")],
    )
    # Which message: an ordinary one, or the thank-you after the day ("remerciement").
    kind = HiddenField(validators=[DataRequired(), Regexp(r"^(message|remerciement)$")])


class SendForm(MessageForm):
    """The confirmation step: the same fields, sent once (form_key), to as many people as the preview showed."""

    form_key = HiddenField(validators=[DataRequired(), Length(max=64)])
    count = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9]{1,9}$")])
