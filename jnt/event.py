"""The event's content: loads and validates the content file into plain dataclasses."""

import dataclasses
import datetime as dt
import re
import tomllib
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .event_types import Deadlines, Event, Organiser, Product, Segment, Slot, Speaker, Venue
from .typography import french

DEFAULT_FILE = Path(__file__).parent / "content" / "jnt-2023.toml"


class ContentError(ValueError):
    """The content file is missing a field or has one of the wrong shape."""


class _Reader:
    """Typed access to a TOML table that names the faulty field in its errors."""

    def __init__(self, data: dict, path: str):
        self.data, self.path = data, path

    def _get(self, key: str, kind: type, default=None):
        where = f"{self.path}.{key}" if self.path else key
        if key not in self.data:
            if default is not None:
                return default
            raise ContentError(f"champ manquant : {where}")
        value = self.data[key]
        if not isinstance(value, kind) or (kind is str and not value.strip()):
            raise ContentError(f"champ invalide : {where} (attendu : {kind.__name__} non vide)")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        return self._get(key, str, default)

    def instant(self, key: str, default: dt.datetime | None = None) -> dt.datetime:
        value = self._get(key, dt.datetime, default)
        if value.tzinfo is None:
            raise ContentError(f"champ invalide : {self.path}.{key} (fuseau horaire manquant)")
        return value

    def table(self, key: str) -> "_Reader":
        return _Reader(self._get(key, dict), f"{self.path}.{key}".strip("."))

    def tables(self, key: str, default: list | None = None) -> list["_Reader"]:
        items = self._get(key, list, default)
        if not items and default is None:
            raise ContentError(f"champ invalide : {self.path}.{key} (liste vide)")
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ContentError(f"champ invalide : {self.path}.{key}[{i}]")
        return [_Reader(item, f"{self.path}.{key}[{i}]".strip(".")) for i, item in enumerate(items)]

    def texts(self, key: str) -> list[str]:
        items = self._get(key, list)
        if not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise ContentError(f"champ invalide : {self.path}.{key} (liste de textes)")
        return items


MARKUP = re.compile(r"\*\*(?P<strong>.+?)\*\*|\*(?P<em>.+?)\*")


def segments(text: str) -> tuple[Segment, ...]:
    """Split a text on **…** (bold) and *…* (italic) markers into runs."""
    runs, last = [], 0
    for m in MARKUP.finditer(text):
        if m.start() > last:
            runs.append(Segment(text[last : m.start()], False))
        runs.append(Segment(m["strong"] or m["em"], bool(m["strong"]), bool(m["em"])))
        last = m.end()
    if last < len(text):
        runs.append(Segment(text[last:], False))
    return tuple(runs)


def _clock(day: dt.datetime, hhmm: str, where: str) -> dt.datetime:
    """Combine the event's day with an 'HH:MM' slot time, in the event's zone."""
    try:
        t = dt.time.fromisoformat(hhmm)
    except ValueError:
        raise ContentError(f"champ invalide : {where} (heure HH:MM attendue)") from None
    return dt.datetime.combine(day.date(), t, tzinfo=day.tzinfo)


# The evening before the day, when a seat freed later stops going by itself to the waiting list: a
# promotion sent later reaches agents after their working day, too late to arrange the journey.
PROMOTION_HOUR = dt.time(18)


def _deadlines(d: "_Reader", start: dt.datetime, tz: ZoneInfo) -> Deadlines:
    """The deadlines table; only in person is required (the announcement's date), the others default."""
    evening_before = dt.datetime.combine(start.date() - dt.timedelta(days=1), PROMOTION_HOUR, tzinfo=tz)
    return Deadlines(
        in_person=d.instant("in_person").astimezone(tz),
        remote=d.instant("remote", start).astimezone(tz),
        changes=d.instant("changes", start).astimezone(tz),
        promotion=d.instant("promotion", evening_before).astimezone(tz),
    )


