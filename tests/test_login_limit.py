"""Failed organiser logins: limits that stop guessing without locking the owner out."""

import pytest
from organisers_support import EMAIL, Clock, add_organiser, login

from jnt.config import ConfigError
from jnt.models import LoginFailures, ThrottleEvent, db

WRONG = "mauvais mot de passe"
ATTACKER, OWNER = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.2"}


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Every test here runs on a stopped clock: no limit or session can run out while a request is slow."""
    return Clock(monkeypatch)


def fail(client, times: int, email: str = EMAIL, **environ) -> list[int]:
    return [login(client, email=email, password=WRONG, **environ).status_code for _ in range(times)]


@pytest.mark.both_databases
def test_pair_waits_grow_and_are_refusals_until_a_stored_time(make_app, clock):
    app = make_app(LOGIN_PAIR_FREE_FAILURES=2, LOGIN_PAIR_DELAY_SECONDS=60, LOGIN_PAIR_MAX_DELAY_SECONDS=3600)
    add_organiser(app)
    client = app.test_client()
    assert fail(client, 2, **ATTACKER) == [401, 401]
    refused = login(client, **ATTACKER)  # even the right password waits
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Trop de tentatives de connexion. Réessayez dans 1 minute." in refused.text
    with app.app_context():
        [pair] = db.session.scalars(db.select(LoginFailures)).all()
        assert pair.failures == 2 and pair.locked_until is not None
    for wait in (60, 120, 240):  # each failure after a wait doubles the next one
        clock.advance(wait - 1)
        assert login(client, **ATTACKER).status_code == 429
        clock.advance(1)
        assert fail(client, 1, **ATTACKER) == [401]
    clock.advance(480)
    assert login(client, **ATTACKER).status_code == 303
    # A success starts the pair afresh: its free failures are back.
    assert fail(client, 2, **ATTACKER) == [401, 401]


def test_owner_on_another_address_logs_in_at_once(make_app):
    app = make_app()
    add_organiser(app)
    client = app.test_client()
    assert fail(client, 8, **ATTACKER) == [401] * 5 + [429] * 3
    assert login(app.test_client(), **OWNER).status_code == 303


def test_one_address_that_keeps_guessing_is_still_stopped(make_app, clock):
    app = make_app()  # the documented defaults
    add_organiser(app)
    client = app.test_client()
    guesses, elapsed = 0, 0
    while elapsed < 24 * 3600:  # a whole day of guessing, as fast as the limits allow
        response = login(client, password=WRONG, **ATTACKER)
        if response.status_code == 429:
            wait = int(response.headers["Retry-After"])
            clock.advance(wait)
            elapsed += wait
        else:
            assert response.status_code == 401
            guesses += 1
    # 5 free, then waits of 1, 2, 4... minutes up to an hour: about 34 guesses a day (the old limit: 480).
    assert guesses <= 40
    assert login(app.test_client(), **OWNER).status_code == 303  # and the owner was never locked out


def test_shared_address_typos_do_not_lock_the_other_organisers_there(make_app, clock):
    app = make_app()
    add_organiser(app)
    add_organiser(app, email="collegue@example.org")
    venue = app.test_client()
    typed = 0
    while typed < 25:  # one organiser keeps mistyping on the venue's Wi-Fi
        response = login(venue, password=WRONG, **ATTACKER)
        if response.status_code == 429:
            clock.advance(int(response.headers["Retry-After"]))
        else:
            typed += 1
    assert login(app.test_client(), email="collegue@example.org", **ATTACKER).status_code == 303


@pytest.mark.both_databases
def test_account_ceiling_stops_an_attack_spread_over_many_addresses(make_app, clock):
    app = make_app(LOGIN_PAIR_FREE_FAILURES=2, LOGIN_MAX_FAILURES_PER_ACCOUNT=6, LOGIN_WINDOW_MINUTES=60)
    add_organiser(app)
    client = app.test_client()
    for n in range(3):
        assert fail(client, 2, REMOTE_ADDR=f"192.0.2.{n}") == [401, 401]
    refused = login(client, **OWNER)  # a new address, the right password: the ceiling holds
    assert refused.status_code == 429
    clock.advance(3600)
    assert login(client, **OWNER).status_code == 303


@pytest.mark.both_databases
def test_address_ceiling_counts_distinct_accounts(make_app, clock):
    app = make_app(LOGIN_MAX_ACCOUNTS_PER_ADDRESS=3, LOGIN_WINDOW_MINUTES=60)
    add_organiser(app)
    client = app.test_client()
    for n in range(3):  # password spraying: one guess on each of several accounts
        assert fail(client, 1, email=f"essai{n}@example.org", **ATTACKER) == [401]
    assert login(client, **ATTACKER).status_code == 429  # a fourth account from that address
    assert fail(client, 1, email="essai0@example.org", **ATTACKER) == [401]  # accounts already tried keep pair limits
    assert login(client, **OWNER).status_code == 303  # the owner elsewhere is not concerned
    clock.advance(3600)
    assert login(client, **ATTACKER).status_code == 303


def test_ipv6_addresses_of_one_subscriber_share_their_limits(make_app):
    app = make_app(LOGIN_PAIR_FREE_FAILURES=2)
    add_organiser(app)
    client = app.test_client()
    assert fail(client, 2, REMOTE_ADDR="2001:db8:1:2::a") == [401, 401]
    assert login(client, REMOTE_ADDR="2001:db8:1:2:ffff::1").status_code == 429  # same /64
    assert login(client, REMOTE_ADDR="2001:db8:1:3::a").status_code == 303


def test_case_and_spaces_of_the_address_typed_are_one_account(make_app):
    app = make_app(LOGIN_PAIR_FREE_FAILURES=2)
    add_organiser(app)
    client = app.test_client()
    assert fail(client, 1) + fail(client, 1, email=" ORGA@example.org ") == [401, 401]
    assert login(client, email=EMAIL.upper()).status_code == 429
    assert login(client, email="autre@example.org").status_code == 401  # another account is not held up


def test_successes_do_not_count_as_failures(make_app):
    app = make_app(LOGIN_PAIR_FREE_FAILURES=1, LOGIN_MAX_FAILURES_PER_ACCOUNT=1)
    add_organiser(app)
    for _ in range(3):
        assert login(app.test_client()).status_code == 303


def test_failure_records_hold_no_personal_data(app):
    add_organiser(app)
    login(app.test_client(), password=WRONG, REMOTE_ADDR="203.0.113.9")
    with app.app_context():
        events = db.session.scalars(db.select(ThrottleEvent)).all()
        pairs = db.session.scalars(db.select(LoginFailures)).all()
    assert {e.scope for e in events} == {"login-account"}
    keys = [e.key for e in events] + [k for p in pairs for k in (p.account_key, p.address_key)]
    assert len(keys) == 3
    for key in keys:
        assert len(key) == 64 and "orga" not in key and "203.0" not in key


@pytest.mark.parametrize(
    ("setting", "value"),
    [("LOGIN_PAIR_FREE_FAILURES", 0), ("LOGIN_MAX_ACCOUNTS_PER_ADDRESS", "dix"), ("ORGANISER_SESSION_MAX_AGE", True)],
)
def test_login_and_session_settings_are_checked_by_name(make_app, setting, value):
    with pytest.raises(ConfigError, match=setting):
        make_app(**{setting: value})
