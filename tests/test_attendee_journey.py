"""The issue's scenario, as on 2 January 2023: register, read the e-mail, add to calendar, switch, promotion."""

import email
from email.policy import default

import icalendar
from mailtools import LINK, register
from support import csrf_token

from jnt.mail import outbox


def inbox(folder) -> dict[str, list[email.message.EmailMessage]]:
    """The .eml files written locally, by recipient."""
    by_recipient = {}
    for path in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        by_recipient.setdefault(msg["To"], []).append(msg)
    return by_recipient


def test_register_read_mail_switch_to_remote_and_promote(make_app, tmp_path):
    app = make_app(IN_PERSON_CAPACITY=1)
    app.instance_path = str(tmp_path / "instance")
    me, next_in_line = app.test_client(), app.test_client()
    register(me, email="moi@example.org")
    register(next_in_line, email="suivante@example.org")
    with app.app_context():
        outbox.flush()
    mail = inbox(tmp_path / "instance" / "outbox")
    [confirmation] = mail["moi@example.org"]
    assert "inscription confirmée" in confirmation["Subject"]
    ics = next(confirmation.iter_attachments()).get_content()
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["summary"]) == "Journée Numérique & Territoires"

    link = LINK.search(confirmation.get_body(("plain",)).get_content()).group(0)
    path = link[link.index("/inscription/") :]
    page = me.get(path).get_data(as_text=True)
    me.post(path + "/mode", data={"csrf_token": csrf_token(page), "mode": "remote"})
    assert "À distance (visioconférence)" in me.get(path).get_data(as_text=True)

    with app.app_context():
        outbox.flush()
    mail = inbox(tmp_path / "instance" / "outbox")
    subjects = [m["Subject"] for m in mail["suivante@example.org"]]
    assert len(subjects) == 2
    assert "liste d’attente" in subjects[0]
    assert "une place s’est libérée pour vous" in subjects[1]
    # Her switch is e-mailed too, with its own link.
    assert [m["Subject"].split("\xa0: ")[-1] for m in mail["moi@example.org"]][1:] == ["participation à distance"]
