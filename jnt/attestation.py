"""The attestation de présence: who gets one, from when, and what it says.

From the end of the day (the site's clock), a person whose presence was recorded downloads a
PDF from their management page: checked in at the entrance by the organisers, or, for a remote
attendee, the first press of "Rejoindre la visioconférence" on that page (visio.py).
"""

import functools

from flask import Response, current_app

from . import attestation_pdf, clock
from .formatting import date_fr, hour_fr
from .models import IN_PERSON, REMOTE, Registration
from .typography import french

FILENAME = "attestation.pdf"
DOWNLOAD_NAME = "attestation-de-presence.pdf"


def attended(registration: Registration) -> bool:
    """Whether the person's presence was recorded: checked in on site, or joined the video conference remotely."""
    joined = registration.mode == REMOTE and registration.joined_at is not None
    return registration.checked_in_at is not None or joined


def mode(registration: Registration) -> str:
    """How the person attended, as the attestation says it."""
    return "en présentiel" if registration.mode == IN_PERSON else "à distance"


def _contact() -> str:
    return current_app.config["CONTACT_EMAIL"]


def refusal(registration: Registration) -> str | None:
    """Why this person gets no attestation now, in French (None: they get one)."""
    event = current_app.extensions["jnt_event"]
    if not clock.event_over():
        return french(
            "L’attestation de présence sera proposée sur cette page à partir de la fin de la journée, "
            f"le {date_fr(event.end)} à {hour_fr(event.end)}."
        )
    if not attended(registration) and registration.mode == REMOTE:
        return french(
            "Aucune connexion à la visioconférence n’a été enregistrée à votre nom (elle l’est quand "
            "on la rejoint par le bouton de cette page) : nous ne pouvons donc pas vous délivrer "
            f"d’attestation de présence. Si vous avez bien suivi la journée, écrivez-nous à {_contact()} : "
            "nous vérifierons."
        )
    if not attended(registration):
        return french(
            "Aucune présence n’a été enregistrée à votre nom à l’accueil de la journée : nous ne pouvons "
            "donc pas vous délivrer d’attestation de présence. Si vous étiez bien sur place, écrivez-nous "
            f"à {_contact()} : nous vérifierons."
        )
    if attestation_pdf.unprintable(registration.full_name, registration.organisation):
        return french(
            "Votre nom ou votre organisation contient des caractères que nos polices ne savent pas "
            "encore écrire : pour ne pas vous délivrer une attestation incomplète, elle n’est pas "
            f"produite ici. Écrivez-nous à {_contact()} : nous vous l’enverrons."
        )
    return None


def _joined(parts: list[str]) -> str:
    """« a, b et c »."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"


def details(registration: Registration) -> attestation_pdf.Details:
    """What this person's attestation says."""
    event = current_app.extensions["jnt_event"]
    venue = event.venue
    who = _joined([o.the for o in event.organisers])
    place = f"{venue.name}, {venue.address}" if registration.mode == IN_PERSON else venue.remote.capitalize()
    return attestation_pdf.Details(
        full_name=registration.full_name,
        organisation=registration.organisation,
        organisers=tuple(f"{o.name} ({o.acronym})" for o in event.organisers),
        statement=french(f"{who[:1].upper()}{who[1:]}, organisateurs de la journée, attestent que :"),
        participation=french(f"a participé {mode(registration)} à :"),
        fields=(
            ("Événement", event.title),
            ("Date", date_fr(event.start)),
            ("Horaires", f"de {hour_fr(event.start)} à {hour_fr(event.end)}"),
            ("Mode", mode(registration)),
            ("Lieu", place),
        ),
        closing=french(
            f"Attestation établie le {date_fr(clock.now())}, d’après la présence enregistrée le jour "
            "de l’événement, pour servir et valoir ce que de droit."
        ),
        footer=french(f"Une question sur cette attestation ? Écrivez à {_contact()}."),
        title=f"Attestation de présence — {event.title}",
        issued_at=clock.now(),
    )


@functools.lru_cache(maxsize=64)
def _rendered(what: attestation_pdf.Details) -> bytes:
    """A PDF made once per worker for what it says: the management page states its size, the link downloads it."""
    return attestation_pdf.render(what)


def pdf(registration: Registration) -> bytes:
    """The PDF itself (call only when `refusal` is None)."""
    return _rendered(details(registration))


def offer(registration: Registration) -> dict | None:
    """What the management page shows: nothing before the end of the day, else the file's size or why not."""
    if not clock.event_over():
        return None
    reason = refusal(registration)
    return {"reason": reason, "kilobytes": None if reason else max(1, round(len(pdf(registration)) / 1000))}


def download(registration: Registration) -> Response:
    """The PDF as a download (call only when `refusal` is None)."""
    response = Response(pdf(registration), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{DOWNLOAD_NAME}"'
    return response
