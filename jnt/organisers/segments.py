"""Who an organiser's message goes to: each segment is one SQL condition on the registrations.

Every segment starts from `registered()`, the one place that says which registrations a
message may reach, and the two about the day share `attended()`, the one place that says who
came: change those two and every segment, count and send follows.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, not_, or_, select

from ..models import CANCELLED, CONFIRMED, IN_PERSON, REMOTE, WAITING, Registration, db


def registered() -> ColumnElement[bool]:
    """Registrations a message may reach: live ones (not cancelled), with a proven address (never a walk-in's
    typed at the door, until they prove it). Forms whose address is not proven yet are not registrations."""
    return and_(Registration.email_proven, Registration.status != CANCELLED)


def attended() -> ColumnElement[bool]:
    """People who came: checked in at the entrance, or joined the video conference (attestation.attended)."""
    return or_(Registration.checked_in_at.is_not(None), Registration.joined_at.is_not(None))


def in_person() -> ColumnElement[bool]:
    """Confirmed in person: they have a seat."""
    return and_(registered(), Registration.mode == IN_PERSON, Registration.status == CONFIRMED)


def waiting() -> ColumnElement[bool]:
    """On the in-person waiting list."""
    return and_(registered(), Registration.mode == IN_PERSON, Registration.status == WAITING)


def remote() -> ColumnElement[bool]:
    """Taking part remotely."""
    return and_(registered(), Registration.mode == REMOTE)


def everyone() -> ColumnElement[bool]:
    """Every registration."""
    return registered()


def came() -> ColumnElement[bool]:
    """Checked in on site, or joined remotely."""
    return and_(registered(), attended())


def absent() -> ColumnElement[bool]:
    """Registered, whatever their list, but not recorded as having come."""
    return and_(registered(), not_(attended()))


@dataclass(frozen=True)
class Segment:
    slug: str
    label: str
    condition: object  # a function returning the WHERE condition


SEGMENTS = {
    s.slug: s
    for s in (
        Segment("presentiel", "En présentiel, place confirmée", in_person),
        Segment("attente", "Liste d’attente du présentiel", waiting),
        Segment("distance", "À distance", remote),
        Segment("tous", "Toutes les personnes inscrites", everyone),
        # Labels say what `attended()` counts: they change together.
        Segment("presents", "Personnes venues (pointées à l’accueil ou connectées à distance)", came),
        Segment("absents", "Personnes inscrites mais absentes (ni pointées ni connectées)", absent),
    )
}
DEFAULT = "tous"
# The thank-you message after the day goes only to the people who came.
FOLLOW_UP = "presents"


def count(slug: str) -> int:
    """The exact number of people the segment reaches now."""
    query = select(func.count()).select_from(Registration).where(SEGMENTS[slug].condition())
    return db.session.scalar(query)


def counts() -> dict[str, int]:
    """Every segment's number of people, by slug."""
    return {slug: count(slug) for slug in SEGMENTS}
