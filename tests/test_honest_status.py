"""What the event page says follows reality: seats, deadline, and the day once it has taken place."""

import json
import re

import pytest
from organisers_support import register
from support import CLOSED_NOW, IN_PERSON_CLOSED_NOW, OPEN_NOW, PROMOTION_CLOSED_NOW

from jnt.config import ConfigError

AFTER_THE_DAY = "2023-01-18T17:30:00+01:00"  # the end of the day


def offers(client) -> dict:
    html = client.get("/").text
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    return {offer["name"]: offer.get("availability") for offer in data["offers"]}


def test_offers_follow_the_seats_and_the_deadline(make_app):
    app = make_app(IN_PERSON_CAPACITY=2)
    client = app.test_client()
    assert offers(client) == {
        "Participation en présentiel": "https://schema.org/InStock",
        "Participation à distance": "https://schema.org/InStock",
    }
    register(app, n=1)
    assert offers(client)["Participation en présentiel"] == "https://schema.org/InStock"
    register(app, n=2)  # the last seat: the very next response says so
    assert offers(client) == {
        "Participation en présentiel": "https://schema.org/SoldOut",
        "Participation à distance": "https://schema.org/InStock",
    }
    remote_only = make_app(PREVIEW_NOW=IN_PERSON_CLOSED_NOW).test_client()
    assert offers(remote_only) == {
        "Participation en présentiel": None,  # no longer offered, whatever the seats
        "Participation à distance": "https://schema.org/InStock",
    }
    closed = make_app(PREVIEW_NOW=CLOSED_NOW).test_client()
    assert set(offers(closed).values()) == {None}  # nothing in stock once registration is over


REMOTE_ONLY = (
    ["Les inscriptions en présentiel sont closes", "S’inscrire à distance", "jusqu’au mercredi 18 janvier 2023 à 9h"],
    ["disponible", "Inscriptions closes", "confirmer votre présence avant", "Toutes les places"],
)


@pytest.mark.parametrize(
    ("now", "says", "never"),
    [
        (
            OPEN_NOW,
            [
                "Inscriptions en présentiel ouvertes jusqu’au jeudi 5 janvier 2023 à 23h59 (heure de Paris), "
                "à distance jusqu’au mercredi 18 janvier 2023 à 9h (heure de Paris).",
                "places en présentiel disponibles",
            ],
            ["closes", "S’inscrire à distance"],
        ),
        (IN_PERSON_CLOSED_NOW, *REMOTE_ONLY),
        (PROMOTION_CLOSED_NOW, *REMOTE_ONLY),
        (
            CLOSED_NOW,
            ["Inscriptions closes", "jusqu’au jeudi 5 janvier 2023 à 23h59 (heure de Paris) en présentiel"],
            ["S’inscrire", "disponible"],
        ),
    ],
    ids=["ouvert", "distance-seulement", "promotion-close", "commencee"],
)
def test_the_registration_box_tells_each_period_as_it_is(make_app, now, says, never):
    text = make_app(PREVIEW_NOW=now).test_client().get("/").text
    for words in says:
        assert words in text
    for words in never:
        assert words not in text


def test_the_day_after_the_page_says_it_took_place(make_app):
    text = make_app(PREVIEW_NOW=AFTER_THE_DAY).test_client().get("/").text
    assert "La journée a eu lieu" in text
    assert "S’inscrire" not in text and "Inscriptions closes" not in text and "Ajouter à mon agenda" not in text
    assert "Revoir la journée" not in text  # no link until the organisers set one


def test_the_day_after_shows_replay_and_slides_when_set(make_app):
    app = make_app(
        PREVIEW_NOW=AFTER_THE_DAY,
        REPLAY_URL="https://video.example.org/jnt-2023",
        SLIDES_URL="https://docs.example.org/jnt-2023.pdf",
    )
    text = app.test_client().get("/").text
    assert '<a class="fr-link" href="https://video.example.org/jnt-2023">Revoir la journée (vidéo)</a>' in text
    assert '<a class="fr-link" href="https://docs.example.org/jnt-2023.pdf">Les supports de présentation</a>' in text


def test_the_evening_before_the_end_registration_closed_notice_stays(make_app):
    text = make_app(PREVIEW_NOW="2023-01-18T17:29:00+01:00").test_client().get("/").text
    assert "Inscriptions closes" in text and "La journée a eu lieu" not in text


@pytest.mark.parametrize("setting", ["REPLAY_URL", "SLIDES_URL", "SURVEY_URL"])
def test_follow_up_links_must_be_web_addresses(make_app, setting):
    with pytest.raises(ConfigError, match=setting):
        make_app(**{setting: "javascript:alert(1)"})
