"""`with write():`, the one write transaction: commits, rolls back, takes the writers' lock, loses nothing."""

import sqlite3

import psycopg
import pytest
from sqlalchemy.engine import make_url

from jnt.database import write
from jnt.models import IN_PERSON_COUNTER, AuditEntry, SeatCounter, db

pytestmark = pytest.mark.both_databases  # the write lock is the database's own behaviour


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(db.select(AuditEntry.action)))


def other_writer_gets_in(database_uri: str) -> bool:
    """Whether another connection could start writing right now, without waiting."""
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as other:
        try:
            other.execute(
                "SELECT taken FROM seat_counters WHERE name = %s FOR UPDATE NOWAIT", (IN_PERSON_COUNTER,)
            ).fetchall()
            return True
        except psycopg.errors.LockNotAvailable:
            return False


def test_write_commits_when_the_block_ends(app):
    with app.app_context():
        with write():
            db.session.add(AuditEntry(action="essai"))
        db.session.remove()
    assert audit_actions(app) == ["essai"]


def test_write_rolls_back_and_reraises_on_error(app):
    with app.app_context(), pytest.raises(ZeroDivisionError), write():
        db.session.add(AuditEntry(action="essai"))
        db.session.flush()
        1 / 0  # noqa: B018 - the error under test
    assert audit_actions(app) == []


def test_write_holds_the_writers_lock_until_it_ends(app, database_uri):
    with app.app_context():
        assert other_writer_gets_in(database_uri)
        with write():
            assert not other_writer_gets_in(database_uri)
        assert other_writer_gets_in(database_uri)


def test_write_refuses_changes_made_outside_it_and_keeps_them(app):
    with app.app_context():
        counter = db.session.get(SeatCounter, IN_PERSON_COUNTER)
        counter.taken = 2
        with pytest.raises(RuntimeError, match="hors de write"), write():
            pass
        assert counter in db.session.dirty  # still there, for the caller to deal with
        db.session.flush()
        with pytest.raises(RuntimeError, match="hors de write"), write():
            pass
        db.session.commit()
        assert db.session.get(SeatCounter, IN_PERSON_COUNTER).taken == 2
        with write():  # once saved, writing may go on
            db.session.get(SeatCounter, IN_PERSON_COUNTER).taken = 0


def test_write_inside_write_is_refused_and_nothing_is_kept(app):
    with app.app_context(), pytest.raises(RuntimeError, match="déjà ouverte"), write():
        db.session.add(AuditEntry(action="dehors"))
        with write():
            db.session.add(AuditEntry(action="dedans"))
    assert audit_actions(app) == []
