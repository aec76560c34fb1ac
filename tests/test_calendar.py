"""The public calendar file, /evenement.ics, linked from the event page."""

import datetime as dt

import icalendar


def test_public_calendar_file_describes_the_event(make_app):
    client = make_app(PUBLIC_URL="https://jnt.example.org").test_client()
    response = client.get("/evenement.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert 'filename="evenement.ics"' in response.headers["Content-Disposition"]
    cal = icalendar.Calendar.from_ical(response.data)
    assert str(cal["version"]) == "2.0"
    [event] = cal.walk("VEVENT")
    paris = icalendar.Calendar.from_ical(response.data).walk("VTIMEZONE")[0]
    assert str(paris["tzid"]) == "Europe/Paris"
    assert event.decoded("dtstart").astimezone(dt.UTC) == dt.datetime(2023, 1, 18, 8, tzinfo=dt.UTC)
    assert event.decoded("dtend").astimezone(dt.UTC) == dt.datetime(2023, 1, 18, 16, 30, tzinfo=dt.UTC)
    assert str(event["summary"]) == "Journée Numérique & Territoires"
    assert "20 avenue de Ségur, 75007 Paris" in str(event["location"])
    assert str(event["url"]) == "https://jnt.example.org/"
    second = icalendar.Calendar.from_ical(client.get("/evenement.ics").data).walk("VEVENT")[0]
    assert str(second["uid"]) == str(event["uid"])  # stable: re-importing updates the same entry


def test_event_page_links_to_the_calendar_file(read_only_client):
    html = read_only_client.get("/").get_data(as_text=True)
    assert 'href="/evenement.ics"' in html
    assert "Ajouter à mon agenda" in html
