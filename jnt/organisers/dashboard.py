"""The organisers' dashboard: the counts at a glance, and the list of registrations (search, filters, sort, pages)."""

import datetime as dt
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import func, select

from .. import arrivals, clock, collation
from ..forms import CONTROL, STRUCTURE_TYPES
from ..htmx import page_or_fragment
from ..models import (
    CANCELLED,
    CONFIRMED,
    IN_PERSON,
    REMOTE,
    WAITING,
    Mode,
    PendingRegistration,
    Registration,
    Role,
    Status,
    db,
)
from .auth import requires

# The filters' choices, from the enums' labels; cancelled registrations are not listed (kept for purge only).
MODE_LABELS = {m.value: m.label for m in Mode}
STATUS_LABELS = {s.value: s.label for s in Status if s is not CANCELLED}
LIVE = Registration.status != CANCELLED
# Sorted in Python over the filtered set (a few thousand rows at most): SQL cannot collate French.
# Each entry: label, key, reversed.
SORTS = {
    "nom": ("Nom (A → Z)", collation.person_key, False),
    "-nom": ("Nom (Z → A)", collation.person_key, True),
    "organisation": ("Organisation", lambda r: (collation.key(r.organisation), *collation.person_key(r)), False),
    "-date": ("Plus récentes d’abord", lambda r: (r.created_at, r.id), True),
    "date": ("Plus anciennes d’abord", lambda r: (r.created_at, r.id), False),
    "attente": (
        "Ordre de la liste d’attente",
        lambda r: (r.queued_at is None, r.queued_at or r.created_at, r.id),
        False,
    ),
}
DEFAULT_SORT = "-date"


def search_text(value: str | None) -> str:
    """Typed search words, trimmed and bounded, without control characters (PostgreSQL refuses NUL)."""
    return " ".join(CONTROL.sub(" ", value or "").split())[:100]


@dataclass(frozen=True)
class Criteria:
    """What the visitor asked for; unknown values fall back to defaults (never an error)."""

    q: str = ""
    mode: str = ""
    status: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "Criteria":
        """Read and clean the query string."""
        page = args.get("page", "1")
        return cls(
            q=search_text(args.get("q")),
            mode=args.get("mode", "") if args.get("mode") in MODE_LABELS else "",
            status=args.get("statut", "") if args.get("statut") in STATUS_LABELS else "",
            sort=args.get("tri", DEFAULT_SORT) if args.get("tri") in SORTS else DEFAULT_SORT,
            # isdigit() also accepts "²" and other digits int() refuses: ASCII digits only.
            page=int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 100000 else 1,
        )

    def url_args(self, **changes) -> dict:
        """This search's query arguments for url_for, with some values changed (for page links)."""
        values = {"q": self.q, "mode": self.mode, "statut": self.status, "tri": self.sort, "page": self.page}
        values.update(changes)
        return {k: v for k, v in values.items() if v and not (k == "page" and v == 1)}


def found(registration: Registration, words: list[str]) -> bool:
    """Every word appears in the name, the organisation or the e-mail, folded as at check-in."""
    r = registration
    return collation.matches(words, r.first_name, r.last_name, r.organisation, r.email or "")


@dataclass(frozen=True)
class Page:
    """One page of results, with the total and the number of pages."""

    items: list
    total: int
    number: int
    pages: int
    # Place on the in-person waiting list, by registration id (waiting people only).
    positions: dict


def waiting_positions() -> dict[int, int]:
    """Everyone's 1-based place on the waiting list, in its order (one query)."""
    queue = select(Registration.id).where(Registration.mode == IN_PERSON, Registration.status == WAITING)
    ordered = db.session.scalars(queue.order_by(Registration.queued_at, Registration.id))
    return {registration_id: n for n, registration_id in enumerate(ordered, start=1)}


def registrations(criteria: Criteria) -> Page:
    """One page of the registrations matching the criteria."""
    query = select(Registration).where(LIVE)
    if criteria.mode:
        query = query.where(Registration.mode == criteria.mode)
    if criteria.status:
        query = query.where(Registration.status == criteria.status)
    words = collation.search_words(criteria.q)
    _label, sort_key, descending = SORTS[criteria.sort]
    matching = sorted((r for r in db.session.scalars(query) if found(r, words)), key=sort_key, reverse=descending)
    total = len(matching)
    size = current_app.config["ORGANISER_PAGE_SIZE"]
    pages = max((total + size - 1) // size, 1)
    number = min(criteria.page, pages)
    return Page(matching[(number - 1) * size : number * size], total, number, pages, waiting_positions())


@dataclass(frozen=True)
class Counts:
    """The dashboard's figures."""

    in_person: int
    capacity: int
    waiting: int
    remote: int
    total: int
    by_structure: list
    # Forms sent for addresses not proven yet (they hold nothing), and registrations cancelled.
    unproven: int
    cancelled: int
    # Remote attendees who pressed "Rejoindre la visioconférence" (their first join is recorded).
    joined: int = 0
    # False after PROMOTION_DEADLINE: freed seats then stay free until an organiser gives them.
    promotion_open: bool = True

    @property
    def free(self) -> int:
        """In-person seats nobody holds."""
        return max(self.capacity - self.in_person, 0)


def counts() -> Counts:
    """The figures at a glance: seats, waiting list, remote, total, by type of structure."""
    rows = db.session.execute(
        select(Registration.mode, Registration.status, func.count()).group_by(Registration.mode, Registration.status)
    ).all()
    by = {(mode, status): n for mode, status, n in rows}
    cancelled = sum(n for (_mode, status), n in by.items() if status == CANCELLED)
    per_type_query = select(Registration.structure_type, func.count()).where(LIVE).group_by(Registration.structure_type)
    now = clock.now().astimezone(dt.UTC).replace(tzinfo=None)
    unproven = db.session.scalar(
        select(func.count()).select_from(PendingRegistration).where(PendingRegistration.expires_at > now)
    )
    per_type = dict(db.session.execute(per_type_query).all())
    by_structure = [(label, per_type.get(value, 0)) for value, label in STRUCTURE_TYPES]
    return Counts(
        in_person=by.get((IN_PERSON, CONFIRMED), 0),
        capacity=current_app.config["IN_PERSON_CAPACITY"],
        waiting=by.get((IN_PERSON, WAITING), 0),
        remote=by.get((REMOTE, CONFIRMED), 0),
        total=sum(by.values()) - cancelled,
        by_structure=by_structure,
        unproven=unproven,
        cancelled=cancelled,
        promotion_open=clock.promotion_open(),
        joined=db.session.scalar(
            select(func.count()).where(
                Registration.mode == REMOTE, Registration.joined_at.is_not(None), Registration.status != CANCELLED
            )
        ),
    )


@requires(Role.ORGANISATION)
def dashboard():
    """Counts at a glance and the searchable list of registrations (/organisateurs/)."""
    criteria = Criteria.from_args(request.args)
    return page_or_fragment(
        "organisers/dashboard.html",
        "organisers/_registrations_update.html",
        counts=counts(),
        tally=arrivals.tally(),
        criteria=criteria,
        page=registrations(criteria),
        modes=MODE_LABELS,
        statuses=STATUS_LABELS,
        sorts={key: label for key, (label, _key, _reverse) in SORTS.items()},
    )
