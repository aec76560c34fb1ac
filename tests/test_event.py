"""The content file: loaded once, validated, errors name the faulty field."""

import tomllib

import pytest

from jnt import create_app
from jnt.config import ConfigError
from jnt.event import DEFAULT_FILE, ContentError, load, parse


@pytest.fixture
def raw():
    return tomllib.loads(DEFAULT_FILE.read_text(encoding="utf-8"))


def test_content_file_loads_the_announcement():
    event = load()
    assert event.title == "Journée Numérique & Territoires"
    assert event.start.isoformat() == "2023-01-18T09:00:00+01:00"
    # Typeset at load: a no-break space inside « ».
    assert [s.title[:20] for s in event.programme] == [
        "Accueil des particip",
        "Fonds «\u00a0Transformati",
        "Table-ronde «\u00a0Commen",
        "Un «\u00a0Forum\u00a0» sur la ",
    ]
    assert event.programme[1].kind == "1re séquence plénière"
    assert len(event.programme[1].speakers) == 6
    assert [o.acronym for o in event.organisers] == ["DINUM", "ANCT", "DITP"]


def test_bold_runs_are_split_into_segments():
    first = load().intro[0]
    assert next(s.text for s in first if s.strong) == "deuxième anniversaire du fonds France Relance"


def test_italic_runs_are_split_into_segments():
    runs = load().attendance
    assert [s.text for s in runs if s.em] == ["in situ"]
    assert not any(s.strong for s in runs)
    assert "".join(s.text for s in runs).endswith("participation in situ afin de suivre au mieux les échanges.")


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["event"].pop("title"), "event.title"),
        (lambda d: d["event"].update(start="2023-01-18"), "event.start"),
        (lambda d: d["venue"].pop("street"), "venue.street"),
        (lambda d: d["programme"][1].pop("title"), "programme[1].title"),
        (lambda d: d["programme"][0].update(start="9 heures"), "programme[0].start"),
        (lambda d: d["programme"][1]["speakers"][2].update(role=""), "programme[1].speakers[2].role"),
        (lambda d: d["forum"]["products"][0].update(name=""), "forum.products[0].name"),
        (lambda d: d["organisers"].clear(), "organisers"),
        (lambda d: d["event"].update(timezone="Mars/Olympus"), "event.timezone"),
        (lambda d: d["event"].update(end=d["event"]["start"]), "event.end"),
    ],
)
def test_invalid_content_names_the_field(raw, mutate, field):
    mutate(raw)
    with pytest.raises(ContentError) as info:
        parse(raw)
    assert field in str(info.value)


def test_naive_datetime_is_refused(raw):
    raw["event"]["start"] = raw["event"]["start"].replace(tzinfo=None)
    with pytest.raises(ContentError, match="fuseau"):
        parse(raw)


def test_app_refuses_to_start_with_a_broken_content_file(tmp_path):
    broken = tmp_path / "jnt.toml"
    broken.write_text(DEFAULT_FILE.read_text(encoding="utf-8").replace('title = "Journée', 'titre = "Journée', 1))
    with pytest.raises(ConfigError, match=r"EVENT_FILE : .*event\.title"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "EVENT_FILE": str(broken)})


def test_app_refuses_a_missing_content_file(tmp_path):
    with pytest.raises(ConfigError, match="EVENT_FILE"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "EVENT_FILE": str(tmp_path / "absent.toml")})


def test_another_edition_needs_only_a_new_file(make_app, tmp_path):
    other = tmp_path / "jnt-2024.toml"
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    other.write_text(text.replace("Accueil des participants", "Accueil des équipes"), encoding="utf-8")
    client = make_app(EVENT_FILE=str(other)).test_client()
    assert "Accueil des équipes" in client.get("/").get_data(as_text=True)


def test_content_is_loaded_once_at_start_up(app, monkeypatch):
    def fail(*_args):
        raise AssertionError("content read during a request")

    monkeypatch.setattr("jnt.event.load", fail)
    monkeypatch.setattr("tomllib.loads", fail)
    assert app.test_client().get("/forum").status_code == 200
