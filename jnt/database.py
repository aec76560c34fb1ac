"""The database: SQLite's connection settings, the one way to write (`with write():`), and `flask init-db`."""

import contextlib
from collections.abc import Iterator

import click
from flask import Flask, current_app, has_app_context
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .extensions import MIGRATIONS, db
from .models import IN_PERSON_COUNTER, SeatCounter

# Keys of session.info: a write() is under way; something was flushed outside one (and not yet committed).
WRITING, FLUSHED_OUTSIDE = "jnt_writing", "jnt_flushed_outside_write"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL, busy timeout, foreign keys and full sync on every SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    timeout_ms = int(current_app.config["SQLITE_BUSY_TIMEOUT"] * 1000) if has_app_context() else 30000
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA foreign_keys = ON")
    # FULL: a commit is on disk before the visitor is told; NORMAL in WAL may lose it on power loss.
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Writers take SQLite's write lock up front, so they queue instead of failing."""
    if conn.dialect.name != "sqlite":
        return
    immediate = conn.get_execution_options().get("jnt_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@event.listens_for(Session, "after_flush")
def _note_flush_outside_write(session, _context) -> None:
    if not session.info.get(WRITING):
        session.info[FLUSHED_OUTSIDE] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_flush(session) -> None:
    session.info.pop(FLUSHED_OUTSIDE, None)


def take_write_lock() -> None:
    """Start the session's transaction as the writer: writers take turns, so what it reads is current.

    SQLite: BEGIN IMMEDIATE (_sqlite_begin). PostgreSQL: the seat counter's row is locked
    (SELECT ... FOR UPDATE) first, so that two cancellations of one registration, say,
    cannot both see it and both free its seat.
    """
    connection = db.session.connection(execution_options={"jnt_write": True})
    if connection.dialect.name != "sqlite":
        db.session.execute(select(SeatCounter.taken).where(SeatCounter.name == IN_PERSON_COUNTER).with_for_update())


@contextlib.contextmanager
def write() -> Iterator[None]:
    """One write transaction: committed when the block ends, rolled back if it raises (an abort(404) too).

    The read transaction the request may have open is ended first: it may predate another
    writer's commit. Changes the session holds from outside a write are refused, never
    thrown away in silence; nor can one write start inside another.
    """
    session = db.session
    if session.info.get(WRITING):
        raise RuntimeError("write() dans write() : une transaction d’écriture est déjà ouverte")
    if session.new or session.dirty or session.deleted or session.info.get(FLUSHED_OUTSIDE):
        raise RuntimeError("modifications faites hors de write() : elles seraient perdues")
    session.rollback()
    session.info[WRITING] = True
    try:
        take_write_lock()
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(WRITING, None)


def init_db() -> None:
    """Apply the Alembic migrations (the only thing that creates tables), then the seat counter; idempotent."""
    upgrade(directory=MIGRATIONS)
    with write():
        if db.session.get(SeatCounter, IN_PERSON_COUNTER) is None:
            db.session.add(SeatCounter(name=IN_PERSON_COUNTER, taken=0))


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Créer la base ou la mettre à jour (migrations) ; sans effet sur une base à jour."""
    init_db()
    click.echo("Base de données prête.")


def init_app(app: Flask) -> None:
    """Register `init-db`, and say in French what Flask-Migrate's `db` group is for."""
    app.cli.add_command(init_db_command)
    app.cli.commands["db"].help = "Migrations du schéma (Alembic), pour le développement ; en production : init-db."
