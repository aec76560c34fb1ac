"""Organisers under concurrency, against a real multi-worker gunicorn."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from organisers_support import EMAIL, PASSWORD, add_organiser, hidden_fields, register
from rendezvous import Rendezvous, at_once, race_server
from server import Gunicorn

from jnt.models import CONFIRMED, IN_PERSON, WAITING, AuditEntry, Registration, SeatCounter, db

pytestmark = [pytest.mark.slow, pytest.mark.both_databases]
WORKERS = 3


def token(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def attempt(url: str, password: str) -> int:
    """One login attempt in a fresh connection and session (any worker may answer)."""
    with requests.Session() as s:
        page = s.get(url + "/organisateurs/connexion", timeout=30)
        data = {"csrf_token": token(page.text), "email": EMAIL, "password": password}
        return s.post(url + "/organisateurs/connexion", data=data, allow_redirects=False, timeout=60).status_code


def logged_in(url: str) -> tuple[dict, str]:
    """Cookies of a logged-in organiser session, and its CSRF token."""
    with requests.Session() as s:
        page = s.get(url + "/organisateurs/connexion", timeout=30)
        data = {"csrf_token": token(page.text), "email": EMAIL, "password": PASSWORD}
        assert s.post(url + "/organisateurs/connexion", data=data, allow_redirects=False, timeout=60).status_code == 303
        csrf = token(s.get(url + "/organisateurs/pointage", timeout=30).text)  # stores the token in the session
        return s.cookies.get_dict(), csrf


def post_all(
    url: str, paths: list[str], cookies: dict, csrf: str, fields: dict | None = None, headers: dict | None = None
) -> list[int]:
    """POST every path at once from separate connections (with the given page's fields, if any)."""

    def one(path: str) -> int:
        data = {"csrf_token": csrf, **(fields or {}).get(path, {})}
        r = requests.post(url + path, data=data, cookies=cookies, headers=headers, allow_redirects=False, timeout=300)
        return r.status_code

    return at_once(one, paths)


def test_login_limit_holds_across_workers(tmp_path, make_app):
    app = make_app()
    add_organiser(app)
    # Five free failures from one address, then a wait far longer than the test could take.
    settings = {
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "LOGIN_PAIR_FREE_FAILURES": 5,
        "LOGIN_PAIR_DELAY_SECONDS": 3600,
    }
    with Gunicorn(tmp_path, settings, workers=WORKERS) as server:
        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(lambda _: attempt(server.url, "mauvais mot de passe"), range(12)))
        assert sorted(codes) == [401] * 5 + [429] * 7
        assert attempt(server.url, PASSWORD) == 429


def test_simultaneous_promotions_for_one_free_seat_promote_one(tmp_path, make_app):
    # Capacity 1 when they registered: one seat taken, one person waiting per worker. Then the venue
    # gains one seat, and an organiser promotes every waiting person at once (several tabs).
    app = make_app(IN_PERSON_CAPACITY=1)
    add_organiser(app)
    ids = [register(app, n=n) for n in range(WORKERS + 1)]
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "IN_PERSON_CAPACITY": 2}
    with race_server(tmp_path, settings, WORKERS) as server:
        cookies, csrf = logged_in(server.url)
        paths = [f"/organisateurs/inscriptions/{i}/promouvoir" for i in ids[1:]]
        # Each confirmation page is opened first: its form says which registration it showed.
        pages = {path: requests.get(server.url + path, cookies=cookies, timeout=30).text for path in paths}
        fields = {path: hidden_fields(page) for path, page in pages.items()}
        with Rendezvous(WORKERS) as meeting:
            codes = post_all(server.url, paths, cookies, csrf, fields, meeting.headers)
    assert codes == [303] * WORKERS
    with app.app_context():
        statuses = [db.session.get(Registration, i).status for i in ids]
        assert statuses.count(CONFIRMED) == 2 and statuses.count(WAITING) == WORKERS - 1
        assert db.session.get(SeatCounter, "in_person").taken == 2
        promotions = db.session.scalars(db.select(AuditEntry).filter_by(action="promouvoir")).all()
        promoted = [i for i, status in zip(ids[1:], statuses[1:], strict=True) if status == CONFIRMED]
        assert [e.registration_id for e in promotions] == promoted
        assert all(db.session.get(Registration, i).mode == IN_PERSON for i in ids)


def test_concurrent_checkins_never_lose_a_mark(tmp_path, make_app):
    app = make_app(IN_PERSON_CAPACITY=16)
    add_organiser(app)
    ids = [register(app, n=n) for n in range(16)]
    with Gunicorn(
        tmp_path,
        {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "IN_PERSON_CAPACITY": 16},
        workers=WORKERS,
    ) as server:
        cookies, csrf = logged_in(server.url)
        codes = post_all(server.url, [f"/organisateurs/pointage/{i}/present" for i in ids], cookies, csrf)
        count = requests.get(server.url + "/organisateurs/pointage", cookies=cookies, timeout=30).text
    assert codes == [303] * 16
    assert "<strong>16</strong> présents sur <strong>16</strong> attendus" in count
    with app.app_context():
        assert all(db.session.get(Registration, i).checked_in_at is not None for i in ids)
        marks = db.select(db.func.count()).where(AuditEntry.action == "pointage")
        assert db.session.scalar(marks) == 16


def test_two_volunteers_checking_in_two_waiting_people_for_the_last_seat(tmp_path, make_app):
    # Capacity 1 when they registered: one seat taken, two people waiting. On the day one more seat is
    # free, and two volunteers check in the two waiting people at once, each held where its write starts.
    app = make_app(IN_PERSON_CAPACITY=1)
    add_organiser(app)
    ids = [register(app, n=n) for n in range(3)]
    settings = {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "IN_PERSON_CAPACITY": 2}
    with race_server(tmp_path, settings, WORKERS) as server:
        volunteers = [logged_in(server.url) for _ in range(2)]

        def check_in(n: int) -> requests.Response:
            cookies, csrf = volunteers[n]
            url = f"{server.url}/organisateurs/pointage/{ids[1 + n]}/present"
            data = {"csrf_token": csrf}
            return requests.post(
                url, data=data, cookies=cookies, headers=meeting.headers, allow_redirects=False, timeout=300
            )

        with Rendezvous(2) as meeting:
            answers = at_once(check_in, [0, 1])
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 303], [r.text[:500] for r in answers]
    offered = next(r for r in answers if r.status_code == 200)
    assert "Enregistrer hors jauge (la salle le permet)" in offered.text
    with app.app_context():
        waiting = [db.session.get(Registration, i) for i in ids[1:]]
        assert sorted((r.status, r.checked_in_at is not None) for r in waiting) == [(CONFIRMED, True), (WAITING, False)]
        loser = next(r for r in waiting if r.status == WAITING)
        assert f"/organisateurs/pointage/{loser.id}/hors-jauge" in offered.text
        assert not any(r.over_capacity for r in waiting)
        assert db.session.get(SeatCounter, "in_person").taken == 2
