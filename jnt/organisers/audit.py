"""The audit log: which organiser did what, when (no attendee personal data)."""

from flask import current_app, g

from ..models import AuditEntry, db


def record(action: str, registration_id: int | None = None, detail: str = "", organiser=None) -> None:
    """Add an entry to the current transaction (committed with the action it describes).

    The organiser is the logged-in one unless given (a refused login, an account changed on the command line).
    """
    organiser = organiser or g.get("organiser")
    db.session.add(
        AuditEntry(
            organiser_id=organiser.id if organiser else None,
            action=action,
            registration_id=registration_id,
            detail=detail[:200],
        )
    )
    current_app.logger.info(
        "Organisateur %s : %s%s%s",
        organiser.id if organiser else "?",
        action,
        f" inscription {registration_id}" if registration_id is not None else "",
        f" ({detail})" if detail else "",
    )
