"""One FlaskForm per form, with French messages and length limits."""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from .models import IN_PERSON, REMOTE
from .typography import french

STRUCTURE_TYPES = [
    ("collectivite", "Collectivité territoriale"),
    ("mutualisation", "Structure de mutualisation"),
    ("service_deconcentre", "Service déconcentré de l’État"),
    ("sgar", "SGAR"),
    ("administration_centrale", "Administration centrale"),
    ("autre", "Autre"),
]
# The form's choices, from the modes' labels (the form says how remote participation happens).
MODES = [(IN_PERSON, IN_PERSON.label), (REMOTE, f"{REMOTE.label} (visioconférence)")]
MODES_WHEN_FULL = [(IN_PERSON, f"{IN_PERSON.label} — liste d’attente (complet)"), MODES[1]]
MODES_WHEN_IN_PERSON_CLOSED = [MODES[1]]
REQUIRED = "Ce champ est obligatoire."
CHOOSE_A_MODE = french("Choisissez « en présentiel » ou « à distance ».")


def choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    """(value, label) pairs, the site's label tables, as a choice field's choices."""
    return [SelectChoice(value, label) for value, label in pairs]


# C0/C1 control characters (tab and newlines are allowed only in the free-text field).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK = re.compile(r"[\t\r\n]")
# Bidirectional embeddings, overrides and isolates: they reorder how text is displayed
# (« Martin\u202egnp.exe » shows as « Martinexe.png »), in the lists and exports organisers read.
BIDI_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Letters, digits and symbols that still print nothing (Braille blank, Hangul fillers).
BLANK_GLYPHS = frozenset("\u2800\u3164\u115f\u1160\uffa0")
# A field people never see nor reach (written in registration/_form.html); bots fill it (ratelimit.py).
HONEYPOT_FIELD = "website"


def normalise_email(value: str, check_deliverability: bool = False) -> tuple[str, bool]:
    """The address as stored everywhere (validated, normalised, lower-cased) and whether it needs SMTPUTF8.

    The one normaliser of the site: registration, the organisers' login and the command line all use it,
    so « Camille.Martin@Example.ORG » is one person and « Orga@Exemple.fr » one account. Raises
    EmailNotValidError for an address that is not one.
    """
    info = validate_email(value.strip(), check_deliverability=check_deliverability)
    return info.normalized.lower(), info.smtputf8


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(multiline: bool = False):
    """Refuse invisible control characters (and line breaks in one-line fields)."""

    def check(_form, field):
        value = field.data or ""
        if CONTROL.search(value) or (not multiline and LINE_BREAK.search(value)):
            raise ValidationError("Ce champ contient des caractères non autorisés.")

    return check


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNS" and char not in BLANK_GLYPHS


def visible_text(_form, field):
    """Refuse bidi controls, and a value made only of invisible characters (U+200B, U+2800…)."""
    value = field.data or ""
    if BIDI_CONTROL.search(value):
        raise ValidationError(
            "Ce champ contient des caractères invisibles qui inversent le sens d’écriture : retirez-les."
        )
    if value and not any(_visible(c) for c in value):
        raise ValidationError("Ce champ ne contient aucune lettre ni aucun chiffre visible.")


def length(maximum: int):
    return Length(max=maximum, message=f"{maximum} caractères au maximum.")


def text_field(label: str, maximum: int, **kwargs):
    """A required one-line text field, trimmed, bounded, without control characters."""
    return StringField(
        label,
        filters=[_strip],
        validators=[DataRequired(REQUIRED), length(maximum), no_control_characters(), visible_text],
        **kwargs,
    )


class RegistrationForm(FlaskForm):
    """The registration form (/inscription)."""

    first_name = text_field("Prénom", 100, render_kw={"autocomplete": "given-name"})
    last_name = text_field("Nom", 100, render_kw={"autocomplete": "family-name"})
    email = StringField(
        "Adresse e-mail",
        filters=[_strip],
        validators=[DataRequired(REQUIRED), length(254)],
        description=french("Format attendu : nom@domaine.fr"),
        render_kw={"autocomplete": "email", "type": "email", "spellcheck": "false"},
    )
    organisation = text_field(
        "Organisation", 200, description="Votre collectivité ou structure", render_kw={"autocomplete": "organization"}
    )
    # A value outside the choices (none ticked, or a crafted one) gets the field's own French message.
    structure_type = SelectField(
        "Type de structure",
        choices=choices(STRUCTURE_TYPES),
        invalid_choice_message="Choisissez un type de structure dans la liste.",
    )
    job_title = text_field("Fonction", 150, render_kw={"autocomplete": "organization-title"})
    # The view narrows the choices to what is open now (registration.mode_choices).
    mode = RadioField("Mode de participation", choices=choices(MODES), invalid_choice_message=CHOOSE_A_MODE)
    accessibility_needs = TextAreaField(
        "Besoins d’accessibilité (facultatif)",
        filters=[_strip],
        validators=[Optional(), length(1000), no_control_characters(multiline=True), visible_text],
        description=french(
            "Indiquez seulement ce dont vous aurez besoin sur place (par exemple : accès en fauteuil roulant, "
            "interprétation en langue des signes, sous-titrage). Ces informations peuvent concerner votre santé : "
            "seules les équipes qui préparent l’accueil les voient, elles ne figurent dans aucun e-mail et sont "
            "supprimées avec votre inscription."
        ),
    )
    consent = BooleanField(
        "Notice sur les données personnelles",
        validators=[DataRequired("Vous devez prendre connaissance de la notice pour vous inscrire.")],
    )
    # One random value per displayed form: a second submission of the same form is recognised.
    submission_id = HiddenField(validators=[Optional(), Length(max=64)])

    def validate_email(self, field):
        """Check the address with email-validator and keep its normalised form."""
        try:
            address, needs_smtputf8 = normalise_email(field.data, current_app.config["EMAIL_CHECK_DELIVERABILITY"])
        except EmailNotValidError:
            raise ValidationError("Saisissez une adresse e-mail valide, par exemple nom@domaine.fr.") from None
        if needs_smtputf8:
            # Most mail servers cannot deliver it, and it is usually a typo (élodie@ for elodie@).
            raise ValidationError(
                french(
                    "Saisissez l’adresse sans accent ni caractère spécial avant le « @ », "
                    "par exemple elodie.martin@domaine.fr."
                )
            )
        field.data = address


class DetailsForm(RegistrationForm):
    """What a registered person may correct (management page): the registration form without address, mode, consent."""

    email = None
    mode = None
    consent = None
    submission_id = None


class HandoverForm(FlaskForm):
    """The colleague's address, to offer them one's place (management page)."""

    email = RegistrationForm.email
    validate_email = RegistrationForm.validate_email


class AcceptForm(RegistrationForm):
    """The colleague's details, to take the place offered (their address is the one the link proved)."""

    email = None
    mode = None
    submission_id = None


class ModeForm(FlaskForm):
    """Switch between in person and remote (management page)."""

    mode = HiddenField(validators=[InputRequired(REQUIRED)])

    def validate_mode(self, field):
        if field.data not in dict(MODES):
            raise ValidationError(CHOOSE_A_MODE)


class ProofForm(FlaskForm):
    """Confirm a registration from the e-mailed link (CSRF token only: a mail scanner's GET confirms nothing)."""


class CancelForm(FlaskForm):
    """Confirm the cancellation (CSRF token only: a link followed by a mail scanner changes nothing)."""


class JoinForm(FlaskForm):
    """Join the video conference (CSRF token only: the join is recorded by a POST, never by a followed link)."""
