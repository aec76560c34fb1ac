"""The event's content as plain, frozen dataclasses (built by event.py from the content file)."""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Segment:
    """A run of text, plain, bold (the announcement's **…**) or italic (*…*)."""

    text: str
    strong: bool
    em: bool = False


@dataclass(frozen=True)
class Organiser:
    acronym: str
    article: str
    name: str
    url: str

    @property
    def the(self) -> str:
        """The acronym with its article: « la DINUM », « l’ANCT »."""
        return f"{self.article}{self.acronym}"


@dataclass(frozen=True)
class Speaker:
    name: str
    role: str
    organisation: str


@dataclass(frozen=True)
class Slot:
    start: dt.datetime
    end: dt.datetime
    title: str
    kind: str
    questions: str
    note: str
    speakers: tuple[Speaker, ...]


@dataclass(frozen=True)
class Product:
    """A product or service the Forum names (its official link, when it has one)."""

    name: str
    url: str


@dataclass(frozen=True)
class Venue:
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    remote: str

    @property
    def address(self) -> str:
        """One-line postal address."""
        return f"{self.street}, {self.postal_code} {self.city}"


@dataclass(frozen=True)
class Deadlines:
    """The first instant at which each thing is refused (exclusive), all aware."""

    in_person: dt.datetime  # registering in person, or switching to in person
    remote: dt.datetime  # registering remotely
    changes: dt.datetime  # switching to remote, cancelling
    promotion: dt.datetime  # a freed seat going by itself to the first person waiting


@dataclass(frozen=True)
class Event:
    title: str
    category: str
    edition: str
    announced_at: dt.datetime
    start: dt.datetime
    end: dt.datetime
    tz: ZoneInfo
    tz_label: str  # how a time in `tz` is qualified in French: « 9h (heure de Paris) »
    deadlines: Deadlines
    chapeau: str
    description: str
    admission: str
    attendance: tuple[Segment, ...]
    seats: str
    audience: str
    intro: tuple[tuple[Segment, ...], ...]
    venue: Venue
    organisers: tuple[Organiser, ...]
    programme: tuple[Slot, ...]
    forum_intro: str
    products: tuple[Product, ...]