def _zone(name: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ContentError(f"champ invalide : {where} (fuseau inconnu)") from None


def in_zone(event: Event, tz: ZoneInfo, label: str) -> Event:
    """The same event with every instant shown in another zone (a setting overrides the file's)."""
    slots = tuple(
        dataclasses.replace(s, start=s.start.astimezone(tz), end=s.end.astimezone(tz)) for s in event.programme
    )
    d = event.deadlines
    deadlines = Deadlines(*(moment.astimezone(tz) for moment in (d.in_person, d.remote, d.changes, d.promotion)))
    return dataclasses.replace(
        event,
        tz=tz,
        tz_label=label,
        start=event.start.astimezone(tz),
        end=event.end.astimezone(tz),
        announced_at=event.announced_at.astimezone(tz),
        programme=slots,
        deadlines=deadlines,
    )


# Fields that are not prose: identifiers, codes and addresses keep their characters.
NOT_PROSE = {"url", "timezone", "acronym", "country", "postal_code", "start", "end"}


def typeset(value, key: str = ""):
    """The content's prose with French typography (« Lieu : » gets its no-break space), recursively."""
    if isinstance(value, dict):
        return {k: typeset(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [typeset(v, key) for v in value]
    if isinstance(value, str) and key not in NOT_PROSE:
        return french(value)
    return value


def parse(data: dict) -> Event:
    """Validate the raw TOML data and build the Event (prose typeset the French way)."""
    root = _Reader(typeset(data), "")
    ev = root.table("event")
    tz = _zone(ev.text("timezone"), "event.timezone")
    start, end = ev.instant("start").astimezone(tz), ev.instant("end").astimezone(tz)
    if end <= start:
        raise ContentError("champ invalide : event.end (avant event.start)")
    v = root.table("venue")
    venue = Venue(*(v.text(k) for k in ("name", "street", "postal_code", "city", "country", "remote")))
    organisers = tuple(
        Organiser(o.text("acronym"), o.text("article"), o.text("name"), o.text("url"))
        for o in root.tables("organisers")
    )
    programme = []
    for s in root.tables("programme"):
        speakers = tuple(
            Speaker(p.text("name"), p.text("role"), p.text("organisation")) for p in s.tables("speakers", [])
        )
        programme.append(
            Slot(
                _clock(start, s.text("start"), f"{s.path}.start"),
                _clock(start, s.text("end"), f"{s.path}.end"),
                s.text("title"),
                s.text("kind", ""),
                s.text("questions"),
                s.text("note", ""),
                speakers,
            )
        )
    forum = root.table("forum")
    products = tuple(Product(p.text("name"), p.text("url", "")) for p in forum.tables("products"))
    return Event(
        title=ev.text("title"),
        category=ev.text("category"),
        edition=ev.text("edition"),
        announced_at=ev.instant("announced_at").astimezone(tz),
        start=start,
        end=end,
        tz=tz,
        tz_label=ev.text("timezone_label"),
        deadlines=_deadlines(root.table("deadlines"), start, tz),
        chapeau=ev.text("chapeau"),
        description=ev.text("description"),
        admission=ev.text("admission"),
        attendance=segments(ev.text("attendance")),
        seats=ev.text("seats"),
        audience=ev.text("audience"),
        intro=tuple(segments(p) for p in ev.texts("intro")),
        venue=venue,
        organisers=organisers,
        programme=tuple(programme),
        forum_intro=forum.text("intro"),
        products=products,
    )


def load(path: str | Path = DEFAULT_FILE) -> Event:
    """Read and validate a content file; errors name the file and the field."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ContentError(
            f"{path} : le fichier n'est pas encodé en UTF-8 (octet invalide à la position {exc.start}) ; "
            "enregistrez-le en UTF-8"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path} : {exc}") from None
    try:
        return parse(data)
    except ContentError as exc:
        raise ContentError(f"{path} : {exc}") from None
