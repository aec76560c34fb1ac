"""A new edition is a new content file: its dates, deadlines and time zone come from it, settings may override."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import icalendar
import pytest
from mailtools import outbox_rows, register
from organisers_support import add_organiser, login
from sqlalchemy import select

from jnt.config import ConfigError
from jnt.event import DEFAULT_FILE
from jnt.models import Registration, db

REUNION = ZoneInfo("Indian/Reunion")
# A 2024 edition in La Réunion (UTC+4, no summer time): another date, another zone, another label.
EDITION_2024 = {
    "start = 2023-01-18T09:00:00+01:00": "start = 2024-03-14T09:00:00+04:00",
    "end = 2023-01-18T17:30:00+01:00": "end = 2024-03-14T17:30:00+04:00",
    'timezone = "Europe/Paris"': 'timezone = "Indian/Reunion"',
    'timezone_label = "heure de Paris"': 'timezone_label = "heure de La Réunion"',
    "in_person = 2023-01-06T00:00:00+01:00": "in_person = 2024-03-01T00:00:00+04:00",
}
BEFORE_2024 = "2024-02-20T10:00:00+04:00"


def edition_file(tmp_path, changes: dict = EDITION_2024, extra: str = ""):
    """A copy of the 2023 content file with some lines replaced (each must be found)."""
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "jnt-2024.toml"
    path.write_text(text.replace("[deadlines]\n", "[deadlines]\n" + extra), encoding="utf-8")
    return str(path)


@pytest.fixture
def app_2024(make_app, tmp_path):
    return make_app(EVENT_FILE=edition_file(tmp_path), PREVIEW_NOW=BEFORE_2024)


def test_the_2023_file_holds_the_announced_deadline_and_the_defaults():
    from jnt.event import load

    event = load()
    paris = ZoneInfo("Europe/Paris")
    assert event.tz_label == "heure de Paris"
    assert event.deadlines.in_person == dt.datetime(2023, 1, 6, tzinfo=paris)
    assert event.deadlines.remote == event.deadlines.changes == event.start
    assert event.deadlines.promotion == dt.datetime(2023, 1, 17, 18, tzinfo=paris)  # the evening before


def test_another_edition_takes_its_dates_and_zone_from_its_file(app_2024):
    event = app_2024.extensions["jnt_event"]
    assert event.tz == REUNION and event.tz_label == "heure de La Réunion"
    assert event.deadlines.in_person == dt.datetime(2024, 3, 1, tzinfo=REUNION)
    assert event.deadlines.remote == event.deadlines.changes == dt.datetime(2024, 3, 14, 9, tzinfo=REUNION)
    assert event.deadlines.promotion == dt.datetime(2024, 3, 13, 18, tzinfo=REUNION)
    client = app_2024.test_client()
    home = client.get("/").text
    assert "jusqu’au jeudi 29 février 2024 à 23h59 (heure de La Réunion)" in home
    assert "le site se comporte comme le mardi 20 février 2024 à 10h (heure de La Réunion)" in home
    practical = client.get("/infos-pratiques").text
    assert "</time> (heure de La Réunion)" in practical
    for page in (home, practical, client.get("/inscription").text):
        assert "Paris)" not in page and "heure de Paris" not in page


def test_another_edition_mails_exports_and_calendars_in_its_zone(app_2024):
    client = app_2024.test_client()
    assert register(client).status_code == 303
    [message] = outbox_rows(app_2024)
    assert "de 9h à 17h30 (heure de La Réunion)" in message.body_text
    assert "(heure de La Réunion)" in message.body_html and "Paris)" not in message.body_text
    [vevent] = icalendar.Calendar.from_ical(message.ics).walk("VEVENT")
    assert str(vevent["dtstart"].params["TZID"]) == "Indian/Reunion"
    add_organiser(app_2024)
    organiser = app_2024.test_client()
    login(organiser)
    response = organiser.get("/organisateurs/export.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    with app_2024.app_context():
        created = db.session.scalar(select(Registration.created_at))
    local = created.replace(tzinfo=dt.UTC).astimezone(REUNION)
    assert rows[1][9] == local.strftime("%Y-%m-%d %H:%M")  # the organisers read the event's local time
    assert "inscriptions-jnt-2024-02-20.csv" in response.headers["Content-Disposition"]


def test_the_file_may_set_every_deadline(make_app, tmp_path):
    extra = (
        "remote = 2024-03-14T12:00:00+04:00\n"
        "changes = 2024-03-13T12:00:00+04:00\n"
        "promotion = 2024-03-12T09:00:00+04:00\n"
    )
    deadlines = make_app(EVENT_FILE=edition_file(tmp_path, extra=extra)).extensions["jnt_event"].deadlines
    assert deadlines.remote == dt.datetime(2024, 3, 14, 12, tzinfo=REUNION)
    assert deadlines.changes == dt.datetime(2024, 3, 13, 12, tzinfo=REUNION)
    assert deadlines.promotion == dt.datetime(2024, 3, 12, 9, tzinfo=REUNION)


def test_settings_override_the_file(make_app, tmp_path):
    app = make_app(
        EVENT_FILE=edition_file(tmp_path),
        PREVIEW_NOW=BEFORE_2024,
        RSVP_DEADLINE="2024-03-08T00:00:00+04:00",  # the in-person override keeps its old name
        REMOTE_DEADLINE="2024-03-14T12:00:00+04:00",
        CHANGES_DEADLINE="2024-03-13T00:00:00+04:00",
        PROMOTION_DEADLINE="2024-03-12T18:00:00+04:00",
        TIMEZONE="Europe/Paris",
        TIMEZONE_LABEL="heure de Paris",
    )
    event = app.extensions["jnt_event"]
    paris = ZoneInfo("Europe/Paris")
    assert event.tz == paris and event.start == dt.datetime(2024, 3, 14, 6, tzinfo=paris)
    assert event.programme[0].start == dt.datetime(2024, 3, 14, 6, tzinfo=paris)  # the same instant
    d = event.deadlines
    assert d.in_person == dt.datetime(2024, 3, 7, 21, tzinfo=paris)
    assert (d.remote, d.changes, d.promotion) == (
        dt.datetime(2024, 3, 14, 9, tzinfo=paris),
        dt.datetime(2024, 3, 12, 21, tzinfo=paris),
        dt.datetime(2024, 3, 12, 15, tzinfo=paris),
    )
    assert "jusqu’au jeudi 7 mars 2024 à 21h (heure de Paris)" in app.test_client().get("/").text


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"RSVP_DEADLINE": "2024-03-15T00:00:00+04:00"}, "RSVP_DEADLINE"),
        ({"REMOTE_DEADLINE": "2024-03-15T00:00:00+04:00"}, "REMOTE_DEADLINE"),
        ({"CHANGES_DEADLINE": "2024-03-15T00:00:00+04:00"}, "CHANGES_DEADLINE"),
        ({"PROMOTION_DEADLINE": "2024-03-14T10:00:00+04:00"}, "PROMOTION_DEADLINE"),
        ({"PROMOTION_DEADLINE": "demain"}, "PROMOTION_DEADLINE"),
        ({"TIMEZONE": "Europe/Paris"}, "TIMEZONE_LABEL"),
        ({"TIMEZONE": "Mars/Olympus", "TIMEZONE_LABEL": "heure de Mars"}, "TIMEZONE"),
    ],
)
def test_inconsistent_deadline_settings_are_refused(make_app, tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        make_app(EVENT_FILE=edition_file(tmp_path), **settings)


def test_a_file_without_its_in_person_deadline_is_refused(make_app, tmp_path):
    changes = {**EDITION_2024, "in_person = 2023-01-06T00:00:00+01:00": ""}
    with pytest.raises(ConfigError, match=r"deadlines\.in_person"):
        make_app(EVENT_FILE=edition_file(tmp_path, changes))
